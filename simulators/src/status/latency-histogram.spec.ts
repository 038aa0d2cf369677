import { describe, expect, it } from '@jest/globals';
import { LatencyHistogram } from './latency-histogram.js';

describe('LatencyHistogram', () => {
  it('is all zero when empty', () => {
    const h = new LatencyHistogram();
    expect([h.count, h.max, h.percentile(50), h.percentile(99)]).toEqual([0, 0, 0, 0]);
  });

  it.each([
    [50, 50],
    [90, 90],
    [99, 99],
    [100, 100],
  ])('p%i of 1..100 ms is %i ms within 1 %%', (p, expected) => {
    const h = new LatencyHistogram();
    for (let ms = 1; ms <= 100; ms++) h.record(ms);
    expect(h.percentile(p)).toBeGreaterThanOrEqual(expected);
    expect(h.percentile(p)).toBeLessThanOrEqual(expected * 1.01);
  });

  it('counts every sample and keeps the exact maximum, also beyond its range', () => {
    const h = new LatencyHistogram();
    [0, 0.001, 3, 7, 1_000_000].forEach((ms) => h.record(ms));
    expect(h.count).toBe(5);
    expect(h.max).toBe(1_000_000);
    expect(h.percentile(20)).toBeLessThanOrEqual(0.01);
  });

  it('puts a tail sample in p99 of a skewed distribution', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 98; i++) h.record(5);
    h.record(400);
    h.record(800);
    expect(h.percentile(50)).toBeLessThanOrEqual(5.05);
    expect(h.percentile(99)).toBeGreaterThanOrEqual(400);
    expect(h.percentile(99)).toBeLessThanOrEqual(404);
  });
});
