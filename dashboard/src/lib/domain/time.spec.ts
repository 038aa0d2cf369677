import { describe, expect, it } from 'vitest';
import { ageOf } from './time.js';

describe('ageOf', () => {
  const now = new Date('2026-12-01T12:00:00Z');
  it.each([
    [0, { unit: 'now' }],
    [59, { unit: 'now' }],
    [60, { unit: 'minutes', n: 1 }],
    [3599, { unit: 'minutes', n: 59 }],
    [3600, { unit: 'hours', n: 1 }],
    [86_399, { unit: 'hours', n: 23 }],
    [86_400 * 3, { unit: 'days', n: 3 }],
    [-30, { unit: 'now' }],
  ])('%i s → %o', (seconds, expected) => {
    expect(ageOf(new Date(now.getTime() - seconds * 1000), now)).toEqual(expected);
  });
});
