import { describe, expect, it } from '@jest/globals';
import { localHour, localMidnight, parseDuration, parseStart, SimClock } from './clock.js';

function wall(start: number) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('simulated clock', () => {
  const NOW = Date.parse('2026-11-30T12:00:00Z');

  it('runs in real time by default', () => {
    const w = wall(NOW);
    const clock = new SimClock({ wallNow: w.now });
    w.advance(1500);
    expect(clock.now()).toBe(NOW + 1500);
  });

  it('plays an hour in a minute at speed 60, from a start in the past', () => {
    const w = wall(NOW);
    const clock = new SimClock({ wallNow: w.now, speed: 60, start: NOW - 24 * 3_600_000 });
    w.advance(60_000);
    expect(clock.now()).toBe(NOW - 23 * 3_600_000);
  });

  it('never overtakes the real clock when it started in the past, and then runs in real time', () => {
    const w = wall(NOW);
    const clock = new SimClock({ wallNow: w.now, speed: 60, start: NOW - 3_600_000 });
    expect(clock.catchUpAt()).toBeCloseTo(NOW + 3_600_000 / 59, 0);
    w.advance(2 * 60_000);
    expect(clock.now()).toBe(NOW + 2 * 60_000);
  });

  it('rejects a speed that is not positive', () => {
    expect(() => new SimClock({ speed: 0 })).toThrow(RangeError);
  });
});

describe('durations and times', () => {
  it.each([
    ['90', 90_000],
    ['90s', 90_000],
    ['15m', 900_000],
    ['6h', 21_600_000],
    ['3d', 259_200_000],
    ['250ms', 250],
    ['1h30m', 5_400_000],
  ])('reads %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'soon', '5 h', '-3h', '3x'])('refuses "%s"', (text) => expect(() => parseDuration(text)).toThrow(RangeError));

  it('reads absolute and relative starts', () => {
    const now = Date.parse('2026-11-30T12:00:00Z');
    expect(parseStart('-3d', now)).toBe(now - 3 * 86_400_000);
    expect(parseStart('2026-11-29T10:00:00Z', now)).toBe(Date.parse('2026-11-29T10:00:00Z'));
    expect(() => parseStart('yesterday', now)).toThrow(RangeError);
  });

  it('gives local hours and midnights for a fixed UTC offset', () => {
    const t = Date.parse('2026-11-30T23:30:00Z');
    expect(localHour(t, 60)).toBeCloseTo(0.5, 10);
    expect(localMidnight(t, 60)).toBe(Date.parse('2026-11-30T23:00:00Z'));
    expect(localHour(t, 0)).toBeCloseTo(23.5, 10);
  });
});
