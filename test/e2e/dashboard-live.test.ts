import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { LiveRepository } from '../../server/src/repositories/live.repository.js';
import { LiveStreamService, watchedIn } from '../../server/src/services/live-stream.service.js';
import { createUser, type TestUser } from '../support/auth.js';
import { connectPatientDevice, type DashboardRig, type PatientDevice, screenshot, signInThroughForm, startDashboardRig } from '../support/dashboard.js';
import { createPatient, createTeam, type TestPlatform, unique } from '../support/platform.js';
import { waitFor } from '../support/wait.js';

/**
 * Live data in the dashboard, in a real Chromium over the real socket.io stream: a sample
 * published over MQTT during the test reaches the overview tile and the patient's chart without a
 * reload, and a deteriorating patient rises to the top, but never while the pointer is on the list.
 * An overview that gets no answer says what to do instead of loading for ever.
 */
describe('live dashboard, in a real Chromium', () => {
  let rig: DashboardRig;
  let platform: TestPlatform;
  let browser: Browser;
  let clinician: TestUser;
  const names = { calm: `Dora Calm ${unique()}`, watch: `Erik Watch ${unique()}` };
  const devices: Partial<Record<keyof typeof names, PatientDevice>> = {};
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    rig = await startDashboardRig();
    ({ platform, browser } = rig);
    const team = await createTeam(platform);
    clinician = await createUser(platform, 'clinician', team);
    for (const key of ['calm', 'watch'] as const) devices[key] = await connectPatientDevice(platform, await createPatient(platform, team, names[key]));
    await devices.calm!.measure({ rr: 16, spo2: 97, o2: 0, sbp: 124, hr: 72, acvpu: 0, temp: 36.8 });
    await devices.watch!.measure({ rr: 21, spo2: 95, o2: 0, sbp: 120, hr: 80, acvpu: 0, temp: 37.0 });
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    await signInThroughForm(page, platform.baseUrl, clinician);
  });

  afterAll(async () => {
    for (const device of Object.values(devices)) await device?.close();
    await context?.close();
    await rig?.close();
  });

  const tileNames = () => page.getByTestId('tile').locator('h2').allTextContents();

  it('shows a sample published over MQTT on the overview tile without a reload', async () => {
    await waitFor(tileNames, (n) => n.length === 2, 30_000, 'both tiles');
    await page.getByTestId('connection-banner').waitFor({ state: 'detached' });
    await devices.calm!.measure({ hr: 88 });
    const tile = page.locator(`[data-patient-id="${devices.calm!.patientId}"]`);
    await waitFor(
      () => tile.getByTestId('latest-hr').textContent(),
      (text) => text === '88 /min',
      30_000,
      'the new heart rate on the tile',
    );
  });

  it('raises a deteriorating patient to the top, but holds the order while the pointer is over the list', async () => {
    await waitFor(tileNames, (n) => n[0] === names.watch, 30_000, 'the patient with NEWS2 1 first');
    const calm = page.locator(`[data-patient-id="${devices.calm!.patientId}"]`);
    await calm.hover();
    await devices.calm!.measure({ rr: 26, spo2: 90, sbp: 95, hr: 125, temp: 38.6 });
    await waitFor(
      () => calm.getByTestId('news2-score').textContent(),
      (score) => Number(score) >= 7,
      30_000,
      'NEWS2 of the deteriorating patient updated in place',
    );
    expect(await tileNames()).toEqual([names.watch, names.calm]);
    await page.mouse.move(5, 5);
    await waitFor(tileNames, (n) => n[0] === names.calm, 10_000, 'the deteriorating patient first once the pointer left');
    await screenshot(page, '07-overview-live');
  });

  it('draws a sample published over MQTT on the patient’s chart', async () => {
    await page.getByRole('link', { name: names.calm }).click();
    await page.getByTestId('chart-hr').waitFor();
    // 15 minutes come as raw samples: each new sample is one more point.
    await page.getByRole('button', { name: '15 min' }).click();
    await waitFor(
      () => page.getByTestId('chart-hr').getAttribute('data-resolution'),
      (r) => r === 'raw',
      30_000,
      'the raw 15-minute series',
    );
    const before = Number(await page.getByTestId('chart-hr').getAttribute('data-points'));
    expect(before).toBeGreaterThanOrEqual(3);
    await devices.calm!.measure({ hr: 131 });
    await waitFor(
      async () => Number(await page.getByTestId('chart-hr').getAttribute('data-points')),
      (n) => n === before + 1,
      30_000,
      'one more point on the chart',
    );
    expect(await page.getByTestId('patient-latest-hr').textContent()).toBe('131 /min');
    await screenshot(page, '06-patient');
  });

  it('says what to do when the overview gets no answer at all, and shows the tiles again after a reload', async () => {
    await page.route('**/api/overview', (route) => route.abort('internetdisconnected'));
    await page.getByRole('link', { name: 'Caseload' }).click();
    const problem = page.getByRole('alert').filter({ hasText: 'Try again, or reload the page.' });
    await problem.waitFor({ timeout: 30_000 });
    await page.unroute('**/api/overview');
    await page.reload();
    await waitFor(tileNames, (n) => n.length === 2, 30_000, 'both tiles after the reload');
    expect(await problem.count()).toBe(0);
  });

  describe('after the live connection was lost', () => {
    // Every socket of the page goes through Playwright, so the test can cut it and hold it cut.
    let cut = false;
    /** The next socket.io handshake goes to the server with a token it refuses (as one that expired while the device slept). */
    let spoilHandshake = false;
    const proxied: WebSocketRoute[] = [];
    const hr = () => page.getByTestId('chart-hr');
    const banner = () => page.getByTestId('connection-banner');

    /** Ends the page's live connection and refuses new ones: the dashboard is away. */
    async function goAway() {
      cut = true;
      for (const route of proxied.splice(0)) await route.close();
      await banner().waitFor();
    }

    async function comeBack() {
      cut = false;
      await banner().waitFor({ state: 'detached', timeout: 30_000 });
    }

    beforeAll(async () => {
      await page.routeWebSocket(/\/socket\.io\//, (route) => {
        if (cut) return route.close();
        const server = route.connectToServer();
        route.onMessage((message) => {
          // 40 is socket.io's CONNECT packet, carrying the handshake's auth.
          if (spoilHandshake && typeof message === 'string' && message.startsWith('40')) {
            spoilHandshake = false;
            return server.send('40{"token":"expired"}');
          }
          server.send(message);
        });
        proxied.push(route);
      });
    });

    it('the patient’s chart and latest value get the sample stored while it was away', async () => {
      await page.reload(); // a new socket, through the route
      await page.getByRole('link', { name: names.calm }).click();
      await hr().waitFor();
      await page.getByRole('button', { name: '15 min' }).click();
      await waitFor(() => hr().getAttribute('data-resolution'), (r) => r === 'raw', 30_000, 'the raw 15-minute series');
      await banner().waitFor({ state: 'detached' });
      const before = Number(await hr().getAttribute('data-points'));
      await goAway();
      await devices.calm!.measure({ hr: 47 }); // acknowledged once stored: no live push reaches the page
      expect(Number(await hr().getAttribute('data-points'))).toBe(before);
      await comeBack();
      await waitFor(async () => Number(await hr().getAttribute('data-points')), (n) => n === before + 1, 30_000, 'the missed sample on the chart');
      await waitFor(() => page.getByTestId('patient-latest-hr').textContent(), (text) => text === '47 /min', 30_000, 'the missed value as the latest');
    });

    it('the overview tile gets the value stored while it was away', async () => {
      await page.getByRole('link', { name: 'Caseload' }).click();
      const tile = page.locator(`[data-patient-id="${devices.calm!.patientId}"]`);
      await waitFor(() => tile.getByTestId('latest-hr').textContent(), (text) => text === '47 /min', 30_000, 'the tile as it was');
      await goAway();
      await devices.calm!.measure({ hr: 52 });
      await comeBack();
      await waitFor(() => tile.getByTestId('latest-hr').textContent(), (text) => text === '52 /min', 30_000, 'the missed value on the tile');
    });

    it('connects again when the server ended the connection, as it does to a client that fell far behind', async () => {
      const tile = page.locator(`[data-patient-id="${devices.calm!.patientId}"]`);
      const live = platform.app.get(LiveRepository);
      for (const socket of live.localSockets()) live.disconnect(socket.id);
      await banner().waitFor();
      await comeBack();
      await devices.calm!.measure({ hr: 64 });
      await waitFor(() => tile.getByTestId('latest-hr').textContent(), (text) => text === '64 /min', 30_000, 'a live value after the server-side disconnect');
    });

    it('connects again with a fresh token when the server refused its handshake', async () => {
      const tile = page.locator(`[data-patient-id="${devices.calm!.patientId}"]`);
      const live = platform.app.get(LiveRepository);
      spoilHandshake = true;
      for (const socket of live.localSockets()) live.disconnect(socket.id);
      await banner().waitFor();
      await waitFor(() => spoilHandshake, (pending) => !pending, 30_000, 'the refused handshake');
      await comeBack();
      await devices.calm!.measure({ hr: 66 });
      await waitFor(() => tile.getByTestId('latest-hr').textContent(), (text) => text === '66 /min', 30_000, 'a live value after the refused handshake');
    });
  });

  describe('after the server resynced it', () => {
    /** What the server does to a client that fell behind: out of every patient and team room, with resync.v1 for each. */
    const resync = () => {
      const [live, stream] = [platform.app.get(LiveRepository), platform.app.get(LiveStreamService)];
      const left: string[] = [];
      for (const { id } of live.localSockets())
        for (const room of live.rooms(id)) {
          const about = watchedIn(room);
          if (!about) continue;
          live.leave(id, room);
          left.push(room);
          stream.resync(id, { ...about, reason: 'the client fell behind: fetch history, then watch again with since' }, 'behind');
        }
      return left;
    };
    const watchedRooms = () => {
      const live = platform.app.get(LiveRepository);
      return live.localSockets().flatMap(({ id }) => live.rooms(id));
    };

    it('the overview watches its team again and its tiles stay live', async () => {
      await page.getByRole('link', { name: 'Caseload' }).click();
      const tile = page.locator(`[data-patient-id="${devices.calm!.patientId}"]`);
      await devices.calm!.measure({ hr: 71 });
      await waitFor(() => tile.getByTestId('latest-hr').textContent(), (text) => text === '71 /min', 30_000, 'live before the resync');
      const left = resync();
      expect(left.some((room) => room.startsWith('team:'))).toBe(true);
      await waitFor(watchedRooms, (rooms) => left.every((room) => rooms.includes(room)), 30_000, 'the team watched again');
      await devices.calm!.measure({ hr: 73 });
      await waitFor(() => tile.getByTestId('latest-hr').textContent(), (text) => text === '73 /min', 30_000, 'a live value after the resync');
    });

    it('an open patient watches again and its chart and latest value stay live', async () => {
      await page.getByRole('link', { name: names.calm }).click();
      const hr = page.getByTestId('chart-hr');
      await hr.waitFor();
      await devices.calm!.measure({ hr: 75 });
      await waitFor(() => page.getByTestId('patient-latest-hr').textContent(), (text) => text === '75 /min', 30_000, 'live before the resync');
      const left = resync();
      expect(left).toContain(`patient:${devices.calm!.patientId}`);
      await waitFor(watchedRooms, (rooms) => left.every((room) => rooms.includes(room)), 30_000, 'the patient watched again');
      await devices.calm!.measure({ hr: 77 });
      await waitFor(() => page.getByTestId('patient-latest-hr').textContent(), (text) => text === '77 /min', 30_000, 'a live value after the resync');
    });
  });
});
