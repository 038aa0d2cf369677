import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { CLI_ACTOR } from '../../server/src/domain/actor.js';
import { topicFor } from '../../server/src/domain/protocol.js';
import type { DeviceCredentials } from '../../server/src/repositories/device.repository.js';
import { EventBusRepository } from '../../server/src/repositories/event-bus.repository.js';
import { DeviceDirectoryService } from '../../server/src/services/device-directory.service.js';
import { DeviceAdminService } from '../../server/src/services/device-admin.service.js';
import { IngestService } from '../../server/src/services/ingest.service.js';
import { connectDevice } from '../../simulators/src/devices/mqtt-link.js';
import { countReadings, metric, provisionDevices, publish, type TestDevice } from '../support/devices.js';
import { sql, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

/** The embedded aedes broker (hooked in directly) in front of the real PostgreSQL 15. */
describe('ingest through the embedded broker', () => {
  let database: TestDatabase;
  let platform: TestPlatform;
  let device: TestDevice;
  let other: TestDevice;
  let client: MqttClient;
  const now = Date.now();

  beforeAll(async () => {
    database = await createTestDatabase();
    platform = await startTestPlatform({ DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL });
    [device, other] = await provisionDevices(platform, 2);
    client = await connectDevice(platform.urls.broker, device);
  });
  afterAll(async () => {
    client?.end(true);
    await platform?.close();
    await database?.drop();
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  const readings = (id = device.id) => topicFor(id, 'readings');

  it('stores a QoS 1 sample before acknowledging it, and a re-sent sample only once', async () => {
    const sample = { t: new Date(now - 60_000).toISOString(), m: { hr: 72, spo2: 97 } };
    await publish(client, readings(), sample);
    // The PUBACK came after the commit: the rows are there the moment it arrives.
    expect(await countReadings(platform, device.id)).toBe(2);
    await publish(client, readings(), sample);
    expect(await countReadings(platform, device.id)).toBe(2);
    const rows = await sql(platform, 'SELECT patient_id, metric, value FROM readings WHERE device_id = $1 ORDER BY metric', [device.id]);
    expect(rows).toEqual([
      { patient_id: device.patientId, metric: 'hr', value: 72 },
      { patient_id: device.patientId, metric: 'spo2', value: 97 },
    ]);
  });

  it('stores a backfill of 500 samples whole, and emits only the rows it inserted', async () => {
    const stored: number[] = [];
    const off = platform.app.get(EventBusRepository).on('readings.stored', ({ rows }) => {
      stored.push(rows.filter((row) => row.deviceId === device.id).length);
    });
    try {
      const backfill = Array.from({ length: 500 }, (_, i) => ({ t: now - 3_600_000 + i * 1000, m: { spo2: 90 + (i % 10) } }));
      const before = await countReadings(platform, device.id);
      await publish(client, readings(), backfill);
      expect(await countReadings(platform, device.id)).toBe(before + 500);
      // The same 500 again plus one new sample: one row is new, and only it is announced.
      await publish(client, readings(), [...backfill, { t: now - 10, m: { spo2: 95 } }]);
      expect(await countReadings(platform, device.id)).toBe(before + 501);
      await waitFor(
        () => stored.length,
        (n) => n === 2,
      );
      expect(stored).toEqual([500, 1]);
    } finally {
      off();
    }
  });

  it('stores out-of-order samples and keeps the rollups complete', async () => {
    const minute = Math.floor(now / 60_000) * 60_000 - 10 * 60_000;
    await publish(client, readings(), { t: minute + 30_000, m: { rr: 16 } });
    await publish(client, readings(), { t: minute + 10_000, m: { rr: 14 } }); // earlier, sent later
    await publish(client, readings(), { t: minute + 20_000, m: { rr: 18 } });
    const [bucket] = await sql<{ count: number; min: number; max: number; last: number }>(
      platform,
      `SELECT count::int, min, max, last FROM readings_1m WHERE patient_id = $1 AND metric = 'rr' AND bucket = $2`,
      [device.patientId, new Date(minute)],
    );
    expect(bucket).toEqual({ count: 3, min: 14, max: 18, last: 16 });
  });

  it('acknowledges many concurrent messages from one connection without serialising them', async () => {
    const before = await countReadings(platform, device.id);
    const batchesBefore = await metric(platform.baseUrl, 'vigil_ingest_batch_rows_count');
    await Promise.all(Array.from({ length: 300 }, (_, i) => publish(client, readings(), { t: now - 7_200_000 + i, m: { temp: 37 } })));
    expect(await countReadings(platform, device.id)).toBe(before + 300);
    // Serialised acknowledgements would commit one message at a time: 300 batches.
    const batches = (await metric(platform.baseUrl, 'vigil_ingest_batch_rows_count')) - batchesBefore;
    expect(batches).toBeGreaterThan(0);
    expect(batches).toBeLessThan(150);
  });

  it('stores events once and applies status, retained status and the Last Will', async () => {
    const event = { t: now - 5000, type: 'fall', data: { confidence: 0.93 } };
    await publish(client, topicFor(device.id, 'events'), event);
    await publish(client, topicFor(device.id, 'events'), event);
    expect(await sql(platform, 'SELECT type, data FROM events WHERE device_id = $1', [device.id])).toEqual([{ type: 'fall', data: { confidence: 0.93 } }]);

    const will = { topic: topicFor(other.id, 'status'), payload: Buffer.from('{"online":false}'), qos: 1 as const, retain: true };
    const second = await connectDevice(platform.urls.broker, other, { will });
    await publish(second, topicFor(other.id, 'status'), { online: true, battery: 81, rssi: -67, fw: '2.1.0' }, { retain: true });
    const [online] = await sql(platform, 'SELECT online, battery, rssi, firmware, last_seen IS NOT NULL AS seen FROM devices WHERE id = $1', [other.id]);
    expect(online).toEqual({ online: true, battery: 81, rssi: -67, firmware: '2.1.0', seen: true });
    second.stream.destroy(); // ungraceful: the broker publishes the Last Will
    await waitFor(
      () => sql<{ online: boolean }>(platform, 'SELECT online FROM devices WHERE id = $1', [other.id]),
      ([row]) => !row.online,
    );
    const [offline] = await sql(platform, 'SELECT online, battery FROM devices WHERE id = $1', [other.id]);
    expect(offline).toEqual({ online: false, battery: 81 });
  });

  const invalid: Array<[string, string, unknown]> = [
    ['bad_json', 'readings', '{"t": 1, "m": {'],
    ['bad_shape', 'readings', { m: { hr: 70 } }],
    ['payload_too_large', 'readings', JSON.stringify({ t: now, m: { hr: 70 }, pad: 'x'.repeat(70_000) })],
    ['too_many_samples', 'readings', Array.from({ length: 1001 }, (_, i) => ({ t: now - i, m: { hr: 70 } }))],
    ['unknown_metric', 'readings', { t: now, m: { pulse: 70 } }],
    ['non_numeric_value', 'readings', { t: now, m: { hr: 'fast' } }],
    ['implausible_value', 'readings', { t: now, m: { spo2: 140 } }],
    ['timestamp_in_future', 'readings', { t: now + 3_600_000, m: { hr: 70 } }],
    ['timestamp_too_old', 'readings', { t: now - 800 * 24 * 3_600_000, m: { hr: 70 } }],
    ['bad_shape', 'events', { t: now, type: 'explosion' }],
    ['bad_shape', 'status', { online: 'maybe' }],
  ];
  it.each(invalid)('rejects %s (%s): acknowledged, counted, dead-lettered, and the next message is stored', async (reason, kind, payload) => {
    const counted = await metric(platform.baseUrl, 'vigil_ingest_rejects_total', { reason });
    const before = await countReadings(platform, device.id);
    await publish(client, topicFor(device.id, kind as 'readings'), payload);
    const letters = await sql<{ topic: string; device_id: string; reason: string; detail: string; payload_excerpt: string }>(
      platform,
      `SELECT topic, device_id, reason, detail, payload_excerpt FROM dead_letters WHERE reason = $1 ORDER BY id DESC LIMIT 1`,
      [reason],
    );
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ topic: topicFor(device.id, kind as 'readings'), device_id: device.id });
    expect(letters[0].detail).not.toBe('');
    expect(letters[0].payload_excerpt.length).toBeGreaterThan(0);
    expect(letters[0].payload_excerpt.length).toBeLessThanOrEqual(512);
    expect(await metric(platform.baseUrl, 'vigil_ingest_rejects_total', { reason })).toBe(counted + 1);
    expect(await countReadings(platform, device.id)).toBe(before);
    await publish(client, readings(), { t: now - 1000 - before, m: { hr: 60 } });
    expect(await countReadings(platform, device.id)).toBe(before + 1);
  });

  /** The newest dead letter of the device, once it has more than `before`. */
  const newestLetter = async (before: number, id = device.id) => {
    const letters = await waitFor(
      () => sql<{ reason: string; detail: string }>(platform, 'SELECT reason, detail FROM dead_letters WHERE device_id = $1 ORDER BY id DESC', [id]),
      (rows) => rows.length > before,
    );
    return letters[0];
  };
  const lettersOf = async (id = device.id) => (await sql(platform, 'SELECT id FROM dead_letters WHERE device_id = $1', [id])).length;

  const PAST_JS_DATES = 't: after the last date JavaScript can hold (8640000000000000 ms)';
  const pastTheLastDate: Array<[string, unknown, boolean, string]> = [
    ['epoch 9e15, device looked up', 9e15, false, PAST_JS_DATES],
    ['epoch 9e15, device cached', 9e15, true, PAST_JS_DATES],
    ['epoch 8.64e15 + 1, device cached', 8.64e15 + 1, true, PAST_JS_DATES],
    ['ISO 275760-09-14T00:00:00.001Z, device looked up', '275760-09-14T00:00:00.001Z', false, 't: Invalid ISO datetime'],
  ];
  it.each(pastTheLastDate)('dead-letters a time past the last JavaScript date (%s) as bad_shape; the server stays up', async (_name, t, cached, detail) => {
    if (!cached) platform.app.get(DeviceDirectoryService).forget(device.id);
    const before = await lettersOf();
    const stored = await countReadings(platform, device.id);
    await publish(client, readings(), { t, m: { hr: 70 } });
    expect(await newestLetter(before)).toEqual({ reason: 'bad_shape', detail });
    await publish(client, topicFor(device.id, 'events'), { t, type: 'fall' });
    expect((await newestLetter(before + 1)).reason).toBe('bad_shape');
    await publish(client, readings(), { t: now - 2_000_000 - stored, m: { hr: 61 } });
    expect(await countReadings(platform, device.id)).toBe(stored + 1);
  });

  it('rates the last JavaScript date (8.64e15) as in the future and says when it is', async () => {
    const before = await lettersOf();
    await publish(client, readings(), { t: 8.64e15, m: { hr: 70 } });
    expect(await newestLetter(before)).toEqual({ reason: 'timestamp_in_future', detail: 't=+275760-09-13T00:00:00.000Z' });
  });

  /** A device row whose use throws, as a bug on the way through ingest would. */
  const broken = {
    id: '',
    get revokedAt(): never {
      throw new RangeError('Invalid time value');
    },
  } as unknown as DeviceCredentials;

  it.each([['cached'], ['looked up']])(
    'dead-letters a message the server fails on (%s device) as processing_failed, acknowledges it, and stores the next',
    async (path) => {
      jest.spyOn(platform.app.get(DeviceDirectoryService), 'find').mockReturnValueOnce(path === 'cached' ? broken : Promise.resolve(broken));
      const before = await lettersOf();
      const stored = await countReadings(platform, device.id);
      const counted = await metric(platform.baseUrl, 'vigil_ingest_rejects_total', { reason: 'processing_failed' });
      await publish(client, readings(), { t: now - 3_000_000 - stored, m: { hr: 62 } });
      expect(await newestLetter(before)).toEqual({ reason: 'processing_failed', detail: 'RangeError: Invalid time value' });
      expect(await metric(platform.baseUrl, 'vigil_ingest_rejects_total', { reason: 'processing_failed' })).toBe(counted + 1);
      await publish(client, readings(), { t: now - 3_000_000 - stored, m: { hr: 62 } });
      expect(await countReadings(platform, device.id)).toBe(stored + 1);
    },
  );

  it('closes the connection of a message whose handling throws past ingest, rather than end the process; the device sends it again', async () => {
    const [flaky] = await provisionDevices(platform, 1);
    const flakyClient = await connectDevice(platform.urls.broker, flaky, { reconnectPeriod: 100 });
    try {
      jest.spyOn(platform.app.get(IngestService), 'ingest').mockImplementationOnce(() => {
        throw new Error('a bug before ingest could answer');
      });
      const closed = new Promise<void>((resolve) => flakyClient.once('close', () => resolve()));
      const sent = publish(flakyClient, readings(flaky.id), { t: now - 1000, m: { hr: 63 } });
      await closed;
      await sent; // acknowledged once stored after the reconnect
      expect(await countReadings(platform, flaky.id)).toBe(1);
    } finally {
      flakyClient.end(true);
    }
  });

  it('rejects a device not linked to a patient as device_unlinked', async () => {
    const [loose] = await provisionDevices(platform, 1);
    const looseClient = await connectDevice(platform.urls.broker, loose);
    try {
      await sql(platform, 'UPDATE devices SET patient_id = NULL WHERE id = $1', [loose.id]);
      // Listeners run in the order they were added: once this one has seen the change, the device directory has dropped its entry.
      const bus = platform.app.get(EventBusRepository);
      const handled = new Promise<void>((resolve) => {
        const off = bus.on('device.changed', ({ deviceId }) => {
          if (deviceId !== loose.id) return;
          off();
          resolve();
        });
      });
      bus.emit('device.changed', { deviceId: loose.id, change: 'relinked' });
      await handled;
      await publish(looseClient, readings(loose.id), { t: now, m: { hr: 70 } });
      expect(await countReadings(platform, loose.id)).toBe(0);
      const [letter] = await sql(platform, 'SELECT reason FROM dead_letters WHERE device_id = $1', [loose.id]);
      expect(letter).toEqual({ reason: 'device_unlinked' });
    } finally {
      looseClient.end(true);
    }
  });

  it("refuses device A publishing on device B's topic: connection closed, nothing stored, dead-lettered", async () => {
    const intruder = await connectDevice(platform.urls.broker, device);
    const closed = new Promise<void>((resolve) => intruder.once('close', () => resolve()));
    intruder.publish(readings(other.id), JSON.stringify({ t: now, m: { hr: 99 } }), { qos: 1 });
    await closed;
    intruder.end(true);
    expect(await countReadings(platform, other.id)).toBe(0);
    const [letter] = await waitFor(
      () => sql(platform, `SELECT device_id, topic FROM dead_letters WHERE reason = 'topic_mismatch'`),
      (rows) => rows.length === 1,
    );
    expect(letter).toEqual({ device_id: device.id, topic: readings(other.id) });
  });

  it('lets a device subscribe to its own commands only', async () => {
    const grants = (topics: string[]) =>
      new Promise<number[]>((resolve) =>
        // MQTT.js reports a refused subscription as an error that carries the SUBACK.
        client.subscribe(topics, { qos: 1 }, (error, granted) =>
          resolve(error ? (error as unknown as { packet: { granted: number[] } }).packet.granted : granted!.map((g) => g.qos)),
        ),
      );
    expect(await grants([topicFor(device.id, 'commands')])).toEqual([1]);
    expect(await grants([topicFor(other.id, 'commands'), 'vigil/v1/devices/+/readings', '#'])).toEqual([128, 128, 128]);
  });

  it('refuses unknown devices, wrong secrets and non-device usernames', async () => {
    await expect(connectDevice(platform.urls.broker, { id: '00000000-0000-4000-8000-000000000000', secret: 'x' })).rejects.toThrow(/Not authorized/i);
    await expect(connectDevice(platform.urls.broker, { id: device.id, secret: 'wrong' })).rejects.toThrow(/Not authorized/i);
    await expect(connectDevice(platform.urls.broker, { id: 'admin', secret: 'admin' })).rejects.toThrow(/Not authorized/i);
  });

  it('closes a revoked device at once and refuses it from then on', async () => {
    const [doomed] = await provisionDevices(platform, 1);
    const live = await connectDevice(platform.urls.broker, doomed);
    await publish(live, readings(doomed.id), { t: now, m: { hr: 70 } });
    const closed = new Promise<void>((resolve) => live.once('close', () => resolve()));
    await sql(platform, 'UPDATE devices SET revoked_at = now() WHERE id = $1', [doomed.id]);
    platform.app.get(EventBusRepository).emit('device.changed', { deviceId: doomed.id, change: 'revoked' });
    await closed;
    live.end(true);
    await expect(connectDevice(platform.urls.broker, doomed)).rejects.toThrow(/Not authorized/i);
  });

  it('takes a device id in upper case as the same device: its connections close when revoked by the id in either case', async () => {
    const [doomed] = await provisionDevices(platform, 1);
    const upper = { ...doomed, id: doomed.id.toUpperCase() };
    const asTyped = await connectDevice(platform.urls.broker, upper);
    const asStored = await connectDevice(platform.urls.broker, doomed);
    try {
      await publish(asTyped, readings(upper.id), { t: now - 5000, m: { hr: 68 } });
      await publish(asTyped, readings(doomed.id), { t: now - 4000, m: { hr: 69 } });
      expect(await sql(platform, 'SELECT count(*)::int AS n FROM readings WHERE device_id = $1', [doomed.id])).toEqual([{ n: 2 }]);
      const closed = (client: MqttClient) => new Promise<void>((resolve) => client.once('close', () => resolve()));
      const bothClosed = Promise.all([closed(asTyped), closed(asStored)]);
      await platform.app.get(DeviceAdminService).revokeDevice(CLI_ACTOR, upper.id); // as an admin may type it in the path
      await Promise.race([bothClosed, new Promise((_, reject) => setTimeout(() => reject(new Error('still connected 2 s after the revocation')), 2000))]);
      // Refused at once: the cached credentials were dropped, not left to expire.
      await expect(connectDevice(platform.urls.broker, doomed)).rejects.toThrow(/Not authorized/i);
      await expect(connectDevice(platform.urls.broker, upper)).rejects.toThrow(/Not authorized/i);
    } finally {
      asTyped.end(true);
      asStored.end(true);
    }
  });

  it('reports ingest metrics', async () => {
    expect(await metric(platform.baseUrl, 'vigil_ingest_points_total')).toBeGreaterThan(800);
    expect(await metric(platform.baseUrl, 'vigil_ingest_messages_total', { kind: 'readings' })).toBeGreaterThan(10);
    expect(await metric(platform.baseUrl, 'vigil_ingest_dead_letters_total')).toBeGreaterThanOrEqual(12);
    expect(await metric(platform.baseUrl, 'vigil_ingest_commit_seconds_count')).toBeGreaterThan(5);
    expect(await metric(platform.baseUrl, 'vigil_ingest_batch_rows_count')).toBeGreaterThan(5);
    expect(await metric(platform.baseUrl, 'vigil_ingest_in_flight_messages')).toBe(0);
  });
});
