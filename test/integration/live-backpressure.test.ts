import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { topicFor } from '../../server/src/domain/protocol.js';
import { LiveRepository } from '../../server/src/repositories/live.repository.js';
import { connectDevice } from '../../simulators/src/devices/mqtt-link.js';
import { ApiClient, createUser, startSecurityPlatform } from '../support/auth.js';
import { metric, provisionDevices, publish, type TestDevice } from '../support/devices.js';
import { connectLive, type LiveClient, valuesOf } from '../support/live.js';
import { sql, type TestPlatform } from '../support/platform.js';
import { sleep, waitFor } from '../support/wait.js';

/**
 * A client that stops reading while 10,000 points a second flow to its room: the server keeps
 * at most about VIGIL_LIVE_MAX_BUFFER_BYTES for it (plus one flush), tells it to resync, and
 * every other client goes on receiving everything.
 */
jest.setTimeout(120_000);

const LIMIT = 256 * 1024;
/** One flush of this flood: 2,500 points as about 1,250 samples of ~90 bytes, with room to spare. */
const ONE_FLUSH = 256 * 1024;

describe('live stream: a client that stops reading', () => {
  let platform: TestPlatform;
  let device: TestDevice;
  let mqtt: MqttClient;
  let token: string;
  const clients: LiveClient[] = [];

  beforeAll(async () => {
    platform = await startSecurityPlatform({ VIGIL_LIVE_MAX_BUFFER_BYTES: String(LIMIT) });
    [device] = await provisionDevices(platform, 1);
    const [{ team_id: teamId }] = await sql<{ team_id: string }>(platform, 'SELECT team_id FROM patients WHERE id = $1', [device.patientId]);
    const user = await createUser(platform, 'clinician', teamId);
    token = (await new ApiClient(platform.baseUrl).signIn(user)).accessToken;
    mqtt = await connectDevice(platform.urls.broker, device);
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    mqtt?.end(true);
    await platform?.close();
  });

  it('stays bounded, resyncs the slow client and keeps the others whole', async () => {
    const [healthy, slow] = [await connectLive(platform.baseUrl, token), await connectLive(platform.baseUrl, token)];
    clients.push(healthy, slow);
    for (const client of [healthy, slow]) expect(await client.watch({ patientId: device.patientId })).toEqual({ ok: true });
    const live = platform.app.get(LiveRepository);
    const slowId = slow.socket.id!;
    // The client stops reading its TCP socket: the kernel buffers fill, then the server's.
    const tcp = (slow.socket.io.engine.transport as unknown as { ws: { _socket: { pause(): void; resume(): void } } }).ws._socket;
    tcp.pause();

    let most = 0;
    let flowing = true;
    const watcher = (async () => {
      while (flowing) {
        most = Math.max(most, live.bufferedBytes(slowId));
        await sleep(20);
      }
    })();
    // 10,000 points a second: every 100 ms, 5 messages of 100 samples of two metrics.
    let t = Date.now() - 3_600_000;
    const sent: Array<{ t: number; m: Record<string, number> }> = [];
    const flood = async (seconds: number) => {
      for (let tick = 0; tick < seconds * 10; tick++) {
        const started = Date.now();
        const messages = Array.from({ length: 5 }, () => Array.from({ length: 100 }, (_, i) => ({ t: ++t, m: { hr: 60 + (i % 50), spo2: 90 + (i % 10) } })));
        for (const message of messages) sent.push(...message);
        await Promise.all(messages.map((message) => publish(mqtt, topicFor(device.id, 'readings'), message)));
        await sleep(Math.max(0, 100 - (Date.now() - started)));
      }
    };
    const resyncs = () => metric(platform.baseUrl, 'vigil_live_resyncs_total', { reason: 'behind' });
    while ((await resyncs()) === 0 && sent.length < 30 * 10_000) await flood(2);
    expect(await resyncs()).toBe(1);
    await flood(3); // more flows after it was dropped: none of it may queue for the slow client
    flowing = false;
    await watcher;

    expect(most).toBeGreaterThan(LIMIT); // it did fall behind ...
    expect(most).toBeLessThanOrEqual(LIMIT + ONE_FLUSH); // ... and the server held no more than the bound
    expect(live.bufferedBytes(slowId)).toBeLessThanOrEqual(LIMIT + ONE_FLUSH);

    const expected = valuesOf(device.id, sent);
    await waitFor(
      () => healthy.values(device.patientId).length,
      (n) => n >= expected.length,
      60_000,
      'every sample at the healthy client',
    );
    expect(healthy.values(device.patientId).length).toBe(expected.length);
    expect(new Set(healthy.values(device.patientId))).toEqual(new Set(expected));

    tcp.resume();
    const resync = await waitFor(
      () => slow.of<{ patientId?: string; reason: string }>('resync.v1'),
      (list) => list.length > 0,
      30_000,
      'resync.v1',
    );
    expect(resync).toEqual([{ patientId: device.patientId, reason: expect.stringMatching(/fell behind/) }]);
    expect(slow.socket.connected).toBe(true);
    expect(await slow.watch({ patientId: device.patientId, since: new Date(t).toISOString() })).toEqual({ ok: true });
    expect([healthy.invalid, slow.invalid]).toEqual([[], []]);
  });
});
