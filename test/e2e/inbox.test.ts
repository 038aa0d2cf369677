import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page, Worker } from 'playwright-core';
import webPush from 'web-push';
import { ApiClient, createUser, type TestUser } from '../support/auth.js';
import { launchBrowser, watchProblems } from '../support/browser.js';
import { connectPatientDevice, type PatientDevice, screenshot, signInThroughForm } from '../support/dashboard.js';
import { publish } from '../support/devices.js';
import { createPatient, createTeam, startTestPlatform, type TestPlatform, unique } from '../support/platform.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startPushService } from '../support/push-service.js';
import { startTestRedis } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

/** What the test reads of the service worker's notifications (run inside the worker). */
interface ShownNotification {
  title: string;
  tag: string;
  actions: Array<{ action: string; title: string }>;
  data: { alertId?: string; url?: string };
}
type WorkerScope = { registration: { getNotifications(): Promise<ShownNotification[]> } };
type Alert = { id: string; state: string; kind: string; acknowledgedBy?: string };

/**
 * The care worker's inbox on a phone-sized screen (390 × 844), in a real Chromium: two care
 * workers of one team have their inbox open; a fall published over MQTT reaches both live with
 * the alarm, one acknowledges, and the alert leaves the other's inbox. Then Web Push: the service
 * worker registers, the payload the server sends for a new alert (caught at a stand-in push
 * service and decrypted with the subscription's keys) is delivered to it through the DevTools
 * protocol, it is shown as a notification with an Acknowledge action, and that action acknowledges
 * the alert through the API.
 */
describe('the care worker’s inbox on a phone, with Web Push, in a real Chromium', () => {
  let database: TestDatabase;
  let redis: Awaited<ReturnType<typeof startTestRedis>>;
  let platform: TestPlatform;
  let pushService: Awaited<ReturnType<typeof startPushService>>;
  let chrome: Awaited<ReturnType<typeof launchBrowser>>;
  let browser: Browser;
  let anna: TestUser;
  let bo: TestUser;
  let device: PatientDevice;
  const contexts: BrowserContext[] = [];
  const problems: string[][] = [];
  let annaPage: Page;
  let boPage: Page;
  const name = `Gerda Fall ${unique()}`;
  const api = () => new ApiClient(platform.baseUrl);
  // Signed in once: each sign-in takes a fresh one-time code, so another within the same 30 s waits for the next.
  let annaSignIn: Promise<{ accessToken: string }> | undefined;
  const signInAnna = () => (annaSignIn ??= api().signIn(anna));

  async function phone(user: TestUser): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    contexts.push(context);
    await context.grantPermissions(['notifications'], { origin: platform.baseUrl });
    const page = await context.newPage();
    problems.push(await watchProblems(page));
    await signInThroughForm(page, platform.baseUrl, user, '/alerts');
    await page.getByTestId('inbox').waitFor();
    return page;
  }

  const card = (page: Page, alertId: string) => page.locator(`[data-testid="inbox-alert"][data-alert-id="${alertId}"]`);

  async function alertOf(kind: string, token: string): Promise<Alert> {
    const [alert] = await waitFor(
      async () =>
        (await api().get<{ alerts: Alert[] }>(`/api/alerts?patientId=${device.patientId}&state=open`, token)).body.alerts.filter((a) => a.kind === kind),
      (alerts) => alerts.length === 1,
      30_000,
      `an open ${kind} alert`,
    );
    return alert;
  }

  beforeAll(async () => {
    const vapid = webPush.generateVAPIDKeys();
    [database, redis, chrome, pushService] = await Promise.all([createTestDatabase(), startTestRedis(), launchBrowser(), startPushService()]);
    browser = chrome.browser;
    platform = await startTestPlatform({
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      VIGIL_VAPID_PUBLIC_KEY: vapid.publicKey,
      VIGIL_VAPID_PRIVATE_KEY: vapid.privateKey,
      VIGIL_VAPID_SUBJECT: 'mailto:alerts@vigil.test',
    });
    const team = await createTeam(platform);
    [anna, bo] = [await createUser(platform, 'care_staff', team), await createUser(platform, 'care_staff', team)];
    device = await connectPatientDevice(platform, await createPatient(platform, team, name));
    await device.measure({ spo2: 94, hr: 88, rr: 19, temp: 37.2, sbp: 132 });
    annaPage = await phone(anna);
    boPage = await phone(bo);
  });

  afterAll(async () => {
    await device?.close();
    for (const context of contexts) await context.close();
    await chrome?.close();
    await platform?.close();
    pushService?.close();
    await Promise.all([database?.drop(), redis?.stop()]);
  });

  it('gets a new high alert live with the alarm in two inboxes; one acknowledges and it leaves the other’s', async () => {
    // Push is possible on this server but not set up on these phones: the inbox says so.
    await annaPage.getByTestId('push-status').waitFor();
    expect(await annaPage.getByTestId('push-status').textContent()).toContain('A browser alone is not a reliable alarm');

    await publish(device.client, `vigil/v1/devices/${device.id}/events`, { t: new Date().toISOString(), type: 'fall' });
    const { accessToken } = await signInAnna();
    const alert = await alertOf('fall', accessToken);
    for (const page of [annaPage, boPage]) {
      await card(page, alert.id).waitFor({ timeout: 30_000 });
      expect(await card(page, alert.id).getAttribute('data-priority')).toBe('high');
      expect(await card(page, alert.id).textContent()).toContain(name);
      expect(await page.getByTestId('alarm').getAttribute('data-audible')).toBe('true');
    }
    // The patient's latest values beside the alert.
    expect(await card(annaPage, alert.id).getByTestId('latest-vitals').textContent()).toContain('94');
    expect(await card(annaPage, alert.id).getByTestId('escalation').textContent()).toContain('Not escalated');

    // The pause is visible and counts down; the alarm's visual cue stays.
    await annaPage.getByRole('button', { name: 'Pause sound 2 min' }).click();
    expect(await annaPage.getByTestId('alarm-paused').textContent()).toMatch(/Sound paused, back in (2:00|1:5\d)/);
    expect(await annaPage.getByTestId('alarm').getAttribute('data-audible')).toBe('false');
    await screenshot(annaPage, '20-inbox-phone');

    await card(annaPage, alert.id).getByRole('button', { name: 'Acknowledge' }).click();
    await waitFor(
      () => card(boPage, alert.id).count(),
      (n) => n === 0,
      30_000,
      'the alert gone from the second care worker’s inbox',
    );
    await boPage.getByTestId('alarm').waitFor({ state: 'detached' });
    await waitFor(
      () => card(annaPage, alert.id).getAttribute('data-state'),
      (state) => state === 'acknowledged',
      30_000,
      'the alert acknowledged in the first care worker’s inbox',
    );
    expect((await api().get<Alert>(`/api/alerts/${alert.id}`, accessToken)).body).toMatchObject({ state: 'acknowledged', acknowledgedBy: anna.id });

    // The detail: latest values and the events beside the alert; resolved with a note in two taps.
    await card(annaPage, alert.id).getByRole('link').first().click();
    const detail = annaPage.getByTestId('alert-detail');
    await detail.getByTestId('latest-vitals').waitFor();
    await detail.getByTestId('events').waitFor();
    expect(await detail.getByTestId('events').textContent()).toContain('Fall');
    expect(await detail.textContent()).toContain('by you');
    await screenshot(annaPage, '21-alert-detail-phone');
    await detail.getByRole('button', { name: 'Resolve…' }).click();
    await detail.locator('textarea').fill('Helped up, no injury');
    await detail.getByRole('button', { name: 'Resolve', exact: true }).click();
    await waitFor(
      () => detail.getByTestId('detail-state').getAttribute('data-state'),
      (state) => state === 'resolved',
      30_000,
      'the alert resolved',
    );
    expect((await api().get<Alert & { note: string }>(`/api/alerts/${alert.id}`, accessToken)).body).toMatchObject({
      state: 'resolved',
      note: 'Helped up, no injury',
    });
    expect(problems.flat()).toEqual([]);
  });

  it('keeps a live change over the alert detail’s older answer: resolved by a colleague while the detail loads', async () => {
    await publish(device.client, `vigil/v1/devices/${device.id}/events`, { t: new Date().toISOString(), type: 'fall' });
    const { accessToken } = await signInAnna();
    const alert = await alertOf('fall', accessToken);
    await card(boPage, alert.id).waitFor({ timeout: 30_000 });
    // Bo's request for the alert is answered with the alert as it was when asked (open), but only
    // after Anna's resolution has reached Bo's page live.
    let asked!: () => void;
    const requested = new Promise<void>((resolve) => (asked = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    await boPage.route(`**/api/alerts/${alert.id}`, async (route) => {
      const stale = await route.fetch();
      asked();
      await released;
      await route.fulfill({ response: stale });
    });
    await card(boPage, alert.id).getByRole('link').first().click();
    await requested;
    // Meanwhile the detail shows the inbox's copy; the resolution comes live and the inbox drops it.
    const detail = boPage.getByTestId('alert-detail');
    expect((await api().post<Alert>(`/api/alerts/${alert.id}/resolve`, { note: 'Seen to by Anna' }, accessToken)).body.state).toBe('resolved');
    await waitFor(() => detail.getByTestId('detail-state').getAttribute('data-state'), (state) => state === 'resolved', 30_000, 'the live resolution');
    release();
    await detail.getByTestId('events').waitFor(); // loaded after the (older) answer was taken in
    expect(await detail.getByTestId('detail-state').getAttribute('data-state')).toBe('resolved');
    await boPage.unroute(`**/api/alerts/${alert.id}`);
    await detail.locator('a.back').click();
    await boPage.getByTestId('inbox').waitFor();
  });

  it('is installable: the manifest and its icons are served, with the policy, and Chromium finds nothing missing', async () => {
    const manifest = await fetch(`${platform.baseUrl}/manifest.webmanifest`);
    expect(manifest.status).toBe(200);
    expect(manifest.headers.get('content-type')).toContain('application/manifest+json');
    expect(manifest.headers.get('content-security-policy')).toContain("script-src 'self'");
    const { icons, start_url } = (await manifest.json()) as { icons: Array<{ src: string; type: string }>; start_url: string };
    expect(start_url).toBe('/alerts');
    for (const icon of icons) {
      const response = await fetch(`${platform.baseUrl}${icon.src}`);
      expect({ src: icon.src, status: response.status, type: response.headers.get('content-type')?.split(';')[0] }).toEqual({
        src: icon.src,
        status: 200,
        type: icon.type,
      });
    }
    const worker = await fetch(`${platform.baseUrl}/sw.js`);
    expect(worker.status).toBe(200);
    expect(worker.headers.get('content-type')).toContain('javascript');
    expect(worker.headers.get('cache-control')).toBe('no-cache');
    const cdp = await annaPage.context().newCDPSession(annaPage);
    const { errors } = await cdp.send('Page.getAppManifest');
    expect(errors).toEqual([]);
    // Playwright's contexts are off the record, which alone stops installing ("in-incognito"); nothing else may.
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    expect(installabilityErrors.filter((e) => e.errorId !== 'in-incognito')).toEqual([]);
    await cdp.detach();
  });

  it('shows the server’s push payload as a notification whose Acknowledge action acknowledges the alert', async () => {
    // The service worker registered, at the app's scope, and is running.
    const context = annaPage.context();
    const scriptUrl = await annaPage.evaluate(async () => (await navigator.serviceWorker.ready).active?.scriptURL);
    expect(scriptUrl).toBe(`${platform.baseUrl}/sw.js`);
    const worker: Worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
    const cdp = await context.newCDPSession(annaPage);
    const registrations: Array<{ registrationId: string; scopeURL: string }> = [];
    cdp.on('ServiceWorker.workerRegistrationUpdated', (event) => registrations.push(...event.registrations));
    await cdp.send('ServiceWorker.enable');
    const registration = await waitFor(
      () => registrations.find((r) => r.scopeURL === `${platform.baseUrl}/`),
      (r) => r !== undefined,
      10_000,
      'the service worker registration over CDP',
    );

    // Anna's phone is subscribed (here at the stand-in push service: headless Chromium reaches no real one).
    const client = api();
    const { accessToken } = await signInAnna();
    const subscription = pushService.subscription();
    expect(
      (await client.post('/api/push/subscriptions', { endpoint: subscription.endpoint, keys: subscription.keys, label: 'e2e phone' }, accessToken)).status,
    ).toBe(201);

    await publish(device.client, `vigil/v1/devices/${device.id}/events`, { t: new Date().toISOString(), type: 'alarm_button' });
    const alert = await alertOf('alarm_button', accessToken);
    await card(boPage, alert.id).waitFor({ timeout: 30_000 });
    const endpointPath = new URL(subscription.endpoint).pathname;
    const push = await waitFor(
      () => pushService.received.find((r) => r.path === endpointPath),
      (r) => r !== undefined,
      30_000,
      'the push message at the stand-in',
    );
    const payload = subscription.decrypt(push!.body);

    await cdp.send('ServiceWorker.deliverPushMessage', { origin: platform.baseUrl, registrationId: registration!.registrationId, data: payload });
    const shown = await waitFor(
      () =>
        worker.evaluate(async () =>
          (await (self as unknown as WorkerScope).registration.getNotifications()).map((n) => ({
            title: n.title,
            tag: n.tag,
            actions: n.actions,
            data: n.data,
          })),
        ),
      (list) => list.length === 1,
      30_000,
      'the notification shown by the service worker',
    );
    expect(shown[0]).toMatchObject({
      title: 'HIGH: Alarm button pressed',
      tag: `vigil-alert-${alert.id}`,
      actions: [{ action: 'acknowledge', title: 'Acknowledge' }],
      data: { alertId: alert.id, url: `/alerts/${alert.id}` },
    });

    // CDP cannot click a notification: the worker gets the click its notification would get.
    await worker.evaluate(async () => {
      const scope = self as unknown as WorkerScope & { dispatchEvent(event: Event): boolean };
      const [notification] = await scope.registration.getNotifications();
      const NotificationEvent = (globalThis as unknown as { NotificationEvent: new (type: string, init: object) => Event }).NotificationEvent;
      scope.dispatchEvent(new NotificationEvent('notificationclick', { notification, action: 'acknowledge' }));
    });
    await waitFor(
      async () => (await api().get<Alert>(`/api/alerts/${alert.id}`, accessToken)).body,
      (a) => a.state === 'acknowledged',
      30_000,
      'the alert acknowledged by the notification’s action',
    );
    expect((await api().get<Alert>(`/api/alerts/${alert.id}`, accessToken)).body.acknowledgedBy).toBe(anna.id);
    // It leaves Bo's inbox too, live.
    await waitFor(
      () => card(boPage, alert.id).count(),
      (n) => n === 0,
      30_000,
      'the alert gone from Bo’s inbox',
    );
    expect(await worker.evaluate(async () => (await (self as unknown as WorkerScope).registration.getNotifications()).length)).toBe(0);
  });
});
