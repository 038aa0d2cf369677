import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { CLI_ACTOR } from '../../server/src/domain/actor.js';
import { DeviceAdminService } from '../../server/src/services/device-admin.service.js';
import { connectDevice } from '../../simulators/src/devices/mqtt-link.js';
import { ApiClient, createUser, type TestUser } from '../support/auth.js';
import { launchBrowser, watchProblems } from '../support/browser.js';
import { screenshot, signInThroughForm } from '../support/dashboard.js';
import { createPatient, createTeam, sql, startTestPlatform, type TestPlatform, unique } from '../support/platform.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startTestRedis } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

/**
 * The admin screens in a real Chromium, against the whole platform: a device's secret is shown
 * once (it authenticates at the broker, and is gone after leaving the screen), rotated (old
 * refused, new accepted) and revoked; a user is invited with a role and a team; a locked user is
 * unlocked; a team's escalation chain and roster are saved; the audit log is searched by patient.
 * A clinician sees no Admin entry, and the admin address tells them it is not for them.
 */
describe('the admin screens, in a real Chromium', () => {
  let database: TestDatabase;
  let redis: Awaited<ReturnType<typeof startTestRedis>>;
  let chrome: Awaited<ReturnType<typeof launchBrowser>>;
  let platform: TestPlatform;
  let admin: TestUser;
  let clinician: TestUser;
  let locked: TestUser;
  let teamId: string;
  let teamName: string;
  let patientId: string;
  let otherDeviceId: string;
  const patientName = `Karen Holm ${unique()}`;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  /** Each API client has an address of its own (X-Forwarded-For), so the sign-in rate limits of one never meet another's. */
  const api = () => new ApiClient(platform.baseUrl);
  /** The address the locked user's wrong passwords came from: the account is locked for it. */
  let lockedFrom: ApiClient;

  const refused = (device: { id: string; secret: string }) => expect(connectDevice(platform.urls.broker, device)).rejects.toThrow();
  const accepted = async (device: { id: string; secret: string }) => (await connectDevice(platform.urls.broker, device)).endAsync();
  const tab = async (name: 'users' | 'teams' | 'devices' | 'audit') => {
    await page.getByTestId(`admin-tab-${name}`).click();
    await page.getByTestId(`admin-${name}`).waitFor();
  };
  const deviceRow = (id: string): Locator => page.locator(`[data-testid="device-row"][data-id="${id}"]`);

  beforeAll(async () => {
    [database, redis, chrome] = await Promise.all([createTestDatabase(), startTestRedis(), launchBrowser()]);
    platform = await startTestPlatform({ DATABASE_URL: database.url, REDIS_URL: redis.url, VIGIL_TRUST_PROXY: '1' });
    teamId = await createTeam(platform);
    [{ name: teamName }] = await sql<{ name: string }>(platform, 'SELECT name FROM teams WHERE id = $1', [teamId]);
    admin = await createUser(platform, 'admin');
    clinician = await createUser(platform, 'clinician', teamId);
    locked = await createUser(platform, 'care_staff', teamId);
    patientId = await createPatient(platform, teamId, patientName);
    otherDeviceId = (await platform.app.get(DeviceAdminService).createDevice(CLI_ACTOR, { patient: await createPatient(platform, teamId), kind: 'scale' }))
      .device.id;
    // Five wrong passwords lock the account for this address (docs/security.md).
    lockedFrom = api();
    for (let i = 0; i < 5; i++) await lockedFrom.login({ email: locked.email, password: `wrong-${i}` });
    expect((await lockedFrom.login(locked)).status).toBe(423);

    context = await chrome.browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: platform.baseUrl });
    page = await context.newPage();
    problems = await watchProblems(page);
    await signInThroughForm(page, platform.baseUrl, admin);
  });

  afterAll(async () => {
    await context?.close();
    await chrome?.close();
    await platform?.close();
    await Promise.all([database?.drop(), redis?.stop()]);
  });

  it('provisions a device: the secret is shown once with a copy button and a QR code, and authenticates', async () => {
    await page.getByTestId('nav-admin').click();
    await tab('devices');
    await page.getByTestId('provision-patient').selectOption(patientId);
    await page.getByTestId('provision-kind').selectOption('pulse_oximeter');
    await page.getByTestId('provision-submit').click();
    const shown = page.getByTestId('device-secret');
    await shown.waitFor();
    const device = {
      id: (await shown.getByTestId('device-secret-id').textContent())!,
      secret: (await shown.getByTestId('device-secret-value').textContent())!,
    };
    expect(device.secret.length).toBeGreaterThanOrEqual(20);
    expect(await shown.getByTestId('device-secret-qr').getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    await shown.getByTestId('device-secret-copy').click();
    await shown.getByText('Copied').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(device.secret);
    await accepted(device);
    await deviceRow(device.id).waitFor();
    await screenshot(page, '42-admin-devices');

    // Leaving the screen and coming back: the device is listed, its secret is not shown again.
    await tab('users');
    await tab('devices');
    await deviceRow(device.id).waitFor();
    expect(await page.getByTestId('device-secret').count()).toBe(0);
    expect(await page.locator('body').innerText()).not.toContain(device.secret);
    // Nor after a reload.
    await page.reload();
    await deviceRow(device.id).waitFor();
    expect(await page.getByTestId('device-secret').count()).toBe(0);
    expect(await page.content()).not.toContain(device.secret);

    // Rotating shows a new secret once: the old one is refused at once, the new one accepted.
    await deviceRow(device.id).getByTestId('device-rotate').click();
    await waitFor(
      () => page.getByTestId('device-secret-value').textContent({ timeout: 30_000 }),
      (text) => text !== device.secret,
      30_000,
      'the rotated secret',
    );
    const rotated = { id: device.id, secret: (await page.getByTestId('device-secret-value').textContent())! };
    expect(await page.getByTestId('device-secret-id').textContent()).toBe(device.id);
    await refused(device);
    await accepted(rotated);

    // Revoking asks first; then the device shows as revoked and the broker refuses it.
    await deviceRow(device.id).getByTestId('device-revoke').click();
    expect(await page.getByTestId('device-secret').count()).toBe(1);
    await deviceRow(device.id).getByTestId('device-revoke-confirm').click();
    await deviceRow(device.id)
      .getByTestId('device-state')
      .getByText(/Revoked/)
      .waitFor();
    expect(await page.getByTestId('device-secret').count()).toBe(0);
    await refused(rotated);
  });

  it('invites a user with a role and a team; the initial password is shown once and signs in', async () => {
    await tab('users');
    const email = `invited-${unique()}@test.example`;
    await page.getByTestId('invite-email').fill(email);
    await page.getByTestId('invite-name').fill('Mette Invited');
    await page.getByTestId('invite-role').selectOption('clinician');
    await page.getByTestId('invite-team').selectOption(teamId);
    await page.getByRole('button', { name: 'Invite', exact: true }).click();
    const password = (await page.getByTestId('invited-password').textContent())!;
    const row = page.locator(`[data-testid="user-row"][data-email="${email}"]`);
    await row.waitFor();
    expect(await row.getByTestId('user-role').inputValue()).toBe('clinician');
    expect(await row.getByTestId('user-team').inputValue()).toBe(teamId);
    expect(await row.getByTestId('user-mfa').textContent()).toContain('Sets it up at the next sign-in');
    const [stored] = await sql<{ role: string; teams: string[] }>(
      platform,
      'SELECT u.role, array_agg(m.team_id::text) AS teams FROM users u JOIN team_members m ON m.user_id = u.id WHERE u.email = $1 GROUP BY u.role',
      [email],
    );
    expect(stored).toEqual({ role: 'clinician', teams: [teamId] });
    const signIn = await api().login({ email, password });
    expect(signIn.status).toBe(200);
    expect(signIn.body.enrolmentRequired).toBe(true);
    await screenshot(page, '40-admin-users');
  });

  it('shows a locked user as locked, and unlocks them', async () => {
    const row = page.locator(`[data-testid="user-row"][data-email="${locked.email}"]`);
    await row.getByTestId('user-locked').waitFor();
    await row.getByTestId('user-unlock').click();
    await row.getByText('Not locked').waitFor();
    expect(await row.getByTestId('user-locked').count()).toBe(0);
    expect((await lockedFrom.login(locked)).status).toBe(200);
  });

  it('saves a team’s escalation chain and duty roster', async () => {
    await tab('teams');
    await page.getByTestId('team-choose').filter({ hasText: teamName }).click();
    const chain = page.getByTestId('escalation');
    // A new team has no chain: care staff first, then the clinician in person after 10 minutes.
    await chain.getByText('No escalation chain yet').waitFor();
    await chain.getByRole('button', { name: 'Add a level' }).click();
    await chain.getByRole('button', { name: 'Add a level' }).click();
    const [first, second] = [chain.getByTestId('escalation-level').nth(0), chain.getByTestId('escalation-level').nth(1)];
    await first.locator('select').selectOption('care_staff');
    await first.locator('input[type="number"]').fill('0');
    await second.locator('select').selectOption(clinician.email);
    await second.locator('input[type="number"]').fill('10');
    await chain.getByTestId('escalation-save').click();
    await chain.getByText('Saved').waitFor();
    const token = (await api().signIn(admin)).accessToken;
    const settings = await api().get<{ escalationLevels: unknown[] }>(`/api/teams/${teamId}/alert-settings`, token);
    expect(settings.body.escalationLevels).toEqual([
      { role: 'care_staff', afterSeconds: 0 },
      { userEmail: clinician.email, afterSeconds: 600 },
    ]);

    const roster = page.getByTestId('roster');
    await roster.getByTestId('roster-add').click();
    const entry = roster.getByTestId('roster-entry').first();
    await entry.locator('select').first().selectOption(locked.id);
    await entry.locator('input[type="time"]').first().fill('22:00');
    await entry.locator('input[type="time"]').last().fill('00:00');
    await roster.getByTestId('roster-save').click();
    await roster.getByText('Saved').waitFor();
    // Shown back as saved: until midnight reads 00:00 again.
    expect(await entry.locator('input[type="time"]').last().inputValue()).toBe('00:00');
    const { body } = await api().get<{ entries: unknown[] }>(`/api/teams/${teamId}/roster`, token);
    expect(body.entries).toEqual([{ userId: locked.id, email: locked.email, weekday: 1, fromMinute: 1320, toMinute: 1440 }]);
    await screenshot(page, '41-admin-teams');
  });

  it('searches the audit log by patient, newest first', async () => {
    await tab('audit');
    await page.getByTestId('audit-patient').selectOption(patientId);
    await page.getByTestId('audit-search').click();
    const entries = page.getByTestId('audit-entry');
    await page.locator('[data-testid="audit-entry"][data-action="device.revoke"]').waitFor();
    const actions = await entries.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-action')));
    // Newest first: the revocation, the rotation, then the provisioning.
    expect(actions.filter((a) => a!.startsWith('device.'))).toEqual(['device.revoke', 'device.rotate', 'device.create']);
    for (const text of await page.locator('[data-testid="audit-entry"][data-action^="device."]').allInnerTexts()) expect(text).toContain(patientName);
    // Nothing about another patient: the device provisioned for a second one is not among them.
    expect(await page.getByTestId('audit-entries').innerText()).not.toContain(otherDeviceId);
    await screenshot(page, '43-admin-audit');

    // From tomorrow on there is nothing yet (the time range is the browser's local time).
    const tomorrow = new Date(Date.now() + 86_400_000);
    const local = new Date(tomorrow.getTime() - tomorrow.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await page.getByTestId('audit-from').fill(local);
    await page.getByTestId('audit-search').click();
    await page.getByTestId('audit-entries-empty').waitFor();
    expect(problems.filter((p) => !p.startsWith('console: '))).toEqual([]);
  });

  it('is not there for a clinician: no Admin entry, and the admin address says it is not allowed', async () => {
    const other = await chrome.browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const clinicianPage = await other.newPage();
      await signInThroughForm(clinicianPage, platform.baseUrl, clinician, '/admin/devices');
      await clinicianPage.getByTestId('admin-not-allowed').waitFor();
      expect(await clinicianPage.getByTestId('nav-admin').count()).toBe(0);
      expect(await clinicianPage.getByTestId('admin-devices').count()).toBe(0);
      await screenshot(clinicianPage, '44-admin-not-allowed');
    } finally {
      await other.close();
    }
  });
});
