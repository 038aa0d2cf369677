import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HistoryService, type History } from '../../server/src/services/history.service.js';
import { ReadingRepository, type ReadingRow } from '../../server/src/repositories/reading.repository.js';
import { type MigratedDatabase, migratedDatabase } from '../support/storage.js';

const PATIENT = '00000000-0000-4000-8000-000000000001';
const OTHER_PATIENT = '00000000-0000-4000-8000-000000000002';
const OXIMETER = '00000000-0000-4000-8000-0000000000a1';
const WEARABLE = '00000000-0000-4000-8000-0000000000a2';
const T0 = Date.UTC(2026, 10, 20, 0, 0, 0);
const HOUR = 3_600_000;

/** Two days of pulse from two devices: a sample every 20 s, jittered, with a daily rhythm. */
function dataset(): ReadingRow[] {
  const rows: ReadingRow[] = [];
  for (let i = 0; i < (48 * HOUR) / 20_000; i++) {
    const t = T0 + i * 20_000 + ((i * 7919) % 5000);
    const value = 70 + 10 * Math.sin((2 * Math.PI * (t - T0)) / (24 * HOUR)) + ((i * 31) % 7);
    rows.push({ time: new Date(t), patientId: PATIENT, deviceId: i % 3 ? OXIMETER : WEARABLE, metric: 'hr', value });
    if (i % 10 === 0) rows.push({ time: new Date(t), patientId: PATIENT, deviceId: OXIMETER, metric: 'spo2', value: 95 + (i % 4) });
  }
  rows.push({ time: new Date(T0 + HOUR), patientId: OTHER_PATIENT, deviceId: '00000000-0000-4000-8000-0000000000b1', metric: 'hr', value: 150 });
  return rows;
}

const QUERIES: Array<[string, number, number, number]> = [
  ['raw, fits', T0 + HOUR, T0 + HOUR + 10 * 60_000, 100],
  ['raw, bucketed', T0 + HOUR, T0 + HOUR + 10 * 60_000, 15],
  ['1-minute rollup', T0 + 90_000, T0 + 20 * HOUR + 17_000, 300],
  ['1-hour rollup', T0, T0 + 48 * HOUR, 20],
  ['1-hour rollup, unaligned', T0 + 1234, T0 + 47 * HOUR + 999, 7],
];

describe('history query: the same answers on both dialects', () => {
  const stores: Partial<Record<'postgresql' | 'timescaledb', MigratedDatabase>> = {};
  const answers: Record<string, Partial<Record<'postgresql' | 'timescaledb', History>>> = {};
  const rows = dataset();

  beforeAll(async () => {
    for (const dialect of ['postgresql', 'timescaledb'] as const) {
      const m = (stores[dialect] = await migratedDatabase(dialect));
      const readings = new ReadingRepository(m.db);
      // In batches, newest first, with a re-sent batch: out of order and duplicated on purpose.
      const batches: ReadingRow[][] = [];
      for (let i = 0; i < rows.length; i += 1000) batches.push(rows.slice(i, i + 1000));
      for (const batch of batches.reverse()) await readings.insertNew(batch);
      expect(await readings.insertNew(batches[0])).toHaveLength(0);
      const history = new HistoryService(readings);
      for (const [name, from, to, maxPoints] of QUERIES) {
        (answers[name] ??= {})[dialect] = await history.series({
          patientId: PATIENT,
          metric: 'hr',
          from: new Date(from),
          to: new Date(to),
          maxPoints,
        });
      }
    }
  });
  afterAll(async () => {
    await Promise.all(Object.values(stores).map((m) => m.close()));
  });

  it('stores each (device, metric, time) once', async () => {
    for (const m of Object.values(stores)) {
      const { rows: counted } = await m.db.query<{ n: number }>('SELECT count(*) AS n FROM readings');
      expect(counted[0].n).toBe(rows.length);
    }
  });

  it.each(QUERIES)('%s: never more than maxPoints, and identical buckets on both dialects', (name, from, to, maxPoints) => {
    const { postgresql, timescaledb } = answers[name];
    expect(postgresql!.points.length).toBeGreaterThan(1);
    expect(postgresql!.points.length).toBeLessThanOrEqual(maxPoints);
    expect(timescaledb!.source).toBe(postgresql!.source);
    expect(timescaledb!.bucketMs).toBe(postgresql!.bucketMs);
    expect(timescaledb!.points.map((p) => p.t.getTime())).toEqual(postgresql!.points.map((p) => p.t.getTime()));
    timescaledb!.points.forEach((p, i) => {
      const q = postgresql!.points[i];
      expect([p.min, p.max, p.count, p.last]).toEqual([q.min, q.max, q.count, q.last]);
      expect(p.avg).toBeCloseTo(q.avg, 9);
    });
  });

  it('picks raw, 1-minute and 1-hour sources as the range grows', () => {
    expect(answers['raw, fits'].postgresql!.source).toBe('raw');
    expect(answers['raw, fits'].postgresql!.bucketMs).toBe(0);
    expect(answers['raw, bucketed'].postgresql!.source).toBe('raw');
    expect(answers['raw, bucketed'].postgresql!.bucketMs).toBeGreaterThan(0);
    expect(answers['1-minute rollup'].postgresql!.source).toBe('1m');
    expect(answers['1-hour rollup'].postgresql!.source).toBe('1h');
  });

  it('aggregates correctly: buckets agree with the raw samples they cover', () => {
    const { points, bucketMs } = answers['1-hour rollup'].timescaledb!;
    const from = T0;
    const to = T0 + 48 * HOUR;
    const samples = rows.filter((r) => r.patientId === PATIENT && r.metric === 'hr' && +r.time >= from && +r.time < to);
    for (const point of points) {
      const inBucket = samples.filter((r) => +r.time >= +point.t && +r.time < +point.t + bucketMs);
      const values = inBucket.map((r) => r.value);
      expect(point.count).toBe(values.length);
      expect(point.min).toBe(Math.min(...values));
      expect(point.max).toBe(Math.max(...values));
      expect(point.avg).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 9);
      const latest = inBucket.reduce((a, b) => (+b.time > +a.time ? b : a));
      expect(point.last).toBe(latest.value);
    }
    expect(points.reduce((n, p) => n + p.count, 0)).toBe(samples.length);
  });

  it('never mixes in another patient or metric', () => {
    const own = rows.filter((r) => r.patientId === PATIENT && r.metric === 'hr').map((r) => r.value);
    const [low, high] = [Math.min(...own), Math.max(...own)];
    // The data set is built so that every value of another series lies outside this pulse's range.
    const others = rows.filter((r) => r.patientId !== PATIENT || r.metric !== 'hr').map((r) => r.value);
    expect(others.length).toBeGreaterThan(0);
    expect(others.filter((v) => v >= low && v <= high)).toEqual([]);
    let checked = 0;
    for (const answer of Object.values(answers)) {
      for (const history of Object.values(answer)) {
        for (const point of history!.points) {
          expect(point.min).toBeGreaterThanOrEqual(low);
          expect(point.max).toBeLessThanOrEqual(high);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});
