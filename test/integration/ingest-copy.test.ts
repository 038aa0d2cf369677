import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BatchWork, ReadingRow } from '../../server/src/domain/ingest-batch.js';
import { topicFor } from '../../server/src/domain/protocol.js';
import { EventBusRepository } from '../../server/src/repositories/event-bus.repository.js';
import { ReadingRepository } from '../../server/src/repositories/reading.repository.js';
import { IngestWriterService } from '../../server/src/services/ingest-writer.service.js';
import { connectDevice } from '../../simulators/src/devices/mqtt-link.js';
import { countReadings, metric, provisionDevices, publish, type TestDevice } from '../support/devices.js';
import { sql, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { type MigratedDatabase, migratedDatabase } from '../support/storage.js';
import { waitFor } from '../support/wait.js';

/** The optimistic COPY write path on the real PostgreSQL 15 (plain dialect, app-kept rollups). */

const PATIENT = '00000000-0000-4000-8000-000000000001';
const OTHER_PATIENT = '00000000-0000-4000-8000-000000000002';
const DEVICES = ['00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a2', '00000000-0000-4000-8000-0000000000b1'];
// Odd milliseconds on purpose: both paths must turn a time into the same key.
const T0 = Date.UTC(2026, 10, 20, 0, 0, 0) + 123;

/** `count` samples of hr and spo2 per device, `stepMs` apart, from T0 + offset. */
function samples(count: number, offset = 0, stepMs = 7_001): ReadingRow[] {
  const rows: ReadingRow[] = [];
  for (let i = 0; i < count; i++) {
    const t = T0 + offset + i * stepMs;
    DEVICES.forEach((deviceId, d) => {
      const patientId = d === 2 ? OTHER_PATIENT : PATIENT;
      rows.push({ time: new Date(t), patientId, deviceId, metric: 'hr', value: 60 + ((i * 7 + d) % 50) + 0.25 });
      rows.push({ time: new Date(t), patientId, deviceId, metric: 'spo2', value: 90 + ((i + d) % 10) });
    });
  }
  return rows;
}

const keys = (rows: ReadingRow[]) => rows.map((r) => `${r.deviceId}|${r.metric}|${r.time.getTime()}`).sort();

describe('ReadingRepository.insertNewByCopy on PostgreSQL', () => {
  let m: MigratedDatabase;
  let readings: ReadingRepository;
  const byCopy = async (rows: ReadingRow[]) => {
    const { inserted, path } = await readings.insertNewByCopy(rows, () => Promise.resolve());
    return { inserted, path };
  };
  const count = async () => (await m.db.query<{ n: number }>('SELECT count(*) AS n FROM readings')).rows[0].n;

  beforeAll(async () => {
    m = await migratedDatabase('postgresql');
    readings = new ReadingRepository(m.db);
  });
  afterAll(async () => {
    await m?.close();
  });

  it('stores a new batch by COPY and returns exactly its rows', async () => {
    const rows = samples(100);
    const { inserted, path } = await byCopy(rows);
    expect(path).toBe('copy');
    expect(inserted).toEqual(rows);
    expect(await count()).toBe(rows.length);
    const [stored] = (
      await m.db.query(`SELECT time, patient_id, device_id, metric, value FROM readings WHERE device_id = $1 AND metric = 'hr' ORDER BY time LIMIT 1`, [
        DEVICES[0],
      ])
    ).rows;
    expect(stored).toEqual({ time: new Date(T0), patient_id: PATIENT, device_id: DEVICES[0], metric: 'hr', value: 60.25 });
  });

  it('keeps the COPY in the batch’s transaction: when the rest of the batch fails, the copied rows go with it', async () => {
    const before = await count();
    const failure = new Error('the rest of the batch failed');
    await expect(readings.insertNewByCopy(samples(10, 300 * 7_001), () => Promise.reject(failure))).rejects.toBe(failure);
    expect(await count()).toBe(before);
  });

  it('falls back for a batch holding a stored row: only the new rows are stored and returned', async () => {
    const before = await count();
    const fresh = samples(20, 100 * 7_001);
    const batch = [...samples(3, 50 * 7_001), ...fresh]; // 3 samples stored by the test above
    const { inserted, path } = await byCopy(batch);
    expect(path).toBe('fallback');
    expect(keys(inserted)).toEqual(keys(fresh));
    expect(await count()).toBe(before + fresh.length);
  });

  it('sees a row stored by either path as a duplicate on the other (same key for the same time)', async () => {
    const [a, b] = samples(2, 10_000_000_000);
    expect(await readings.insertNew([a])).toHaveLength(1);
    expect(await byCopy([a, b])).toEqual({ inserted: [b], path: 'fallback' });
    const [c] = samples(1, 20_000_000_000);
    expect((await byCopy([c])).path).toBe('copy');
    expect(await readings.insertNew([c])).toEqual([]);
  });

  it('falls back cleanly when COPY fails on its first row while the batch is still being sent', async () => {
    for (let round = 0; round < 3; round++) {
      const before = await count();
      const big = samples(5_000, 30_000_000_000 + round * 100_000_000, 11); // 30,000 rows, ~2 MB of COPY data
      expect(await readings.insertNew(big.slice(0, 1))).toHaveLength(1);
      const { inserted, path } = await byCopy(big);
      expect(path).toBe('fallback');
      expect(inserted).toHaveLength(big.length - 1);
      expect(await count()).toBe(before + big.length);
    }
  });

  it('keeps the rollups exactly as the INSERT path does, whichever path each batch took', async () => {
    const other = await migratedDatabase('postgresql');
    try {
      const viaInsert = new ReadingRepository(other.db);
      await m.db.query('TRUNCATE readings, readings_1m_rollup, readings_1h_rollup');
      // Two days of batches, newest first, then a batch sent again and one half old, half new.
      const rows = samples(3_000, 0, 57_123);
      const batches: ReadingRow[][] = [];
      for (let i = 0; i < rows.length; i += 1_200) batches.push(rows.slice(i, i + 1_200));
      batches.reverse();
      batches.push(batches[2], [...batches[0].slice(600), ...samples(200, 3_000 * 57_123, 57_123)]);
      const paths: string[] = [];
      for (const batch of batches) {
        paths.push((await byCopy(batch)).path);
        await viaInsert.insertNew(batch);
      }
      expect(paths.filter((p) => p === 'copy')).toHaveLength(batches.length - 2);
      expect(paths.slice(-2)).toEqual(['fallback', 'fallback']);
      for (const table of ['readings_1m_rollup', 'readings_1h_rollup']) {
        const query = `SELECT bucket, patient_id, metric, min, max, sum, count, last, last_time FROM ${table} ORDER BY patient_id, metric, bucket`;
        const [copied, inserted] = await Promise.all([m.db.query(query), other.db.query(query)]);
        expect(copied.rows.length).toBeGreaterThan(100);
        expect(copied.rows.map(({ sum: _sum, ...rest }) => rest)).toEqual(inserted.rows.map(({ sum: _sum, ...rest }) => rest));
        copied.rows.forEach((row, i) => expect(row.sum).toBeCloseTo(inserted.rows[i].sum, 6));
      }
    } finally {
      await other.close();
    }
  });
});

describe('the ingest writer on PostgreSQL: COPY, fallback and what it announces', () => {
  let database: TestDatabase;
  let platform: TestPlatform;
  let writer: IngestWriterService;
  let device: TestDevice;
  const stored: ReadingRow[][] = [];
  let off: () => void;
  const paths = async () => ({
    copy: await metric(platform.baseUrl, 'vigil_ingest_write_batches_total', { path: 'copy' }),
    fallback: await metric(platform.baseUrl, 'vigil_ingest_write_batches_total', { path: 'fallback' }),
    insert: await metric(platform.baseUrl, 'vigil_ingest_write_batches_total', { path: 'insert' }),
  });
  const reading = (t: number, value: number, metricName = 'hr'): ReadingRow => ({
    time: new Date(t),
    patientId: device.patientId,
    deviceId: device.id,
    metric: metricName,
    value,
  });
  /** Submits the works in one tick (so one batch) and waits until each is acknowledged. */
  const submitTogether = (works: BatchWork[]) =>
    Promise.all(works.map((work) => new Promise<void>((resolve, reject) => writer.submit(work, (error) => (error ? reject(error) : resolve())))));
  /** The readings.stored payloads for this test's device, once `n` have arrived. */
  const announced = async (n: number) => {
    await waitFor(
      () => stored.length,
      (count) => count >= n,
      10_000,
      `${n} readings.stored announcement(s)`,
    );
    return stored.splice(0).map((rows) => keys(rows));
  };
  // All in one hour bucket, an hour ago.
  const now = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000 + 60_000;

  beforeAll(async () => {
    database = await createTestDatabase();
    platform = await startTestPlatform({ DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL });
    writer = platform.app.get(IngestWriterService);
    [device] = await provisionDevices(platform, 1);
    off = platform.app.get(EventBusRepository).on('readings.stored', ({ rows }) => {
      const mine = rows.filter((row) => row.deviceId === device.id);
      if (mine.length) stored.push(mine);
    });
  });
  afterAll(async () => {
    off?.();
    await platform?.close();
    await database?.drop();
  });

  it('writes a batch of new readings by COPY and announces exactly its rows', async () => {
    const before = await paths();
    const first = [reading(now, 70), reading(now, 97, 'spo2')];
    const second = [reading(now + 1000, 71)];
    await submitTogether([{ readings: first }, { readings: second }]);
    expect(await countReadings(platform, device.id)).toBe(3);
    expect(await announced(1)).toEqual([keys([...first, ...second])]);
    expect(await paths()).toEqual({ ...before, copy: before.copy + 1 });
  });

  it('falls back for a batch with a stored reading: stores and announces only the new rows, and the rest of the batch once', async () => {
    const before = await paths();
    const duplicatesBefore = await metric(platform.baseUrl, 'vigil_ingest_duplicate_points_total');
    const fresh = reading(now + 2000, 72);
    await submitTogether([
      { readings: [reading(now, 70), fresh] },
      { event: { time: new Date(now), patientId: device.patientId, deviceId: device.id, type: 'fall', data: { confidence: 0.9 } } },
      {
        deadLetters: [
          { receivedAt: new Date(), topic: 'copy-test', deviceId: device.id, reason: 'bad_json', detail: 'test', payloadExcerpt: Buffer.from('{') },
        ],
      },
    ]);
    expect(await countReadings(platform, device.id)).toBe(4);
    expect(await announced(1)).toEqual([keys([fresh])]);
    expect(await paths()).toEqual({ ...before, fallback: before.fallback + 1 });
    expect(await metric(platform.baseUrl, 'vigil_ingest_duplicate_points_total')).toBe(duplicatesBefore + 1);
    expect(await sql(platform, 'SELECT count(*)::int AS n FROM events WHERE device_id = $1', [device.id])).toEqual([{ n: 1 }]);
    expect(await sql(platform, `SELECT count(*)::int AS n FROM dead_letters WHERE topic = 'copy-test'`)).toEqual([{ n: 1 }]);
  });

  it('stores a sample sent twice in one batch once, still by COPY', async () => {
    const before = await paths();
    const sample = reading(now + 3000, 73);
    await submitTogether([{ readings: [sample] }, { readings: [{ ...sample, value: 99 }] }]);
    expect(await sql(platform, 'SELECT value FROM readings WHERE device_id = $1 AND time = $2', [device.id, sample.time])).toEqual([{ value: 73 }]);
    expect(await announced(1)).toEqual([keys([sample])]);
    expect(await paths()).toEqual({ ...before, copy: before.copy + 1 });
  });

  it('stores and announces the new rows of a fallback batch sent under the device id in upper case', async () => {
    const upper = { id: device.id.toUpperCase(), secret: device.secret };
    const client = await connectDevice(platform.urls.broker, upper);
    try {
      const before = await paths();
      // The first SpO2 reading was stored by the first test: COPY meets it, the batch falls back.
      await publish(client, topicFor(upper.id, 'readings'), [
        { t: now, m: { spo2: 97 } },
        { t: now + 4000, m: { spo2: 96 } },
      ]);
      expect(await announced(1)).toEqual([keys([reading(now + 4000, 96, 'spo2')])]);
      expect(await paths()).toEqual({ ...before, fallback: before.fallback + 1 });
      expect(
        await sql(platform, `SELECT value FROM readings WHERE device_id = $1 AND metric = 'spo2' AND time = $2`, [device.id, new Date(now + 4000)]),
      ).toEqual([{ value: 96 }]);
    } finally {
      client.end(true);
    }
  });

  it('adds what COPY stored to the rollups', async () => {
    const [bucket] = await sql<{ count: number; min: number; max: number; last: number }>(
      platform,
      `SELECT count::int, min, max, last FROM readings_1h WHERE patient_id = $1 AND metric = 'hr' AND bucket = date_bin('1 hour', $2::timestamptz, '2000-01-01')`,
      [device.patientId, new Date(now)],
    );
    const [raw] = await sql<{ count: number; min: number; max: number }>(
      platform,
      `SELECT count(*)::int, min(value), max(value) FROM readings WHERE patient_id = $1 AND metric = 'hr' AND date_bin('1 hour', time, '2000-01-01') = date_bin('1 hour', $2::timestamptz, '2000-01-01')`,
      [device.patientId, new Date(now)],
    );
    expect(bucket).toMatchObject(raw);
    expect(bucket.count).toBe(4);
  });
});
