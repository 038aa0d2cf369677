import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { CLI_ACTOR } from '../../server/src/domain/actor.js';
import { topicFor } from '../../server/src/domain/protocol.js';
import type { DeviceCredentials } from '../../server/src/repositories/device.repository.js';
import { EventBusRepository } from '../../server/src/repositories/event-bus.repository.js';
import { MqttConsumerRepository } from '../../server/src/repositories/mqtt-consumer.repository.js';
import { DeviceAdminService } from '../../server/src/services/device-admin.service.js';
import { DeviceDirectoryService } from '../../server/src/services/device-directory.service.js';
import { IngestService } from '../../server/src/services/ingest.service.js';
import { connectDevice } from '../../simulators/src/devices/mqtt-link.js';
import { countReadings, metric, provisionDevices, publish, type TestDevice } from '../support/devices.js';
import { startMosquitto, type TestMosquitto } from '../support/mosquitto.js';
import { sql, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startTestRedis } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

/**
 * A real Mosquitto of the test's own between devices and the server (shared subscription,
 * persistent MQTT 5 session, ack after commit), the real PostgreSQL 15 and a Redis of its own.
 */
jest.setTimeout(30_000);

const BROKER_TOKEN = 'test-broker-token-0123456789abcdef';

describe('ingest through an external broker (Mosquitto)', () => {
  let database: TestDatabase;
  let mosquitto: TestMosquitto;
  let redis: { url: string; stop(): Promise<void> };
  let env: Record<string, string>;
  let platform: TestPlatform;
  let device: TestDevice;
  let client: MqttClient;
  const now = Date.now();
  const readings = () => topicFor(device.id, 'readings');

  beforeAll(async () => {
    [database, mosquitto, redis] = await Promise.all([createTestDatabase(), startMosquitto(), startTestRedis()]);
    const serverUrl = new URL(mosquitto.url);
    serverUrl.username = 'vigil-server';
    serverUrl.password = 'server-password';
    env = {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      MQTT_URL: serverUrl.toString(),
      VIGIL_MQTT_CLIENT_ID: 'vigil-test-a',
      VIGIL_BROKER_AUTH_TOKEN: BROKER_TOKEN,
    };
    platform = await startTestPlatform(env);
    [device] = await provisionDevices(platform, 1);
    client = await connectDevice(mosquitto.url, device, { reconnectPeriod: 200 });
  });
  afterAll(async () => {
    client?.end(true);
    await platform?.close();
    await Promise.all([database?.drop(), mosquitto?.remove(), redis?.stop()]);
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('stores each sample once, a re-sent one only once, and a backfill of 500 whole', async () => {
    await publish(client, readings(), { t: now - 60_000, m: { hr: 72, spo2: 97 } });
    await waitFor(
      () => countReadings(platform, device.id),
      (n) => n === 2,
    );
    await publish(client, readings(), { t: now - 60_000, m: { hr: 72, spo2: 97 } });
    const backfill = Array.from({ length: 500 }, (_, i) => ({ t: now - 3_600_000 + i * 1000, m: { spo2: 90 + (i % 10) } }));
    await publish(client, readings(), backfill);
    await publish(client, readings(), { t: now - 7_200_000, m: { rr: 12 } }); // out of order
    await waitFor(
      () => countReadings(platform, device.id),
      (n) => n === 503,
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(await countReadings(platform, device.id)).toBe(503);
  });

  it('keeps a connection busy with many messages in flight (acknowledgements are not serialised)', async () => {
    const before = await countReadings(platform, device.id);
    const batchesBefore = await metric(platform.baseUrl, 'vigil_ingest_batch_rows_count');
    await Promise.all(Array.from({ length: 1000 }, (_, i) => publish(client, readings(), { t: now - 9_000_000 + i, m: { temp: 37 } })));
    await waitFor(
      () => countReadings(platform, device.id),
      (n) => n === before + 1000,
      30_000,
    );
    // Serialised acknowledgements would commit one message at a time: 1000 batches.
    const batches = (await metric(platform.baseUrl, 'vigil_ingest_batch_rows_count')) - batchesBefore;
    expect(batches).toBeGreaterThan(0);
    expect(batches).toBeLessThan(500);
  });

  it('dead-letters messages of unknown and revoked devices', async () => {
    const ghost = '00000000-0000-4000-8000-0000000000ff';
    await publish(client, topicFor(ghost, 'readings'), { t: now, m: { hr: 70 } });
    const [revoked] = await provisionDevices(platform, 1);
    await sql(platform, 'UPDATE devices SET revoked_at = now() WHERE id = $1', [revoked.id]);
    await publish(client, topicFor(revoked.id, 'readings'), { t: now, m: { hr: 70 } });
    await publish(client, 'vigil/v1/devices/not-a-uuid/readings', { t: now, m: { hr: 70 } });
    const letters = await waitFor(
      () => sql<{ device_id: string; reason: string }>(platform, 'SELECT device_id, reason FROM dead_letters ORDER BY id'),
      (rows) => rows.length === 3,
    );
    expect(letters).toEqual(
      expect.arrayContaining([
        { device_id: ghost, reason: 'unknown_device' },
        { device_id: revoked.id, reason: 'device_revoked' },
        { device_id: 'not-a-uuid', reason: 'unknown_device' },
      ]),
    );
    expect(await countReadings(platform, revoked.id)).toBe(0);
  });

  /** The reasons and details of a device's dead letters, oldest first, once there are `n`. */
  const lettersOf = (id: string, n: number) =>
    waitFor(
      () => sql<{ reason: string; detail: string }>(platform, 'SELECT reason, detail FROM dead_letters WHERE device_id = $1 ORDER BY id', [id]),
      (rows) => rows.length >= n,
    );

  /** Runs `test` with a new device and its own connection to Mosquitto. */
  const withNewDevice = async (test: (fresh: TestDevice, sender: MqttClient) => Promise<void>) => {
    const [fresh] = await provisionDevices(platform, 1);
    const sender = await connectDevice(mosquitto.url, fresh);
    try {
      await test(fresh, sender);
    } finally {
      sender.end(true);
    }
  };

  it('dead-letters times past the last JavaScript date as bad_shape, from a device looked up or cached, and stays up', () =>
    withNewDevice(async (fresh, sender) => {
      await publish(sender, topicFor(fresh.id, 'readings'), { t: 9e15, m: { hr: 70 } }); // the first message: looked up
      await publish(sender, topicFor(fresh.id, 'readings'), { t: '275760-09-14T00:00:00.001Z', m: { hr: 70 } }); // cached by now
      await publish(sender, topicFor(fresh.id, 'events'), { t: 9e15, type: 'fall' });
      await publish(sender, topicFor(fresh.id, 'readings'), { t: 8.64e15, m: { hr: 70 } });
      await publish(sender, topicFor(fresh.id, 'readings'), { t: now - 1000, m: { hr: 64 } });
      await waitFor(
        () => countReadings(platform, fresh.id),
        (n) => n === 1,
      );
      const pastJsDates = 't: after the last date JavaScript can hold (8640000000000000 ms)';
      expect(await lettersOf(fresh.id, 4)).toEqual([
        { reason: 'bad_shape', detail: pastJsDates },
        { reason: 'bad_shape', detail: 't: Invalid ISO datetime' },
        { reason: 'bad_shape', detail: pastJsDates },
        { reason: 'timestamp_in_future', detail: 't=+275760-09-13T00:00:00.000Z' },
      ]);
    }));

  it('dead-letters a message the server fails on as processing_failed, from a device looked up or cached, and stores the next', () =>
    withNewDevice(async (fresh, sender) => {
      const directory = platform.app.get(DeviceDirectoryService);
      const broken = {
        get revokedAt(): never {
          throw new RangeError('Invalid time value');
        },
      } as unknown as DeviceCredentials;
      jest.spyOn(directory, 'find').mockReturnValueOnce(Promise.resolve(broken));
      await publish(sender, topicFor(fresh.id, 'readings'), { t: now - 2000, m: { hr: 65 } });
      await lettersOf(fresh.id, 1);
      jest.spyOn(directory, 'find').mockReturnValueOnce(broken);
      await publish(sender, topicFor(fresh.id, 'readings'), { t: now - 2000, m: { hr: 65 } });
      expect(await lettersOf(fresh.id, 2)).toEqual([
        { reason: 'processing_failed', detail: 'RangeError: Invalid time value' },
        { reason: 'processing_failed', detail: 'RangeError: Invalid time value' },
      ]);
      await publish(sender, topicFor(fresh.id, 'readings'), { t: now - 2000, m: { hr: 65 } });
      await waitFor(
        () => countReadings(platform, fresh.id),
        (n) => n === 1,
      );
    }));

  it('leaves a message whose handling throws past ingest unacknowledged, and keeps consuming', () =>
    withNewDevice(async (fresh, sender) => {
      const calls = jest.spyOn(platform.app.get(IngestService), 'ingest').mockImplementationOnce(() => {
        throw new Error('a bug before ingest could answer');
      });
      await publish(sender, topicFor(fresh.id, 'readings'), { t: now - 3000, m: { hr: 66 } });
      await waitFor(
        () => calls.mock.calls.length,
        (n) => n === 1,
      );
      await publish(sender, topicFor(fresh.id, 'readings'), { t: now - 4000, m: { hr: 67 } });
      await waitFor(
        () => countReadings(platform, fresh.id),
        (n) => n === 1,
      );
      expect(platform.app.get(MqttConsumerRepository).connected).toBe(true);
    }));

  it('receives what was published while the server was down (persistent session)', async () => {
    const before = await countReadings(platform, device.id);
    await platform.close();
    for (let i = 0; i < 50; i++) await publish(client, readings(), { t: now - 20_000_000 + i, m: { hr: 80 } });
    platform = await startTestPlatform(env);
    await waitFor(
      () => countReadings(platform, device.id),
      (n) => n === before + 50,
      15_000,
    );
  });

  it('reconnects and resubscribes after the broker restarts', async () => {
    const before = await countReadings(platform, device.id);
    await mosquitto.stop();
    const consumer = platform.app.get(MqttConsumerRepository);
    await waitFor(
      () => consumer.connected,
      (connected) => !connected,
    );
    await mosquitto.restart();
    // Mosquitto 2.0 does not restore shared subscriptions at restart (docs/operations.md), so
    // what devices publish before the server has resubscribed is not delivered: the device
    // sends the same sample until it is stored (the copies are duplicates, stored once).
    await waitFor(
      () => consumer.connected,
      (connected) => connected,
    );
    const again = await connectDevice(mosquitto.url, device);
    try {
      await waitFor(
        async () => {
          await publish(again, readings(), { t: now - 30_000_000, m: { hr: 81 } });
          return countReadings(platform, device.id);
        },
        (n) => n > before,
        15_000,
        'the sample stored after the broker restart',
      );
      expect(await countReadings(platform, device.id)).toBe(before + 1);
    } finally {
      again.end(true);
    }
  });

  it('splits the load between two instances in the shared group, each sample stored once', async () => {
    const second = await startTestPlatform({ ...env, VIGIL_MQTT_CLIENT_ID: 'vigil-test-b' });
    try {
      const before = await countReadings(platform, device.id);
      const publisher = await connectDevice(mosquitto.url, device);
      try {
        await Promise.all(Array.from({ length: 400 }, (_, i) => publish(publisher, readings(), { t: now - 40_000_000 + i, m: { hr: 70, rr: 15 } })));
      } finally {
        publisher.end(true);
      }
      await waitFor(
        () => countReadings(platform, device.id),
        (n) => n === before + 800,
        15_000,
      );
      const perInstance = await Promise.all(
        [platform, second].map(async (p) => Number((await (await fetch(`${p.baseUrl}/metrics`)).text()).match(/^vigil_ingest_points_total (\d+)/m)?.[1] ?? 0)),
      );
      expect(perInstance[1]).toBeGreaterThan(0); // the second instance took a share
    } finally {
      await second.close();
    }
  });

  it('drops cached credentials on every instance when a device changes (Redis pub/sub)', async () => {
    const second = await startTestPlatform({ ...env, VIGIL_MQTT_CLIENT_ID: 'vigil-test-c', VIGIL_DEVICE_CACHE_SECONDS: '3600' });
    try {
      const [changing] = await provisionDevices(platform, 1);
      const directory = second.app.get(DeviceDirectoryService);
      expect((await directory.get(changing.id))?.revokedAt).toBeNull();
      await sql(platform, 'UPDATE devices SET revoked_at = now() WHERE id = $1', [changing.id]);
      expect(directory.peek(changing.id)?.revokedAt).toBeNull(); // still cached for an hour
      platform.app.get(EventBusRepository).emit('device.changed', { deviceId: changing.id, change: 'revoked' });
      await waitFor(
        () => directory.peek(changing.id),
        (cached) => cached === undefined,
      );
      expect((await directory.get(changing.id))?.revokedAt).toBeInstanceOf(Date);
    } finally {
      await second.close();
    }
  });

  describe('EMQX HTTP authentication and authorisation endpoints', () => {
    const call = async (path: string, body: unknown, token: string | null = BROKER_TOKEN) => {
      const response = await fetch(`${platform.baseUrl}/api/broker/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as { result?: string } };
    };

    it('answers only the broker that presents the token', async () => {
      const body = { username: device.id, password: device.secret, clientid: device.id };
      expect((await call('authenticate', body, null)).status).toBe(404);
      expect((await call('authenticate', body, 'wrong-token-0123456789abcdef')).status).toBe(404);
      expect(await call('authenticate', body)).toEqual({ status: 200, body: { result: 'allow', is_superuser: false } });
      expect((await call('authorize', { username: device.id, topic: 'x', action: 'delete' })).status).toBe(400);
    });

    it('authenticates devices by their secret, refuses unknown and revoked ones, and knows the server user', async () => {
      const result = async (username: string, password: string) => (await call('authenticate', { username, password, clientid: username })).body.result;
      expect(await result(device.id, 'wrong')).toBe('deny');
      expect(await result('00000000-0000-4000-8000-000000000000', 'x')).toBe('deny');
      expect(await result('vigil-server', 'server-password')).toBe('allow');
      expect(await result('vigil-server', 'guess')).toBe('deny');
      const [doomed] = await provisionDevices(platform, 1);
      expect(await result(doomed.id, doomed.secret)).toBe('allow');
      await sql(platform, 'UPDATE devices SET revoked_at = now() WHERE id = $1', [doomed.id]);
      platform.app.get(EventBusRepository).emit('device.changed', { deviceId: doomed.id, change: 'revoked' });
      await waitFor(
        () => result(doomed.id, doomed.secret),
        (r) => r === 'deny',
      );
    });

    it("denies a device asking for another device's client id, or none (no session takeover through EMQX)", async () => {
      const [other] = await provisionDevices(platform, 1);
      const result = async (clientid?: string) =>
        (await call('authenticate', { username: device.id, password: device.secret, ...(clientid === undefined ? {} : { clientid }) })).body.result;
      expect(await result(device.id)).toBe('allow');
      expect(await result(`${device.id.toUpperCase()}-backfill`)).toBe('allow');
      expect(await result(other.id)).toBe('deny');
      expect(await result('')).toBe('deny');
      expect(await result()).toBe('deny');
      expect((await call('authenticate', { username: 'vigil-server', password: 'server-password', clientid: 'vigil-server-1' })).body.result).toBe('allow');
    });

    it('refuses a device at once when it is revoked by its id in upper case, and knows it by either case', async () => {
      const result = async (username: string, password: string) => (await call('authenticate', { username, password, clientid: username })).body.result;
      const authorized = async (username: string, topic: string) => (await call('authorize', { username, action: 'publish', topic })).body.result;
      const [doomed] = await provisionDevices(platform, 1);
      const upper = doomed.id.toUpperCase();
      expect(await result(doomed.id, doomed.secret)).toBe('allow');
      expect(await result(upper, doomed.secret)).toBe('allow');
      expect(await authorized(upper, topicFor(doomed.id, 'readings'))).toBe('allow');
      expect(await authorized(doomed.id, topicFor(upper, 'readings'))).toBe('allow');
      await platform.app.get(DeviceAdminService).revokeDevice(CLI_ACTOR, upper);
      expect(await result(doomed.id, doomed.secret)).toBe('deny');
      expect(await result(upper, doomed.secret)).toBe('deny');
    });

    it('authorises topics by the device protocol rules', async () => {
      const result = async (username: string, action: string, topic: string) => (await call('authorize', { username, action, topic })).body.result;
      expect(await result(device.id, 'publish', topicFor(device.id, 'readings'))).toBe('allow');
      expect(await result(device.id, 'publish', 'vigil/v1/devices/00000000-0000-4000-8000-000000000000/readings')).toBe('deny');
      expect(await result(device.id, 'subscribe', topicFor(device.id, 'commands'))).toBe('allow');
      expect(await result(device.id, 'subscribe', 'vigil/v1/devices/+/readings')).toBe('deny');
      expect(await result('vigil-server', 'subscribe', '$share/vigil/vigil/v1/devices/+/readings')).toBe('allow');
      expect(await result('vigil-server', 'publish', topicFor(device.id, 'commands'))).toBe('allow');
      expect(await result('vigil-server', 'publish', topicFor(device.id, 'readings'))).toBe('deny');
    });
  });
});
