import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { topicFor } from '../../server/src/domain/protocol.js';
import { LiveRepository } from '../../server/src/repositories/live.repository.js';
import { patientRoom } from '../../server/src/services/live-stream.service.js';
import { connectDevice } from '../../simulators/src/devices/mqtt-link.js';
import { ApiClient, createUser, startSecurityPlatform } from '../support/auth.js';
import { provisionDevices, publish, type TestDevice } from '../support/devices.js';
import { connectLive, type LiveClient } from '../support/live.js';
import { sql, type TestPlatform } from '../support/platform.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { sleep, waitFor } from '../support/wait.js';

/**
 * A dashboard whose network goes half-open (Wi-Fi gone, no reset, no FIN): with the heartbeat
 * of VIGIL_LIVE_PING_INTERVAL_SECONDS / VIGIL_LIVE_PING_TIMEOUT_SECONDS the client shows
 * itself disconnected (the dashboard then says its data may be stale) and the server drops the
 * socket and its room, instead of both waiting out socket.io's default 45 s. A healthy client
 * on the same heartbeat stays connected. Real server, real socket.io client, a TCP forwarder
 * between them that stops forwarding.
 */
jest.setTimeout(60_000);

describe('live stream: heartbeat', () => {
  let platform: TestPlatform;
  let proxy: TcpProxy;
  let device: TestDevice;
  let mqtt: MqttClient;
  let token: string;
  const clients: LiveClient[] = [];

  beforeAll(async () => {
    platform = await startSecurityPlatform({ VIGIL_LIVE_PING_INTERVAL_SECONDS: '1', VIGIL_LIVE_PING_TIMEOUT_SECONDS: '1' });
    [device] = await provisionDevices(platform, 1);
    const [{ team_id: teamId }] = await sql<{ team_id: string }>(platform, 'SELECT team_id FROM patients WHERE id = $1', [device.patientId]);
    token = (await new ApiClient(platform.baseUrl).signIn(await createUser(platform, 'clinician', teamId))).accessToken;
    proxy = await startTcpProxy(Number(new URL(platform.baseUrl).port));
    mqtt = await connectDevice(platform.urls.broker, device);
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    mqtt?.end(true);
    await proxy?.close();
    await platform?.close();
  });

  it('tells the client and the server within seconds when the network goes half-open, and keeps a healthy client', async () => {
    const live = platform.app.get(LiveRepository);
    const [healthy, stranded] = [await connectLive(platform.baseUrl, token), await connectLive(`http://127.0.0.1:${proxy.port}`, token)];
    clients.push(healthy, stranded);
    for (const client of [healthy, stranded]) expect(await client.watch({ patientId: device.patientId })).toEqual({ ok: true });
    const strandedId = stranded.socket.id!;
    expect(live.localMembers(patientRoom(device.patientId))).toContain(strandedId);
    let clientSaw: string | undefined;
    stranded.socket.once('disconnect', (reason) => (clientSaw = reason));

    proxy.stall();

    // socket.io's default heartbeat would take 45 s to notice.
    expect(
      await waitFor(
        () => clientSaw,
        (reason) => reason !== undefined,
        20_000,
        'the client notices',
      ),
    ).toBe('ping timeout');
    await waitFor(
      async () => live.localSockets().map((s) => s.id),
      (ids) => !ids.includes(strandedId),
      20_000,
      'the server drops the silent socket',
    );
    expect(live.localMembers(patientRoom(device.patientId))).not.toContain(strandedId);

    // Several heartbeats later the healthy client is still connected, in its room, and live.
    await sleep(3_000);
    expect(healthy.socket.connected).toBe(true);
    expect(live.localMembers(patientRoom(device.patientId))).toContain(healthy.socket.id);
    const t = Date.now();
    await publish(mqtt, topicFor(device.id, 'readings'), { t, m: { hr: 64 } });
    await waitFor(
      async () => healthy.values(device.patientId),
      (values) => values.includes(`${device.id}|hr|${t}=64`),
      20_000,
      'the healthy client receives the next reading',
    );
  });
});
