import fs from 'node:fs';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { CLI_ACTOR } from '../../server/src/domain/actor.js';
import { DeviceAdminService } from '../../server/src/services/device-admin.service.js';
import { connectDevice } from '../../simulators/src/devices/mqtt-link.js';
import { freshCode, type TestUser } from './auth.js';
import { launchBrowser } from './browser.js';
import { publish } from './devices.js';
import { startTestPlatform, type TestPlatform } from './platform.js';
import { createTestDatabase } from './postgres.js';
import { ROOT } from './process.js';
import { startTestRedis } from './redis.js';

/** Where e2e screenshots go (the test output folder; current ones are copied to docs/screenshots/). */
export const SCREENSHOTS = path.join(ROOT, 'test-results', 'screenshots');

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  // Animations stopped at their start: the alarm's flashing cue is caught visible, not in its dark half.
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false, animations: 'disabled' });
}

/** Signs in through the dashboard's own form: e-mail and password, then a computed one-time code. */
export async function signInThroughForm(page: Page, baseUrl: string, user: TestUser, path = '/'): Promise<void> {
  await page.goto(`${baseUrl}${path}`);
  await page.locator('input[autocomplete="username"]').fill(user.email);
  await page.locator('input[autocomplete="current-password"]').fill(user.password);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.locator('input[autocomplete="one-time-code"]').fill(await freshCode(user.totpSecret));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

export interface PatientDevice {
  patientId: string;
  id: string;
  client: MqttClient;
  /** Publishes one sample now over MQTT (QoS 1, resolves at the broker's acknowledgement, after commit). */
  measure(m: Record<string, number>): Promise<void>;
  close(): Promise<void>;
}

/** A pulse oximeter for the patient, connected to the platform's broker. */
export async function connectPatientDevice(platform: Pick<TestPlatform, 'app' | 'urls'>, patientId: string): Promise<PatientDevice> {
  const { device, secret } = await platform.app.get(DeviceAdminService).createDevice(CLI_ACTOR, { patient: patientId, kind: 'pulse_oximeter' });
  const client = await connectDevice(platform.urls.broker, { id: device.id, secret });
  return {
    patientId,
    id: device.id,
    client,
    measure: (m) => publish(client, `vigil/v1/devices/${device.id}/readings`, { t: new Date().toISOString(), m }),
    close: () => client.endAsync(),
  };
}

export interface DashboardRig {
  platform: TestPlatform;
  browser: Browser;
  /** Closes the browser and the platform, then drops the database and stops Redis. */
  close(): Promise<void>;
}

/** The platform on its own database and Redis, with a Chromium to drive it: what each dashboard e2e file starts. */
export async function startDashboardRig(): Promise<DashboardRig> {
  const [database, redis, chrome] = await Promise.all([createTestDatabase(), startTestRedis(), launchBrowser()]);
  const platform = await startTestPlatform({ DATABASE_URL: database.url, REDIS_URL: redis.url });
  return {
    platform,
    browser: chrome.browser,
    async close() {
      await chrome.close();
      await platform.close();
      await Promise.all([database.drop(), redis.stop()]);
    },
  };
}
