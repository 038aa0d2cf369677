/**
 * Simulated time. Devices stamp their samples with it, so `--speed 60` plays an hour of a
 * ward in a minute with timestamps to match.
 *
 * A run that starts in the past plays forward at `speed` until it meets the real clock, and
 * then runs in real time: Vigil rejects timestamps more than a few minutes in the future, so a
 * simulated clock that overtook the real one would only produce rejected readings.
 */
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export interface Clock {
  /** Simulated epoch milliseconds. */
  now(): number;
}

export interface SimClockOptions {
  /** Simulated time at the first call; defaults to the wall clock. */
  start?: number;
  /** Simulated milliseconds per wall millisecond. */
  speed?: number;
  /** The wall clock (tests pass their own). */
  wallNow?: () => number;
}

export class SimClock implements Clock {
  readonly start: number;
  readonly speed: number;
  private readonly wallNow: () => number;
  private readonly wallStart: number;

  constructor(options: SimClockOptions = {}) {
    this.wallNow = options.wallNow ?? Date.now;
    this.wallStart = this.wallNow();
    this.start = options.start ?? this.wallStart;
    this.speed = options.speed ?? 1;
    if (!(this.speed > 0)) throw new RangeError(`speed must be positive, got ${this.speed}`);
  }

  now(): number {
    const wall = this.wallNow();
    const simulated = this.start + (wall - this.wallStart) * this.speed;
    // Only a clock that started in the past is held back; an explicit future start is the user's choice.
    return this.start <= this.wallStart ? Math.min(simulated, wall) : simulated;
  }

  /** The wall-clock time at which the accelerated clock meets the real one, if it will. */
  catchUpAt(): number | undefined {
    if (this.speed <= 1 || this.start >= this.wallStart) return undefined;
    return this.wallStart + (this.wallStart - this.start) / (this.speed - 1);
  }
}

const UNITS: Record<string, number> = { ms: 1, s: SECOND, m: MINUTE, min: MINUTE, h: HOUR, d: DAY };

/** "90" (seconds), "90s", "15m", "6h", "3d", "250ms", or a sum like "1h30m". */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|min|s|m|h|d)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== trimmed) {
    throw new RangeError(`expected a duration like 90s, 15m, 6h or 3d, got "${text}"`);
  }
  return parts.reduce((sum, [, value, unit]) => sum + Number(value) * UNITS[unit], 0);
}

/** "2026-11-29T10:00:00Z", or relative to `now` like "-3d" / "-90m". */
export function parseStart(text: string, now: number): number {
  const relative = /^-(.+)$/.exec(text.trim());
  if (relative) return now - parseDuration(relative[1]);
  const absolute = Date.parse(text);
  if (Number.isNaN(absolute)) throw new RangeError(`expected an ISO time or a relative one like -3d, got "${text}"`);
  return absolute;
}

export function formatDuration(ms: number): string {
  if (ms % DAY === 0) return `${ms / DAY}d`;
  if (ms % HOUR === 0) return `${ms / HOUR}h`;
  if (ms % MINUTE === 0) return `${ms / MINUTE}m`;
  return `${Math.round(ms / SECOND)}s`;
}

/** Hour of the day (fractional) in a fixed UTC offset: the patient's local time. */
export function localHour(t: number, utcOffsetMinutes: number): number {
  return (t - localMidnight(t, utcOffsetMinutes)) / HOUR;
}

/** Epoch ms of the local midnight starting the day that contains t. */
export function localMidnight(t: number, utcOffsetMinutes: number): number {
  const offset = utcOffsetMinutes * MINUTE;
  return Math.floor((t + offset) / DAY) * DAY - offset;
}
