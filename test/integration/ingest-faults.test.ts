import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { IngestWriterService } from '../../server/src/services/ingest-writer.service.js';
import { connectDevice } from '../../simulators/src/devices/mqtt-link.js';
import { countReadings, provisionDevices } from '../support/devices.js';
import { startMosquitto, type TestMosquitto } from '../support/mosquitto.js';
import { steadyPublisher } from '../support/publisher.js';
import { sql, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';

jest.setTimeout(60_000);

const pgPort = () => Number(new URL(process.env.VIGIL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres').port || 5432);

describe('ingest faults on the real PostgreSQL', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let viaProxy: string;
  const cleanup: Array<() => unknown> = []; // a step may return a promise: it is awaited

  beforeAll(async () => {
    [database, proxy] = await Promise.all([createTestDatabase(), startTcpProxy(pgPort())]);
    const url = new URL(database.url);
    url.host = `127.0.0.1:${proxy.port}`;
    viaProxy = url.toString();
  });
  afterEach(async () => {
    proxy.restore();
    while (cleanup.length) await cleanup.pop()!();
  });
  afterAll(async () => {
    await proxy?.close();
    await database?.drop();
  });

  it('restarting the server while a device publishes stores every sample exactly once', async () => {
    const env = { DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL };
    let platform: TestPlatform = await startTestPlatform(env);
    // The restarted server must listen where the device reconnects: the same broker port.
    const brokerPort = new URL(platform.urls.broker).port;
    cleanup.push(() => platform.close());
    const [device] = await provisionDevices(platform, 1);
    const client = await connectDevice(platform.urls.broker, device, { reconnectPeriod: 100 });
    cleanup.push(() => client.end(true));
    const publisher = steadyPublisher(client, device.id, 10);
    cleanup.push(() => publisher.stop());
    await new Promise((r) => setTimeout(r, 1500));
    await platform.close();
    await new Promise((r) => setTimeout(r, 500)); // the device keeps publishing into its offline queue
    platform = await startTestPlatform({ ...env, VIGIL_MQTT_PORT: brokerPort });
    await new Promise((r) => setTimeout(r, 1500));
    publisher.stop();
    await publisher.settled();
    expect(publisher.state.failures).toEqual({});
    expect(publisher.state.sent).toBeGreaterThan(200);
    const [stored] = await sql<{ n: number; distinct: number }>(
      platform,
      'SELECT count(*)::int AS n, count(DISTINCT time)::int AS distinct FROM readings WHERE device_id = $1',
      [device.id],
    );
    expect(stored).toEqual({ n: publisher.state.sent, distinct: publisher.state.sent });
  });

  it('a 5 s database outage stops acknowledgements, holds at most VIGIL_INGEST_MAX_IN_FLIGHT, and loses nothing (embedded broker)', async () => {
    const platform = await startTestPlatform({ DATABASE_URL: viaProxy, REDIS_URL: TEST_REDIS_URL, VIGIL_INGEST_MAX_IN_FLIGHT: '50' });
    cleanup.push(() => platform.close());
    const [device] = await provisionDevices(platform, 1);
    const client = await connectDevice(platform.urls.broker, device);
    cleanup.push(() => client.end(true));
    const writer = platform.app.get(IngestWriterService);
    const publisher = steadyPublisher(client, device.id, 10);
    cleanup.push(() => publisher.stop());
    await new Promise((r) => setTimeout(r, 1000));

    proxy.cut();
    await new Promise((r) => setTimeout(r, 500)); // what was committed before the cut is acknowledged by now
    const ackedAtCut = publisher.state.acked;
    let held = 0;
    const sampler = setInterval(() => (held = Math.max(held, writer.inFlight)), 20);
    await new Promise((r) => setTimeout(r, 4500));
    clearInterval(sampler);
    expect(publisher.state.acked).toBe(ackedAtCut); // nothing acknowledged while nothing commits
    // Past the cap aedes stops reading the connection: the device's backlog waits in TCP
    // buffers and on the device, not in the server (cap + what one read had already brought).
    // At least twice the cap unacknowledged (450 at an unloaded 10 ms pace; timers run late under load).
    expect(publisher.state.sent - ackedAtCut).toBeGreaterThan(100);
    expect(held).toBeGreaterThanOrEqual(50);
    expect(held).toBeLessThanOrEqual(60);
    proxy.restore();

    await new Promise((r) => setTimeout(r, 1000));
    publisher.stop();
    await publisher.settled();
    expect(publisher.state.failures).toEqual({});
    expect(await countReadings(platform, device.id)).toBe(publisher.state.sent);
  });

  it('a 5 s database outage with Mosquitto keeps at most VIGIL_INGEST_MAX_IN_FLIGHT unacknowledged and loses nothing', async () => {
    const mosquitto: TestMosquitto = await startMosquitto();
    cleanup.push(() => mosquitto.remove());
    const platform = await startTestPlatform({
      DATABASE_URL: viaProxy,
      REDIS_URL: TEST_REDIS_URL,
      MQTT_URL: mosquitto.url,
      VIGIL_MQTT_CLIENT_ID: 'vigil-faults',
      VIGIL_INGEST_MAX_IN_FLIGHT: '50',
    });
    cleanup.push(() => platform.close());
    const [device] = await provisionDevices(platform, 1);
    const client = await connectDevice(mosquitto.url, device);
    cleanup.push(() => client.end(true));
    // Every message the consumer holds unacknowledged waits in the writer: the same count.
    const writer = platform.app.get(IngestWriterService);
    const publisher = steadyPublisher(client, device.id, 5);
    cleanup.push(() => publisher.stop());
    await new Promise((r) => setTimeout(r, 1000));

    proxy.cut();
    let held = 0;
    const sampler = setInterval(() => (held = Math.max(held, writer.inFlight)), 10);
    await new Promise((r) => setTimeout(r, 5000));
    clearInterval(sampler);
    const sentDuringOutage = publisher.state.sent;
    expect(held).toBe(50); // the cap was reached and held: the rest waited in Mosquitto
    proxy.restore();

    await new Promise((r) => setTimeout(r, 500));
    publisher.stop();
    await publisher.settled();
    expect(sentDuringOutage).toBeGreaterThan(100); // over twice the cap (1,200 at an unloaded 5 ms pace)
    await waitFor(
      () => countReadings(platform, device.id),
      (n) => n === publisher.state.sent,
      20_000,
    );
  });
});
