import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HistoryService, type History } from '../../server/src/services/history.service.js';
import { ReadingRepository, type ReadingRow } from '../../server/src/repositories/reading.repository.js';
import { AuditRepository } from '../../server/src/repositories/audit.repository.js';
import { ClockRepository } from '../../server/src/repositories/clock.repository.js';
import { DeviceEventRepository } from '../../server/src/repositories/device-event.repository.js';
import { PatientRepository } from '../../server/src/repositories/patient.repository.js';
import { TeamRepository } from '../../server/src/repositories/team.repository.js';
import { AccessService } from '../../server/src/services/access.service.js';
import { AuditService } from '../../server/src/services/audit.service.js';
import { type MigratedDatabase, migratedDatabase } from '../support/storage.js';

/** The service as the server wires it, on this database. */
function historyService(m: MigratedDatabase): HistoryService {
  const access = new AccessService(new PatientRepository(m.db), new TeamRepository(m.db));
  return new HistoryService(
    new ReadingRepository(m.db),
    new DeviceEventRepository(m.db),
    access,
    new AuditService(new AuditRepository(m.db), access),
    new ClockRepository(),
  );
}

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
      const history = historyService(m);
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
      expect([p.min, p.max, p.count]).toEqual([q.min, q.max, q.count]);
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
        for (const point of history.points) {
          expect(point.min).toBeGreaterThanOrEqual(low);
          expect(point.max).toBeLessThanOrEqual(high);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});

describe('history over 30 days of a 1 Hz metric: a single low second shows in its bucket, on both dialects', () => {
  const DAY = 24 * HOUR;
  const START = Date.UTC(2026, 9, 1);
  const DIP = START + 20 * DAY + 13 * HOUR + 17 * 60_000 + 42_000; // one second at 80 %
  const SPIKE = START + 21 * DAY + 2 * HOUR + 5_000; // one second at 100 %
  /** SpO2 97 % every second on the day of the dip and spike, one sample every 5 minutes on the other 29 days. */
  function spo2Rows(): ReadingRow[] {
    const rows: ReadingRow[] = [];
    const dense = [START + 20 * DAY + 12 * HOUR, START + 21 * DAY + 12 * HOUR];
    for (let t = START; t < START + 30 * DAY; t += t >= dense[0] && t < dense[1] ? 1000 : 300_000) {
      const value = t === DIP ? 80 : t === SPIKE ? 100 : 97;
      rows.push({ time: new Date(t), patientId: PATIENT, deviceId: OXIMETER, metric: 'spo2', value });
    }
    return rows;
  }
  const rows = spo2Rows();
  const answers: Partial<Record<'postgresql' | 'timescaledb', Record<number, History>>> = {};
  const stores: MigratedDatabase[] = [];

  beforeAll(async () => {
    for (const dialect of ['postgresql', 'timescaledb'] as const) {
      const m = await migratedDatabase(dialect);
      stores.push(m);
      const readings = new ReadingRepository(m.db);
      for (let i = 0; i < rows.length; i += 5000) await readings.insertNew(rows.slice(i, i + 5000));
      const history = historyService(m);
      answers[dialect] = {};
      for (const points of [1000, 100]) {
        answers[dialect][points] = await history.series({
          patientId: PATIENT,
          metric: 'spo2',
          from: new Date(START),
          to: new Date(START + 30 * DAY),
          maxPoints: points,
        });
      }
    }
  }, 300_000);
  afterAll(async () => {
    await Promise.all(stores.map((m) => m.close()));
  });

  it.each([1000, 100])('%d points: at most that many, the dip and the spike in their buckets, the same on both dialects', (points) => {
    for (const dialect of ['postgresql', 'timescaledb'] as const) {
      const { points: got, bucketMs } = answers[dialect]![points];
      expect(got.length).toBeLessThanOrEqual(points);
      expect(got.length).toBeGreaterThan(points / 2);
      const holding = (t: number) => got.filter((p) => +p.t <= t && t < +p.t + bucketMs);
      expect(holding(DIP).map((p) => [p.min, p.max])).toEqual([[80, 97]]);
      expect(holding(SPIKE).map((p) => [p.min, p.max])).toEqual([[97, 100]]);
      expect(got.filter((p) => p.min !== 97 || p.max !== 97)).toHaveLength(2);
      expect(got.reduce((n, p) => n + Number(p.count), 0)).toBe(rows.length);
    }
    const [pg, ts] = [answers.postgresql![points], answers.timescaledb![points]];
    expect(ts.points.map((p) => [+p.t, p.min, p.max, Number(p.count)])).toEqual(pg.points.map((p) => [+p.t, p.min, p.max, Number(p.count)]));
  });
});
