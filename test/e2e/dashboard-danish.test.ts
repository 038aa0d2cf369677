import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { da } from '../../dashboard/src/lib/i18n/da.js';
import { en } from '../../dashboard/src/lib/i18n/en.js';
import { createUser, freshCode, type TestUser } from '../support/auth.js';
import { watchProblems } from '../support/browser.js';
import { connectPatientDevice, type DashboardRig, type PatientDevice, screenshot, signInThroughForm, startDashboardRig } from '../support/dashboard.js';
import { publish } from '../support/devices.js';
import { createPatient, createTeam, sql, type TestPlatform, unique } from '../support/platform.js';
import { waitFor } from '../support/wait.js';

/**
 * The Danish switch, in a real Chromium: on each screen (sign-in, one-time code, caseload,
 * patient view with its alert, events, thresholds and SpO2 scale, and the admin screens: users,
 * teams with the escalation chain and roster, devices with a secret shown, the audit log) no English text is left after
 * switching, and on the caseload and patient view a switch to English and back leaves no text of
 * the other language either (so no component keeps a string from before the switch); the page
 * says `lang="da"`, a temperature reads `37,2 °C`, and the choice holds across a reload.
 *
 * "No English left" is checked against the catalogues themselves: every fragment of an English
 * message (between its placeholders) that no Danish message contains must be absent from the
 * page's text (but for identifiers set as code), its options and its accessible labels.
 */
type Catalogue = Record<keyof typeof en, string>;
const only = (language: Catalogue, other: Catalogue) => [
  ...new Set(
    (Object.keys(language) as Array<keyof typeof en>)
      .filter((key) => language[key] !== other[key])
      .flatMap((key) => language[key].split(/\{\w+\}/).map((fragment) => fragment.trim()))
      .filter((fragment) => fragment.length >= 4 && /\p{L}/u.test(fragment) && !Object.values(other).some((text) => text.includes(fragment))),
  ),
];
const englishOnly = only(en, da);
const danishOnly = only(da, en);

async function left(page: Page, fragments: string[]): Promise<string[]> {
  const text = await page.evaluate(() => {
    const labels = [...document.querySelectorAll('[aria-label], [title], [alt], [placeholder], option')].map((element) =>
      [
        element.getAttribute('aria-label'),
        element.getAttribute('title'),
        element.getAttribute('alt'),
        element.getAttribute('placeholder'),
        element.tagName === 'OPTION' ? element.textContent : null,
      ].join('\n'),
    );
    // Codes (an audit entry's action and target, a device's id) are identifiers, alike in every language.
    let body = document.body.innerText;
    for (const code of document.querySelectorAll('code')) body = body.replace((code as HTMLElement).innerText, ' ');
    return [body, ...labels].join('\n');
  });
  return fragments.filter((fragment) => text.includes(fragment));
}
const englishOn = (page: Page) => left(page, englishOnly);

describe('Danish, in a real Chromium', () => {
  let rig: DashboardRig;
  let platform: TestPlatform;
  let browser: Browser;
  let clinician: TestUser;
  let admin: TestUser;
  let device: PatientDevice;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  const name = `Sigrid Nørgaard ${unique()}`;

  const noEnglish = (what: string) =>
    waitFor(
      () => englishOn(page),
      (found) => found.length === 0,
      30_000,
      `no English left on ${what}`,
    );
  const noDanish = (what: string) =>
    waitFor(
      () => left(page, danishOnly),
      (found) => found.length === 0,
      30_000,
      `no Danish left on ${what}`,
    );
  /** Switches to English and back on the open screen: every text follows both ways, without a reload. */
  async function switchBothWays(what: string): Promise<void> {
    await page.getByTestId('language').selectOption('en');
    await noDanish(what);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.getByTestId('language').selectOption('da');
    await noEnglish(what);
  }

  beforeAll(async () => {
    rig = await startDashboardRig();
    ({ platform, browser } = rig);
    const team = await createTeam(platform);
    clinician = await createUser(platform, 'clinician', team);
    admin = await createUser(platform, 'admin');
    device = await connectPatientDevice(platform, await createPatient(platform, team, name));
    await device.measure({ rr: 16, spo2: 97, o2: 0, sbp: 124, hr: 72, acvpu: 0, temp: 37.2 });
    // An alert and an event, so that the patient view shows its alert actions and its timeline.
    await publish(device.client, `vigil/v1/devices/${device.id}/events`, { t: new Date().toISOString(), type: 'alarm_button' });
    await waitFor(
      () => sql(platform, 'SELECT 1 FROM alerts WHERE patient_id = $1', [device.patientId]),
      (rows) => rows.length === 1,
      30_000,
      'the alert',
    );
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
    page = await context.newPage();
    problems = await watchProblems(page);
  });

  afterAll(async () => {
    await device?.close();
    await context?.close();
    await rig?.close();
  });

  it('switches the sign-in screens to Danish', async () => {
    await page.goto(platform.baseUrl);
    await page.getByText('Sign in to Vigil').waitFor();
    // The check sees English when there is some: the English page is full of it.
    expect(await englishOn(page)).toEqual(expect.arrayContaining(['Sign in to Vigil', 'Password', 'Continue']));
    await page.getByTestId('language').selectOption('da');
    await noEnglish('the sign-in screen');
    // And the check sees Danish on a Danish page.
    expect((await left(page, danishOnly)).length).toBeGreaterThan(3);
    expect(await page.locator('html').getAttribute('lang')).toBe('da');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Log ind i Vigil');
    await screenshot(page, '12-sign-in-danish');
    await page.locator('input[autocomplete="username"]').fill(clinician.email);
    await page.locator('input[autocomplete="current-password"]').fill(clinician.password);
    await page.getByRole('button', { name: 'Fortsæt' }).click();
    await page.locator('input[autocomplete="one-time-code"]').waitFor();
    await noEnglish('the one-time code screen');
    await page.locator('input[autocomplete="one-time-code"]').fill(await freshCode(clinician.totpSecret));
    await page.getByRole('button', { name: 'Log ind' }).click();
    await page.getByRole('button', { name: 'Log ud' }).waitFor();
  });

  it('shows the caseload in Danish, with the temperature as 37,2 °C', async () => {
    const tile = page.locator(`[data-patient-id="${device.patientId}"]`);
    await waitFor(
      () => tile.getByTestId('latest-temp').textContent(),
      (text) => text === '37,2 °C',
      30_000,
      'the temperature in Danish on the tile',
    );
    await tile.getByTestId('tile-alert').waitFor();
    await noEnglish('the caseload');
    expect(await tile.textContent()).toContain('Nødkald');
    await screenshot(page, '13-overview-danish');
    await switchBothWays('the caseload');
  });

  it('shows the patient view in Danish, and keeps Danish after a reload', async () => {
    await page.getByRole('link', { name }).click();
    await page.getByTestId('events').waitFor({ timeout: 30_000 });
    await page.getByTestId('alert').waitFor();
    await page.getByTestId('chart-temp').waitFor();
    expect(await page.getByTestId('patient-latest-temp').textContent()).toBe('37,2 °C');
    await noEnglish('the patient view');
    expect(await page.getByTestId('events').textContent()).toContain('Nødkald aktiveret');
    expect(await page.getByTestId('alert').getByRole('button', { name: 'Kvittér' }).count()).toBe(1);
    await screenshot(page, '14-patient-danish');
    await switchBothWays('the patient view');

    await page.reload();
    await page.getByTestId('patient-name').waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('da');
    await noEnglish('the patient view after a reload');

    await page.getByTestId('language').selectOption('en');
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(await page.getByTestId('patient-latest-temp').textContent()).toBe('37.2 °C');
    expect(problems.filter((p) => !p.startsWith('console: '))).toEqual([]);
  });
  it('shows every admin screen in Danish', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signInThroughForm(page, platform.baseUrl, admin, '/admin/users');
    await page.getByTestId('language').selectOption('da');
    await page.locator('[data-testid="user-row"]').first().waitFor();
    await noEnglish('the users screen');
    expect(await page.getByTestId('nav-admin').textContent()).toBe('Administration');
    await switchBothWays('the users screen');

    await page.getByTestId('admin-tab-teams').click();
    await page.getByTestId('roster').getByText(da['admin.roster.empty']).waitFor();
    await page.getByTestId('escalation').getByRole('button', { name: da['admin.teams.addLevel'] }).click();
    await page.getByTestId('roster-add').click();
    await noEnglish('the teams screen');
    await switchBothWays('the teams screen');

    await page.getByTestId('admin-tab-devices').click();
    await page.getByTestId('provision-submit').click();
    await page.getByTestId('device-secret').waitFor();
    await page.locator('[data-testid="device-row"]').first().waitFor();
    await noEnglish('the devices screen, with a new secret shown');
    expect(await page.getByTestId('device-secret').textContent()).toContain(da['admin.devices.username']);
    await switchBothWays('the devices screen');

    await page.getByTestId('admin-tab-audit').click();
    await page.getByTestId('audit-entry').first().waitFor();
    await noEnglish('the audit log');
    await switchBothWays('the audit log');
    await screenshot(page, '45-admin-audit-danish');
    expect(problems.filter((p) => !p.startsWith('console: '))).toEqual([]);
  });
});
