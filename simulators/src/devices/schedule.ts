import { DAY, HOUR, localMidnight, MINUTE } from '../clock.js';
import { uniformAt } from '../random.js';

/** Pure helpers that say when a device acts; all return instants in (from, to], ascending. */

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
      const jitter = (uniformAt(...key, day, i) * 2 - 1) * jitterMinutes * MINUTE;
      const t = Math.round(day + hour * HOUR + jitter);
      if (within(t, from, to)) times.push(t);
    });
  }
  return times.sort((a, b) => a - b);
}

/** Whether the instant `t` lies in (from, to]. */
export const within = (t: number, from: number, to: number): boolean => t > from && t <= to;

/** A one-off instant in (from, to], or nothing. */
export const once = (t: number, from: number, to: number): number[] => (within(t, from, to) ? [t] : []);

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
  const last = f(to);
  let at = from;
  let value = f(at);
  while (value !== last) {
    let lo = at;
    let hi = to;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (f(mid) !== value) hi = mid;
      else lo = mid;
    }
    times.push(hi);
    at = hi;
    value = f(at);
  }
  return times;
}
