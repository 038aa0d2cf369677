import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import mqtt, { type MqttClient } from 'mqtt';
import { topicFor } from '../../server/src/domain/protocol.js';
import { connectDevice } from '../../simulators/src/devices/mqtt-link.js';
import { countReadings, metric, provisionDevices, publish, type TestDevice } from '../support/devices.js';
import { startShippedMosquitto, type TestMosquitto } from '../support/mosquitto.js';
import { sql, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { cliJson } from '../support/process.js';
import { startTestRedis } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

/**
 * What an external Mosquitto acknowledged to devices must reach the database, or Vigil must say
 * that it did not (issue 11): the broker's dropped counter, the shipped queue configuration, and
 * a shared-group session nobody consumes (the canary, then `vigil mqtt retire`). Real Mosquitto
 * 2.0 on deploy/mosquitto/mosquitto.conf as shipped (with the overrides each test names), the
 * real PostgreSQL and a Redis of the test's own.
 */
jest.setTimeout(240_000);

interface Ready {
  status: string;
  details: {
    delivery?: { status: string; degraded: boolean; droppedByBroker?: number; canary: { sent: number; received: number; missing: number }; problems: string[] };
  };
}

const ready = async (platform: TestPlatform) => (await (await fetch(`${platform.baseUrl}/api/ready`)).json()) as Ready;

/** Publishes `count` one-metric samples of `device` (distinct times), at most `window` unacknowledged; resolves when the broker acknowledged all. */
async function burst(client: MqttClient, device: TestDevice, count: number, t0: number, window = 200): Promise<void> {
  const pending = new Set<Promise<void>>();
  for (let i = 0; i < count; i++) {
    const sent = publish(client, topicFor(device.id, 'readings'), { t: t0 + i, m: { hr: 60 + (i % 40) } }).finally(() => pending.delete(sent));
    pending.add(sent);
    if (pending.size >= window) await Promise.race(pending);
  }
  await Promise.all(pending);
}

/** Log lines the platform writes, kept to look into. */
function logSink(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      callback();
    },
  });
  return { lines, stream };
}

describe('delivery through an external Mosquitto', () => {
  let database: TestDatabase;
  let redis: { url: string; stop(): Promise<void> };
  const brokers: TestMosquitto[] = [];
  const platforms: TestPlatform[] = [];
  const clients: MqttClient[] = [];
  const now = Date.now();

  beforeAll(async () => {
    [database, redis] = await Promise.all([createTestDatabase(), startTestRedis()]);
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.end(true);
    for (const platform of platforms.splice(0)) await platform.close();
    for (const broker of brokers.splice(0)) await broker.remove();
  });
  afterAll(async () => {
    await Promise.all([database?.drop(), redis?.stop()]);
  });

  // Anonymous clients here (no password file): the shipped use_username_as_clientid would refuse
  // them, and the stale-session case needs the client ids the servers send.
  const broker = async (overrides: Record<string, string | number>) => {
    const started = await startShippedMosquitto({ overrides: { use_username_as_clientid: 'false', ...overrides } });
    brokers.push(started);
    return started;
  };
  const serverEnv = (mosquitto: TestMosquitto, clientId: string, extra: Record<string, string> = {}) => ({
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    MQTT_URL: mosquitto.url,
    VIGIL_MQTT_CLIENT_ID: clientId,
    VIGIL_SECRET: randomBytes(32).toString('base64url'),
    ...extra,
  });
  const platform = async (env: Record<string, string>, options: Parameters<typeof startTestPlatform>[1] = {}) => {
    const started = await startTestPlatform(env, options);
    platforms.push(started);
    return started;
  };
  const device = async (mosquitto: TestMosquitto, owner: TestPlatform) => {
    const [provisioned] = await provisionDevices(owner, 1);
    const client = await connectDevice(mosquitto.url, provisioned, { reconnectPeriod: 200 });
    clients.push(client);
    return { provisioned, client };
  };

  it('reports what the broker dropped past its queue limit, in /metrics, /api/ready and the log, equal to sent − stored', async () => {
    const mosquitto = await broker({ max_queued_messages: 20, memory_limit: 0, sys_interval: 1 });
    const env = serverEnv(mosquitto, 'vigil-drops', { VIGIL_MQTT_CONSUMERS: '2' });
    // Both platforms log into it: Nest's static logger may still be bound to the first one's.
    const log = logSink();
    const first = await platform(env, { logDestination: log.stream });
    const { provisioned, client } = await device(mosquitto, first);
    await first.close(); // its two sessions stay in the group, offline, each with a queue of 20
    platforms.splice(platforms.indexOf(first), 1);

    const sent = 300;
    await burst(client, provisioned, sent, now - 3_600_000);
    const server = await platform(env, { logDestination: log.stream });
    const [stored, dropped] = await waitFor(
      async () => [await countReadings(server, provisioned.id), await metric(server.baseUrl, 'vigil_broker_dropped_messages')],
      ([s, d]) => s + d === sent,
      60_000,
      'stored + dropped = sent',
    );
    expect(dropped).toBeGreaterThan(0);
    expect(dropped).toBe(sent - stored);
    const { status, details } = await ready(server);
    expect(status).toBe('ok'); // degraded, not down: taking the instance out would not help
    expect(details.delivery).toMatchObject({ status: 'up', degraded: true, droppedByBroker: sent - stored });
    expect(details.delivery!.problems.join(' ')).toContain(`dropped ${sent - stored} message(s)`);
    expect(log.lines.some((line) => line.includes('the broker dropped') && line.includes(`(${sent - stored} since it started)`))).toBe(true);
  });

  it('with the shipped queue configuration, stores a burst larger than the old queue limit (100,000) whole while the server was down: sent = stored, nothing dropped', async () => {
    const mosquitto = await broker({});
    const env = serverEnv(mosquitto, 'vigil-burst', { VIGIL_MQTT_CONSUMERS: '1' }); // one session takes the whole burst: the worst case
    const first = await platform(env);
    const devices = await provisionDevices(first, 10);
    await first.close();
    platforms.splice(platforms.indexOf(first), 1);

    const perDevice = 10_500; // 105,000 messages in all
    await Promise.all(
      devices.map(async (d) => {
        const client = await connectDevice(mosquitto.url, d, { reconnectPeriod: 200 });
        clients.push(client);
        await burst(client, d, perDevice, now - 7_200_000);
      }),
    );
    const server = await platform(env);
    const total = devices.length * perDevice;
    await waitFor(
      async () => (await sql<{ n: number }>(server, 'SELECT count(*)::int AS n FROM readings WHERE device_id = ANY($1)', [devices.map((d) => d.id)]))[0].n,
      (n) => n === total,
      200_000,
      `all ${total} readings stored`,
    );
    const perDeviceStored = await sql<{ device_id: string; n: number; distinct_times: number }>(
      server,
      'SELECT device_id, count(*)::int AS n, count(DISTINCT time)::int AS distinct_times FROM readings WHERE device_id = ANY($1) GROUP BY device_id',
      [devices.map((d) => d.id)],
    );
    expect(perDeviceStored.map((row) => [row.n, row.distinct_times])).toEqual(devices.map(() => [perDevice, perDevice]));
    expect(await metric(server.baseUrl, 'vigil_broker_dropped_messages')).toBe(0);
    const { delivery } = (await ready(server)).details;
    expect(delivery?.degraded).toBe(false);
    expect(delivery?.droppedByBroker ?? 0).toBe(0); // Mosquitto publishes the counter once it changes from 0
  });

  it('reports a shared-group session nobody consumes by the canary, and `vigil mqtt retire` stores what it held, each reading once', async () => {
    const mosquitto = await broker({});
    const canary = { VIGIL_MQTT_CONSUMERS: '1', VIGIL_MQTT_CANARY_SECONDS: '1' };
    const live = await platform(serverEnv(mosquitto, 'vigil-live', canary));
    const gone = await platform(serverEnv(mosquitto, 'vigil-gone', canary));
    await gone.close(); // an instance removed for good: its session stays in the group
    platforms.splice(platforms.indexOf(gone), 1);
    const { provisioned, client } = await device(mosquitto, live);
    const sent = 60;
    for (let i = 0; i < sent; i++) await publish(client, topicFor(provisioned.id, 'readings'), { t: now - 600_000 + i * 1000, m: { spo2: 95 } });

    const degraded = await waitFor(
      () => ready(live),
      (r) => (r.details.delivery?.canary.missing ?? 0) > 0,
      60_000,
      'the canary shortfall reported',
    );
    expect(degraded.details.delivery!.degraded).toBe(true);
    expect(degraded.details.delivery!.problems.join(' ')).toContain('vigil mqtt retire --client-id');
    expect(await metric(live.baseUrl, 'vigil_ingest_canaries_missing')).toBeGreaterThan(0);
    const storedBefore = await countReadings(live, provisioned.id);
    expect(storedBefore).toBeLessThan(sent); // the stale session holds the rest

    const { DATABASE_URL, REDIS_URL, MQTT_URL, VIGIL_SECRET } = serverEnv(mosquitto, 'unused');
    const retired = await cliJson<{ clientId: string; sessionPresent: boolean; messages: number }>(
      ['mqtt', 'retire', '--client-id', 'vigil-gone', '--quiet-seconds', '1'],
      { DATABASE_URL, REDIS_URL, MQTT_URL, VIGIL_SECRET },
    );
    expect(retired).toMatchObject({ clientId: 'vigil-gone', sessionPresent: true });
    expect(retired.messages).toBeGreaterThanOrEqual(sent - storedBefore); // its readings, and canaries
    const rows = await sql<{ n: number; distinct_times: number }>(
      live,
      'SELECT count(*)::int AS n, count(DISTINCT time)::int AS distinct_times FROM readings WHERE device_id = $1',
      [provisioned.id],
    );
    expect(rows[0]).toEqual({ n: sent, distinct_times: sent });
    const [audit] = await sql<{ action: string; details: { clientId: string } }>(
      live,
      "SELECT action, details FROM audit_log WHERE action = 'mqtt.session.retire'",
    );
    expect(audit?.details.clientId).toBe('vigil-gone');

    // The session is gone from the broker: connecting under its id finds none.
    const sessionPresent = await new Promise<boolean>((resolve) => {
      const probe = mqtt.connect(mosquitto.url, {
        clientId: 'vigil-gone',
        clean: false,
        protocolVersion: 5,
        properties: { sessionExpiryInterval: 0 },
        reconnectPeriod: 0,
      });
      clients.push(probe);
      probe.once('connect', (connack) => resolve(connack.sessionPresent));
    });
    expect(sessionPresent).toBe(false);
  });
});
