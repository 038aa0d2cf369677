import { describe, expect, it } from '@jest/globals';
import { rngFor } from '../random.js';
import { Backoff } from './backoff.js';

describe('reconnect backoff', () => {
  it('doubles from the initial delay up to the cap, each delay between half and all of its step', () => {
    const backoff = new Backoff(rngFor(1), 1000, 30_000);
    const steps = [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000];
    for (const step of steps) {
      const delay = backoff.next();
      expect(delay).toBeGreaterThanOrEqual(step / 2);
      expect(delay).toBeLessThanOrEqual(step);
    }
    expect(backoff.attempts).toBe(steps.length);
  });

  it('starts over after a successful connection', () => {
    const backoff = new Backoff(() => 0.999, 500, 10_000);
    for (let i = 0; i < 6; i++) backoff.next();
    backoff.reset();
    expect(backoff.next()).toBeLessThanOrEqual(500);
  });

  it('spreads devices cut off together (jitter), deterministically per seed', () => {
    const first = (seed: number) => new Backoff(rngFor(seed), 8000).next();
    const delays = new Set(Array.from({ length: 20 }, (_, i) => first(i)));
    expect(delays.size).toBeGreaterThan(15);
    expect(first(3)).toBe(first(3));
  });
});
