import { describe, expect, it } from '@jest/globals';
import { hash32, mulberry32, rngFor, smoothNoise, truncatedNormal, uniformAt } from './random.js';

describe('seeded randomness', () => {
  it('repeats a sequence for a seed and differs between seeds', () => {
    const take = (seed: number) => Array.from({ length: 5 }, mulberry32(seed));
    expect(take(42)).toEqual(take(42));
    expect(take(42)).not.toEqual(take(43));
  });

  it('spreads uniformly over [0, 1)', () => {
    const rng = rngFor(1, 'uniform');
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) buckets[Math.floor(rng() * 10)]++;
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });

  it('hashes keys by every part and every bit of large numbers', () => {
    expect(hash32('ab', 'c')).not.toBe(hash32('a', 'bc'));
    const t = Date.parse('2026-11-30T00:00:00Z');
    expect(hash32(t)).not.toBe(hash32(t + 2 ** 32));
    expect(uniformAt(1, 'x', t)).toBe(uniformAt(1, 'x', t));
  });

  it('keeps truncated normals within mean ± limit·sd with the right spread', () => {
    const rng = rngFor(7);
    const values = Array.from({ length: 20_000 }, () => truncatedNormal(rng, 10, 2, 2));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(6);
    expect(Math.max(...values)).toBeLessThanOrEqual(14);
    const mean = values.reduce((a, b) => a + b) / values.length;
    expect(mean).toBeCloseTo(10, 1);
  });

  it('makes smooth noise: bounded, continuous, and equal to the lattice values at lattice points', () => {
    const period = 1000;
    for (let t = 0; t < 10_000; t += 37) {
      const v = smoothNoise(period, t, 'k');
      expect(Math.abs(v)).toBeLessThanOrEqual(1);
      expect(Math.abs(smoothNoise(period, t + 1, 'k') - v)).toBeLessThan(0.01);
    }
    expect(smoothNoise(period, 3000, 'k')).toBeCloseTo(uniformAt('k', 3) * 2 - 1, 10);
  });
});
