import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createUser, type TestUser } from '../support/auth.js';
import { watchProblems } from '../support/browser.js';
import { connectPatientDevice, type DashboardRig, type PatientDevice, screenshot, signInThroughForm, startDashboardRig } from '../support/dashboard.js';
import { publish } from '../support/devices.js';
import { fhirSchemaErrors } from '../support/fhir-validator.js';
import { createPatient, createTeam, sql, type TestPlatform, unique } from '../support/platform.js';
import { waitFor } from '../support/wait.js';

/**
 * The patient view's alert handling, events, passive intervals, device state and FHIR export,
 * in a real Chromium against the whole platform, with events published over MQTT in the test.
 * Two clinicians of one team: what one does reaches the other's open page over the live stream.
 */
describe('patient view, in a real Chromium', () => {
  let rig: DashboardRig;
  let platform: TestPlatform;
  let browser: Browser;
  let first: TestUser;
  let second: TestUser;
  let device: PatientDevice;
  const contexts: BrowserContext[] = [];
  let page: Page;
  let other: Page;
  let problems: string[];
  const name = `Ingrid Holm ${unique()}`;

  const event = (type: string) => publish(device.client, `vigil/v1/devices/${device.id}/events`, { t: new Date().toISOString(), type });
  const alertsOf = (kind: string) =>
    sql<{ id: string; state: string; note: string | null; resolved_by: string | null }>(
      platform,
      'SELECT id, state, note, resolved_by FROM alerts WHERE patient_id = $1 AND kind = $2 ORDER BY opened_at',
      [device.patientId, kind],
    );

  async function open(user: TestUser, path: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    contexts.push(context);
    const opened = await context.newPage();
    await signInThroughForm(opened, platform.baseUrl, user, path);
    return opened;
  }

  beforeAll(async () => {
    rig = await startDashboardRig();
    ({ platform, browser } = rig);
    const team = await createTeam(platform);
    [first, second] = await Promise.all([createUser(platform, 'clinician', team), createUser(platform, 'clinician', team)]);
    device = await connectPatientDevice(platform, await createPatient(platform, team, name));
    await device.measure({ spo2: 96, hr: 70, temp: 37.2 });
    page = await open(first, `/patients/${device.patientId}`);
    problems = await watchProblems(page);
    other = await open(second, '/');
  });

  afterAll(async () => {
    await device?.close();
    for (const context of contexts) await context.close();
    await rig?.close();
  });

  it('acknowledging an alert in one browser removes it from a second clinician’s overview live', async () => {
    const tile = other.locator(`[data-patient-id="${device.patientId}"]`);
    await tile.waitFor();
    // A marker that a reload would wipe: the second view must change without one.
    await other.evaluate(() => Object.assign(window, { notReloaded: true }));
    await event('alarm_button');
    await waitFor(
      () => tile.getByTestId('tile-alert').allTextContents(),
      (texts) => texts.some((text) => text.includes('Alarm button') && text.includes('High')),
      30_000,
      'the alarm on the second clinician’s tile',
    );
    const alert = page.getByTestId('alert').first();
    await alert.waitFor({ timeout: 30_000 });
    await alert.getByRole('button', { name: 'Acknowledge' }).click();
    await waitFor(
      () => tile.getByTestId('tile-alert').count(),
      (n) => n === 0,
      30_000,
      'the alarm gone from the second clinician’s tile',
    );
    expect(await tile.textContent()).toContain('No open alerts');
    expect(await other.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect(await alert.getAttribute('data-state')).toBe('acknowledged');
  });

  it('comments on an alert, then resolves it with a note that is stored and shown', async () => {
    const alert = page.getByTestId('alert').first();
    const [stored] = await alertsOf('alarm_button');
    await alert.getByLabel('Note').fill('Called the citizen: pressed by mistake');
    await alert.getByRole('button', { name: 'Add comment' }).click();
    await alert.getByText('Comment added.').waitFor();
    const comments = await sql<{ body: string; author_id: string }>(platform, 'SELECT body, author_id FROM alert_comments WHERE alert_id = $1', [stored.id]);
    expect(comments).toEqual([{ body: 'Called the citizen: pressed by mistake', author_id: first.id }]);
    expect(await alert.getByLabel('Note').inputValue()).toBe('');

    await alert.getByLabel('Note').fill('No injury; resolved with the citizen');
    await alert.getByRole('button', { name: 'Resolve' }).click();
    await waitFor(
      () => alert.getAttribute('data-state'),
      (state) => state === 'resolved',
      30_000,
      'the alert resolved',
    );
    expect(await alert.textContent()).toContain('No injury; resolved with the citizen');
    expect(await alert.getByRole('button').count()).toBe(0);
    expect(await alertsOf('alarm_button')).toEqual([{ id: stored.id, state: 'resolved', note: 'No injury; resolved with the citizen', resolved_by: first.id }]);
  });

  it('starts a passive interval that the overview and the patient view show, and no alert is raised meanwhile', async () => {
    await page.getByLabel('Reason').fill('Hospital stay');
    await page.getByRole('button', { name: 'Start passive interval' }).click();
    await page.getByText('Passive interval started.').waitFor();
    expect(await page.getByTestId('passive').first().textContent()).toContain('Passive: Hospital stay');
    await other.reload();
    const tile = other.locator(`[data-patient-id="${device.patientId}"]`);
    await waitFor(
      () => tile.getByTestId('passive').textContent(),
      (text) => text?.includes('Passive: Hospital stay') === true,
      30_000,
      'the passive interval on the tile',
    );
    await page.reload();
    await page.getByRole('button', { name: 'End passive interval' }).waitFor();
    await screenshot(page, '10-passive-interval');

    // A fall while passive is stored but raises nothing; after the interval ends, an alarm does.
    await event('fall');
    await waitFor(
      () => sql<{ n: number }>(platform, `SELECT count(*)::int AS n FROM events WHERE device_id = $1 AND type = 'fall'`, [device.id]),
      ([row]) => row.n === 1,
      30_000,
      'the fall stored',
    );
    await page.getByRole('button', { name: 'End passive interval' }).click();
    await page.getByText('Passive interval ended.').waitFor();
    expect(await page.getByTestId('passive').count()).toBe(0);
    await event('alarm_button');
    await waitFor(
      () => page.locator('[data-testid="alert"][data-state="open"]').allTextContents(),
      (texts) => texts.length === 1 && texts[0].includes('Alarm button'),
      30_000,
      'the alarm after the interval, live',
    );
    expect(await alertsOf('fall')).toEqual([]);
  });

  it('shows falls, bed exits, doors, doses and the alarm button on the events timeline', async () => {
    for (const type of ['bed_exit', 'door_open', 'med_taken', 'med_missed']) await event(type);
    // Events come with the range's history: choosing the range again fetches them.
    const timeline = page.getByTestId('events');
    await waitFor(
      async () => {
        await page.getByRole('button', { name: '24 h' }).click();
        return timeline.locator('li').allTextContents();
      },
      (items) => items.length === 7,
      30_000,
      'seven events on the timeline',
    );
    const items = (await timeline.locator('li').allTextContents()).map((text) => text.replace(/^[\d/:, ]+/, '').trim());
    // Newest first; the urgent ones carry a shape as well as bold red.
    expect(items).toEqual(['▲ Dose missed', 'Dose taken', 'Door opened', 'Out of bed', '▲ Alarm button pressed', '▲ Fall', '▲ Alarm button pressed']);
    await timeline.scrollIntoViewIfNeeded();
    await screenshot(page, '11-events');
  });

  it('shows a device going offline and back online live, as the server reports it', async () => {
    const status = (online: boolean) =>
      publish(device.client, `vigil/v1/devices/${device.id}/status`, { t: new Date().toISOString(), online, battery: 64 }, { retain: true });
    const shown = page.getByTestId('patient-device');
    const state = () => shown.getAttribute('data-online');
    // Each status is shown as the server stores it, whichever state the device had before.
    await status(true);
    await waitFor(state, (online) => online === 'true', 30_000, 'the device online');
    expect(await shown.textContent()).toContain('Pulse oximeter: online');
    await status(false);
    await waitFor(state, (online) => online === 'false', 30_000, 'the device offline');
    expect(await shown.textContent()).toContain('offline');
    expect(await shown.textContent()).toContain('battery 64%');
    await status(true);
    await waitFor(state, (online) => online === 'true', 30_000, 'the device online again');
  });

  it('lets a clinician set the SpO2 scale, and NEWS2 then scores the saturation on scale 2', async () => {
    // By hand from the RCP NEWS2 chart (2017): SpO2 90 % on air scores 3 on scale 1 (≤ 91) and 0 on
    // scale 2 (88–92); pulse 70, temperature 37.2 and air score 0. The other parameters are missing.
    await device.measure({ spo2: 90, o2: 0 });
    const score = () => other.locator(`[data-patient-id="${device.patientId}"]`).getByTestId('news2-score').textContent();
    await waitFor(score, (text) => text === '3', 30_000, 'NEWS2 3 on scale 1');
    const form = page.getByTestId('spo2-scale');
    await form.locator('select').selectOption('2');
    await form.getByRole('button', { name: 'Set scale' }).click();
    await form.getByText('SpO₂ scale set.').waitFor();
    expect(await sql(platform, 'SELECT spo2_scale FROM patients WHERE id = $1', [device.patientId])).toEqual([{ spo2_scale: 2 }]);
    await other.reload();
    await waitFor(score, (text) => text === '0', 30_000, 'NEWS2 0 on scale 2');
    await page.reload();
    await page.getByText('SpO₂ scale 2', { exact: true }).waitFor();
    expect(await form.locator('select').inputValue()).toBe('2');
  });

  it('downloads a valid FHIR R4 bundle of this patient’s observations from the export link', async () => {
    // More than one page of the search (1,000 a page) within the range the charts show: the file
    // must hold every page, merged into one Bundle. Millisecond times, as ingest stores them.
    await sql(
      platform,
      `INSERT INTO readings (time, patient_id, device_id, metric, value)
       SELECT date_trunc('milliseconds', now()) - make_interval(secs => 600 - n * 0.4), $1, $2, 'weight', 60 + n / 100.0 FROM generate_series(1, 1400) AS n`,
      [device.patientId, device.id],
    );
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'FHIR export' }).click()]);
    expect(download.suggestedFilename()).toBe(`patient-${device.patientId}-observations.json`);
    const bundle = JSON.parse(fs.readFileSync(await download.path(), 'utf8')) as {
      resourceType: string;
      type: string;
      total: number;
      link: Array<{ relation: string }>;
      entry: Array<{ resource: { resourceType: string; subject: { reference: string }; valueQuantity?: { value: number; unit: string } } }>;
    };
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.type).toBe('searchset');
    expect(bundle.entry.length).toBeGreaterThanOrEqual(3);
    expect(bundle.entry).toHaveLength(bundle.total);
    expect(bundle.link.map((l) => l.relation)).toEqual(['self']);
    const weights = bundle.entry.filter((e) => e.resource.valueQuantity?.unit === 'kg');
    expect(weights).toHaveLength(1400);
    expect(new Set(weights.map((e) => e.resource.valueQuantity?.value)).size).toBe(1400);
    expect(new Set(bundle.entry.map((e) => e.resource.subject.reference))).toEqual(new Set([`Patient/${device.patientId}`]));
    expect(bundle.entry.map((e) => e.resource.valueQuantity?.value)).toEqual(expect.arrayContaining([96, 70, 37.2]));
    expect(fhirSchemaErrors(bundle)).toEqual([]);
    expect(problems.filter((p) => !p.startsWith('console: '))).toEqual([]);
  });

  it('refuses to export a range of more than 20,000 Observations and says what to do instead', async () => {
    await sql(
      platform,
      `INSERT INTO readings (time, patient_id, device_id, metric, value)
       SELECT date_trunc('milliseconds', now()) - make_interval(secs => 500 - n * 0.025), $1, $2, 'glucose', 5 FROM generate_series(1, 19000) AS n`,
      [device.patientId, device.id],
    );
    const downloads: unknown[] = [];
    page.on('download', (d) => downloads.push(d));
    await page.getByRole('button', { name: 'FHIR export' }).click();
    const status = page.getByRole('status').filter({ hasText: 'Observations' });
    await status.waitFor();
    await screenshot(page, '12-fhir-export-refused');
    const text = (await status.textContent()) ?? '';
    expect(text).toMatch(/^This range holds \d{2},\d{3} Observations; one export holds at most 20,000\. Choose a shorter range and export it in parts\.$/);
    // The device's vitals, 1,400 weights from the test above and these 19,000 glucose readings.
    expect(Number(/holds (\d{2},\d{3})/.exec(text)?.[1].replace(',', ''))).toBeGreaterThan(20_400);
    expect(downloads).toEqual([]);
  });
});
