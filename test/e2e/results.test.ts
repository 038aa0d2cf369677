import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ApiClient, createUser, type TestUser } from '../support/auth.js';
import { connectPatientDevice, type DashboardRig, type PatientDevice, screenshot, signInThroughForm, startDashboardRig } from '../support/dashboard.js';
import { publish } from '../support/devices.js';
import { createPatient, createTeam, sql, type TestPlatform } from '../support/platform.js';
import { waitFor } from '../support/wait.js';

/**
 * The results screen in a real Chromium: for a team whose patient sent four reading points and
 * pressed the alarm button once (acknowledged), it shows those counts as figures and charts,
 * and its CSV export holds the same numbers.
 */
describe('the results screen, in a real Chromium', () => {
  let rig: DashboardRig;
  let platform: TestPlatform;
  let browser: Browser;
  let clinician: TestUser;
  let device: PatientDevice;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    rig = await startDashboardRig();
    ({ platform, browser } = rig);
    const team = await createTeam(platform);
    clinician = await createUser(platform, 'clinician', team);
    const patientId = await createPatient(platform, team);
    await createPatient(platform, team); // a second patient, never monitored
    device = await connectPatientDevice(platform, patientId);
    await device.measure({ spo2: 97, hr: 64 });
    await device.measure({ spo2: 96, hr: 66 });
    await publish(device.client, `vigil/v1/devices/${device.id}/events`, { t: new Date().toISOString(), type: 'alarm_button' });
    const [alert] = await waitFor(
      () => sql<{ id: string }>(platform, `SELECT id FROM alerts WHERE patient_id = $1 AND kind = 'alarm_button'`, [patientId]),
      (rows) => rows.length === 1,
      30_000,
      'the alarm-button alert',
    );
    const { accessToken } = await new ApiClient(platform.baseUrl).signIn(clinician);
    expect((await new ApiClient(platform.baseUrl).request('POST', `/api/alerts/${alert.id}/acknowledge`, { token: accessToken })).status).toBe(200);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    await signInThroughForm(page, platform.baseUrl, clinician, '/results');
  });

  afterAll(async () => {
    await device?.close();
    await context?.close();
    await rig?.close();
  });

  it('shows the counts the test created, as figures and charts', async () => {
    await page.getByTestId('results-patients').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('results-patients').textContent()).toMatch(/^1\s*patients monitored/);
    expect(await page.getByTestId('results-points').textContent()).toMatch(/^4\s*readings received/);
    expect(await page.getByTestId('results-alerts').textContent()).toMatch(/^1\s*alerts/);
    expect(await page.getByTestId('results-acknowledged').textContent()).toMatch(/^100 %/);
    const bars = page.getByTestId('chart-alerts-by-kind').getByTestId('bar');
    expect(await bars.count()).toBe(1);
    expect(await bars.first().textContent()).toContain('Alarm button');
    const noNews2 = page.getByTestId('chart-news2').locator('[data-testid="bar"][data-label="No NEWS2 alert"]');
    expect(await noNews2.getAttribute('data-value')).toBe('1');
    await screenshot(page, '30-results');
  });

  it('exports the same numbers as CSV', async () => {
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId('results-csv').click()]);
    expect(file.suggestedFilename()).toMatch(/^vigil-results-.+\.csv$/);
    const csv = fs.readFileSync(await file.path(), 'utf8').split('\r\n');
    expect(csv[0]).toBe('figure,kind,priority,value');
    expect(csv).toEqual(
      expect.arrayContaining(['patients_monitored,,,1', 'points_received,,,4', 'alerts,,,1', 'alerts,alarm_button,high,1', 'acknowledged_share,,,1']),
    );
  });
});
