import { describe, expect, it } from '@jest/globals';
import { alignDown, chooseResolution, HOUR_MS, MINUTE_MS } from './history-resolution.js';

/** Number of origin-aligned buckets of `width` that [from, to) touches. */
const bucketsTouched = (from: number, to: number, width: number) => Math.floor((to - 1) / width) - Math.floor(from / width) + 1;

describe('chooseResolution', () => {
  const t0 = Date.UTC(2026, 10, 29, 10, 0, 0);

  it.each([
    ['10 minutes in 1000 points', 10 * MINUTE_MS, 1000, 'raw'],
    ['1 hour in 100 points', HOUR_MS, 100, 'raw'],
    ['1 day in 1000 points', 24 * HOUR_MS, 1000, '1m'],
    ['1 day in 24 points', 24 * HOUR_MS, 24, '1h'],
    ['30 days in 500 points', 30 * 24 * HOUR_MS, 500, '1h'],
    ['2 years in 2000 points', 730 * 24 * HOUR_MS, 2000, '1h'],
  ] as const)('%s reads %s', (_, span, maxPoints, source) => {
    expect(chooseResolution(t0, t0 + span, maxPoints).source).toBe(source);
  });

  it.each([
    [7, 2],
    [13 * MINUTE_MS + 17, 2],
    [HOUR_MS, 61],
    [24 * HOUR_MS - 1, 1000],
    [3 * 24 * HOUR_MS, 500],
    [365 * 24 * HOUR_MS, 365],
  ])('never returns more than maxPoints buckets (span %d ms, %d points), however the range is aligned', (span, maxPoints) => {
    const { bucketMs } = chooseResolution(t0, t0 + span, maxPoints);
    for (const offset of [0, 1, 999, 29_999, 59_999, 1_234_567]) {
      expect(bucketsTouched(t0 + offset, t0 + offset + span, bucketMs)).toBeLessThanOrEqual(maxPoints);
    }
  });

  it('rounds rollup widths to whole minutes and hours', () => {
    expect(chooseResolution(t0, t0 + 24 * HOUR_MS, 1000).bucketMs % MINUTE_MS).toBe(0);
    expect(chooseResolution(t0, t0 + 90 * 24 * HOUR_MS, 1000).bucketMs % HOUR_MS).toBe(0);
  });

  it.each([
    [t0, t0, 10, 'end after it starts'],
    [t0, t0 + 1000, 1, 'from 2 to'],
    [t0, t0 + 1000, 10_001, 'from 2 to'],
    [t0, t0 + 1000, 2.5, 'from 2 to'],
  ])('rejects a bad query (%d..%d, %d points)', (from, to, maxPoints, message) => {
    expect(() => chooseResolution(from, to, maxPoints)).toThrow(message);
  });
});

describe('alignDown', () => {
  it('aligns to the start of the rollup bucket', () => {
    const t = Date.UTC(2026, 10, 29, 10, 17, 42, 123);
    expect(alignDown(t, '1m')).toBe(Date.UTC(2026, 10, 29, 10, 17));
    expect(alignDown(t, '1h')).toBe(Date.UTC(2026, 10, 29, 10));
    expect(alignDown(t, 'raw')).toBe(t);
  });
});
