import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createUser, type TestUser } from '../support/auth.js';
import { connectPatientDevice, type DashboardRig, type PatientDevice, screenshot, signInThroughForm, startDashboardRig } from '../support/dashboard.js';
import { publish } from '../support/devices.js';
import { createPatient, createTeam, type TestPlatform, unique } from '../support/platform.js';
import { waitFor } from '../support/wait.js';

/**
 * Alerts and thresholds in the patient view, in a real Chromium: a fall published over MQTT
 * opens a high alert that a clinician acknowledges with the keyboard only, and the threshold
 * editor names a wrong field, previews a valid draft on the chart and saves it.
 * The alert appears in the open page without a reload, pushed by the live stream, and the alarm
 * bar names the patient although no caseload screen was opened.
 */
describe('alerts and thresholds in the dashboard, in a real Chromium', () => {
  let rig: DashboardRig;
  let platform: TestPlatform;
  let browser: Browser;
  let clinician: TestUser;
  let device: PatientDevice;
  let context: BrowserContext;
  let page: Page;
  const name = `Frida Fall ${unique()}`;

  beforeAll(async () => {
    rig = await startDashboardRig();
    ({ platform, browser } = rig);
    const team = await createTeam(platform);
    clinician = await createUser(platform, 'clinician', team);
    device = await connectPatientDevice(platform, await createPatient(platform, team, name));
    await device.measure({ spo2: 96, hr: 70 });
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    await signInThroughForm(page, platform.baseUrl, clinician, `/patients/${device.patientId}`);
  });

  afterAll(async () => {
    await device?.close();
    await context?.close();
    await rig?.close();
  });

  it('acknowledges a fall alert with the keyboard only', async () => {
    await publish(device.client, `vigil/v1/devices/${device.id}/events`, { t: new Date().toISOString(), type: 'fall' });
    // No reload: the alert reaches the open patient view over the live stream (alert.v1).
    const alert = page.getByTestId('alert').first();
    await alert.waitFor({ timeout: 30_000 });
    expect(await alert.getAttribute('data-state')).toBe('open');
    expect(await alert.textContent()).toContain('Fall');
    expect(await alert.textContent()).toContain('High');
    // The alarm bar, on every screen, names the patient even here, where no caseload is open.
    await waitFor(
      () => page.getByTestId('alarm-what').textContent(),
      (text) => text?.includes(name) ?? false,
      30_000,
      'the alarm bar naming the patient',
    );
    const acknowledge = alert.getByRole('button', { name: 'Acknowledge' });
    // Tab through the page until the acknowledge button has the focus; then Enter.
    await page.locator('body').focus();
    await waitFor(
      async () => {
        await page.keyboard.press('Tab');
        return acknowledge.evaluate((button) => button === document.activeElement);
      },
      (focused) => focused,
      30_000,
      'keyboard focus on Acknowledge',
    );
    await screenshot(page, '08-alert-focused');
    await page.keyboard.press('Enter');
    await waitFor(
      () => alert.getAttribute('data-state'),
      (state) => state === 'acknowledged',
      30_000,
      'the alert acknowledged',
    );
  });

  it('names a wrong threshold field, previews a valid one on the chart and saves it', async () => {
    const editor = page.getByTestId('threshold-editor');
    await editor.locator('select').selectOption('spo2');
    await editor.locator('input[name="redLow"]').fill('93');
    await editor.locator('input[name="yellowLow"]').fill('92');
    expect(await editor.getByTestId('threshold-problem').allTextContents()).toEqual([
      'Yellow below: each bound must be above the one before (red below < yellow below < yellow above < red above).',
    ]);
    expect(await editor.getByRole('button', { name: 'Save thresholds' }).isDisabled()).toBe(true);
    await editor.locator('input[name="redLow"]').fill('88');
    await waitFor(
      () => page.getByTestId('chart-spo2').getAttribute('data-zones'),
      (zones) => zones === '2',
      10_000,
      'the draft shaded on the chart',
    );
    await editor.getByRole('button', { name: 'Save thresholds' }).click();
    await editor.getByText('Thresholds saved.').waitFor();
    await page.reload();
    await waitFor(
      () => page.getByTestId('chart-spo2').getAttribute('data-zones'),
      (zones) => zones === '2',
      30_000,
      'the saved threshold shaded after a reload',
    );
    await screenshot(page, '09-thresholds');
  });
});
