import { localMidnight } from '../clock.js';
import { uniformAt } from '../random.js';

/** Pure helpers that say when a device acts; all return instants in (from, to], ascending. */

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** origin + k·period for whole k ≥ 0. */
export function gridTimes(origin: number, period: number, from: number, to: number): number[] {
  const times: number[] = [];
  const first = Math.max(0, Math.floor((from - origin) / period) + 1);
  for (let k = first; origin + k * period <= to; k++) times.push(origin + k * period);
  return times;
}

/**
 * A daily routine: each local day at each of `hours`, moved by up to ± `jitterMinutes` (keyed
 * by day, so the same day always has the same time), e.g. blood pressure at about 08 and 20.
 */
export function dailyTimes(
  hours: readonly number[],
  jitterMinutes: number,
  utcOffsetMinutes: number,
  from: number,
  to: number,
  ...key: ReadonlyArray<string | number>
): number[] {
  const times: number[] = [];
  for (let day = localMidnight(from, utcOffsetMinutes) - DAY; day <= to; day += DAY) {
    hours.forEach((hour, i) => {
      const jitter = (uniformAt(...key, day, i) * 2 - 1) * jitterMinutes * 60_000;
      const t = Math.round(day + hour * HOUR + jitter);
      if (t > from && t <= to) times.push(t);
    });
  }
  return times.sort((a, b) => a - b);
}

/** A one-off instant in (from, to], or nothing. */
export const once = (t: number, from: number, to: number): number[] => (t > from && t <= to ? [t] : []);

/** Sorted union without duplicates. */
export function merge(...lists: number[][]): number[] {
  return [...new Set(lists.flat())].sort((a, b) => a - b);
}

/**
 * The instants in (from, to] at which the step function `f` changes value, found to the
 * millisecond by bisection. `f` must not return to an earlier value within one window (true of
 * a battery and of an oxygen flag), so each search has a single boundary. Exact instants, not
 * the window's end, keep a device's output independent of how time is sliced into ticks.
 */
export function changes<T>(f: (t: number) => T, from: number, to: number): number[] {
  const times: number[] = [];
  let at = from;
  while (f(to) !== f(at)) {
    const before = f(at);
    let lo = at;
    let hi = to;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (f(mid) !== before) hi = mid;
      else lo = mid;
    }
    times.push(hi);
    at = hi;
  }
  return times;
}
