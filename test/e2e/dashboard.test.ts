import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CLI_ACTOR } from '../../server/src/domain/actor.js';
import { UserAdminService } from '../../server/src/services/user-admin.service.js';
import { createUser, freshCode, type TestUser } from '../support/auth.js';
import { watchProblems } from '../support/browser.js';
import { connectPatientDevice, type DashboardRig, type PatientDevice, screenshot, signInThroughForm, startDashboardRig } from '../support/dashboard.js';
import { createPatient, createTeam, type TestPlatform, unique } from '../support/platform.js';
import { waitFor } from '../support/wait.js';

/**
 * The clinician dashboard in a real Chromium against the whole platform (real PostgreSQL and
 * Redis, the embedded MQTT broker): sign-in with a computed one-time code, enrolment, the
 * caseload overview with readings published over MQTT, and care-team scoping by URL.
 */
describe('clinician dashboard, in a real Chromium', () => {
  let rig: DashboardRig;
  let platform: TestPlatform;
  let browser: Browser;
  let teamA: string;
  let teamB: string;
  const names = { stable: `Astrid Stable ${unique()}`, worse: `Bent Worsening ${unique()}`, other: `Carl Otherteam ${unique()}` };
  const patients: Record<keyof typeof names, string> = { stable: '', worse: '', other: '' };
  let clinicianA: TestUser;
  let clinicianB: TestUser;
  const devices: Partial<Record<'stable' | 'worse', PatientDevice>> = {};

  /**
   * CSP violations and uncaught errors. The browser's own console lines for failed requests are
   * left out: they name no page fault (a refused socket handshake logs one while reconnecting).
   */
  const faults = (problems: string[]) => problems.filter((p) => !p.startsWith('console: '));
  beforeAll(async () => {
    rig = await startDashboardRig();
    ({ platform, browser } = rig);
    [teamA, teamB] = await Promise.all([createTeam(platform), createTeam(platform)]);
    patients.stable = await createPatient(platform, teamA, names.stable);
    patients.worse = await createPatient(platform, teamA, names.worse);
    patients.other = await createPatient(platform, teamB, names.other);
    [clinicianA, clinicianB] = await Promise.all([createUser(platform, 'clinician', teamA), createUser(platform, 'clinician', teamB)]);
    for (const key of ['stable', 'worse'] as const) devices[key] = await connectPatientDevice(platform, patients[key]);
    // A full, normal set for one patient (NEWS2 0) and a deteriorating set for the other (NEWS2 ≥ 7).
    await devices.stable!.measure({ rr: 16, spo2: 97, o2: 0, sbp: 124, hr: 72, acvpu: 0, temp: 36.8 });
    await devices.worse!.measure({ rr: 26, spo2: 90, o2: 0, sbp: 95, hr: 118, acvpu: 0, temp: 38.4 });
  });

  afterAll(async () => {
    for (const device of Object.values(devices)) await device?.close();
    await rig?.close();
  });

  async function signedIn(user: TestUser, path = '/'): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const problems = await watchProblems(page);
    await signInThroughForm(page, platform.baseUrl, user, path);
    return { context, page, problems };
  }

  it('signs in with a computed one-time code; the form fields carry the autocomplete values password managers use', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const problems = await watchProblems(page);
    await page.goto(platform.baseUrl);
    await page.locator('input[autocomplete="username"]').fill(clinicianA.email);
    await page.locator('input[autocomplete="current-password"]').fill(clinicianA.password);
    await screenshot(page, '01-sign-in');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('input[autocomplete="one-time-code"]').waitFor();
    await screenshot(page, '02-one-time-code');
    await page.locator('input[autocomplete="one-time-code"]').fill(await freshCode(clinicianA.totpSecret));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByText(`Signed in as ${'Test clinician'}`).waitFor()).resolves.toBeUndefined();
    expect(faults(problems)).toEqual([]);
    await context.close();
  });

  it('says what to do after a wrong password', async () => {
    const page = await browser.newPage();
    await page.goto(platform.baseUrl);
    await page.locator('input[autocomplete="username"]').fill(clinicianA.email);
    await page.locator('input[autocomplete="current-password"]').fill('not the password');
    await page.getByRole('button', { name: 'Continue' }).click();
    expect(await page.getByTestId('sign-in-message').textContent()).toBe('The e-mail or password is wrong.');
    await page.close();
  });

  it('enrols a first-time user: QR code, a first code, then the ten recovery codes once', async () => {
    const email = `new-${unique()}@test.example`;
    const password = `pw-${unique()}-Correct-Horse`;
    await platform.app.get(UserAdminService).createUser(CLI_ACTOR, { email, name: 'New Nurse', role: 'clinician', team: teamA, password, enrolNow: false });
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    const problems = await watchProblems(page);
    await page.goto(platform.baseUrl);
    await page.locator('input[autocomplete="username"]').fill(email);
    await page.locator('input[autocomplete="current-password"]').fill(password);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByTestId('enrol-qr').waitFor();
    expect(await page.getByTestId('enrol-qr').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    await screenshot(page, '03-enrolment');
    const secret = (await page.locator('.secret').textContent())!.split(': ')[1].trim();
    await page.locator('input[autocomplete="one-time-code"]').fill(await freshCode(secret));
    await page.getByRole('button', { name: 'Confirm and sign in' }).click();
    const codes = page.getByTestId('recovery-codes').locator('li');
    await codes.first().waitFor();
    expect(await codes.count()).toBe(10);
    await screenshot(page, '04-recovery-codes');
    await page.getByRole('button', { name: 'I have stored them, continue' }).click();
    await page.getByText('Signed in as New Nurse').waitFor();
    expect(faults(problems)).toEqual([]);
    await page.close();
  });

  it('shows the team’s patients, the deteriorating one first with its NEWS2 band, and never another team’s', async () => {
    const { context, page, problems } = await signedIn(clinicianA);
    const tiles = page.getByTestId('tile');
    await waitFor(
      () => tiles.allTextContents(),
      (texts) => texts.length === 2 && texts[0].includes(names.worse) && texts[0].includes('high risk'),
      30_000,
      'both tiles, the deteriorating patient first',
    );
    const first = tiles.first();
    expect(await first.getByTestId('news2-score').textContent()).toBe('11');
    expect(await first.getByTestId('latest-spo2').textContent()).toBe('90 %');
    expect(await tiles.nth(1).getByTestId('news2-score').textContent()).toBe('0');
    expect(await page.getByText(names.other).count()).toBe(0);
    await screenshot(page, '05-overview');
    await page.getByTestId('search').fill('astrid');
    await waitFor(
      () => tiles.allTextContents(),
      (texts) => texts.length === 1 && texts[0].includes(names.stable),
      10_000,
      'search narrows to one tile',
    );
    expect(faults(problems)).toEqual([]);
    await context.close();
  });

  it('opens the patient view on its own URL, which survives a reload', async () => {
    const { context, page, problems } = await signedIn(clinicianA);
    await page.getByRole('link', { name: names.worse }).click();
    await page.getByTestId('patient-name').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/patients/${patients.worse}`);
    await page.reload();
    expect(await page.getByTestId('patient-name').textContent()).toBe(names.worse);
    expect(await page.getByTestId('patient-latest-rr').textContent()).toBe('26 /min');
    await screenshot(page, '06-patient');
    expect(faults(problems)).toEqual([]);
    await context.close();
  });

  it('shows another team’s patient by URL exactly as a missing one: not found', async () => {
    const { context, page } = await signedIn(clinicianB, `/patients/${patients.worse}`);
    await page.getByTestId('not-found').waitFor();
    const otherTeams = await page.getByTestId('not-found').textContent();
    expect(await page.getByText(names.worse).count()).toBe(0);
    await page.goto(`${platform.baseUrl}/patients/${crypto.randomUUID()}`);
    await page.getByTestId('not-found').waitFor();
    expect(await page.getByTestId('not-found').textContent()).toBe(otherTeams);
    expect(otherTeams).toContain('There is no such patient among your teams.');
    await context.close();
  });

  it('signs out, and a reload then shows the sign-in form', async () => {
    const { context, page } = await signedIn(clinicianA);
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(await page.getByTestId('sign-in-message').textContent()).toBe('You have signed out.');
    await page.reload();
    await page.locator('input[autocomplete="username"]').waitFor();
    await context.close();
  });
});
