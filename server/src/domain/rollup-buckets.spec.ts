import { describe, expect, it } from '@jest/globals';
import { rollupBuckets } from './rollup-buckets.js';

const P = '0b5c7d8e-1111-4222-8333-944455556666';
const row = (iso: string, metric: string, value: number, deviceId = 'd1') => ({ time: new Date(iso), patientId: P, deviceId, metric, value });

describe('rollupBuckets', () => {
  it('sums a batch per patient, metric and minute: min, max, sum, count and the latest value', () => {
    const rows = [
      row('2026-12-02T10:00:59.999Z', 'hr', 80),
      row('2026-12-02T10:00:00.000Z', 'hr', 70),
      row('2026-12-02T10:00:30.000Z', 'hr', 90, 'd2'), // another device of the same patient
      row('2026-12-02T10:01:00.000Z', 'hr', 60),
      row('2026-12-02T10:00:10.000Z', 'spo2', 95),
    ];
    expect(rollupBuckets(rows, 60_000)).toEqual([
      {
        bucket: Date.parse('2026-12-02T10:00:00Z'),
        patientId: P,
        metric: 'hr',
        min: 70,
        max: 90,
        sum: 240,
        count: 3,
        last: 80,
        lastTime: Date.parse('2026-12-02T10:00:59.999Z'),
      },
      {
        bucket: Date.parse('2026-12-02T10:01:00Z'),
        patientId: P,
        metric: 'hr',
        min: 60,
        max: 60,
        sum: 60,
        count: 1,
        last: 60,
        lastTime: Date.parse('2026-12-02T10:01:00Z'),
      },
      {
        bucket: Date.parse('2026-12-02T10:00:00Z'),
        patientId: P,
        metric: 'spo2',
        min: 95,
        max: 95,
        sum: 95,
        count: 1,
        last: 95,
        lastTime: Date.parse('2026-12-02T10:00:10Z'),
      },
    ]);
  });

  it('starts hour buckets on the hour, before 1970 too', () => {
    const rows = [row('2026-12-02T10:59:59.000Z', 'hr', 1), row('2026-12-02T11:00:00.000Z', 'hr', 2), row('1969-12-31T23:30:00.000Z', 'hr', 3)];
    expect(rollupBuckets(rows, 3_600_000).map((b) => new Date(b.bucket).toISOString())).toEqual([
      '2026-12-02T10:00:00.000Z',
      '2026-12-02T11:00:00.000Z',
      '1969-12-31T23:00:00.000Z',
    ]);
  });

  it('keeps the larger of two values at the same latest time, whichever comes first', () => {
    const at = '2026-12-02T10:00:30.000Z';
    expect(rollupBuckets([row(at, 'hr', 70, 'd1'), row(at, 'hr', 90, 'd2')], 60_000)[0].last).toBe(90);
    expect(rollupBuckets([row(at, 'hr', 90, 'd2'), row(at, 'hr', 70, 'd1')], 60_000)[0].last).toBe(90);
  });
});
