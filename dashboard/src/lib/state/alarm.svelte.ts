import { hasNewAlarm, PAUSE_SECONDS } from '../domain/inbox.js';

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const REAL: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * The inbox alarm (rules in domain/inbox.ts): it sounds while an open high alert is in the
 * inbox; the user may pause the sound for PAUSE_SECONDS, shown while it lasts; the pause ends by
 * itself, or when a new open high alert arrives. The visual cue stays on through a pause.
 */
export class AlarmState {
  /** The open high alerts sounding the alarm. */
  ids = $state.raw<ReadonlySet<string>>(new Set());
  pausedUntil = $state<number | undefined>();
  /** The browser refused to play sound until the user taps (autoplay policy). */
  soundBlocked = $state(false);
  #timer: unknown;

  constructor(private readonly timers: Timers = REAL) {}

  get active(): boolean {
    return this.ids.size > 0;
  }

  get audible(): boolean {
    return this.active && this.pausedUntil === undefined;
  }

  update(ids: ReadonlySet<string>): void {
    if (this.pausedUntil !== undefined && hasNewAlarm(this.ids, ids)) this.resume();
    this.ids = ids;
  }

  pause(): void {
    this.timers.clearTimeout(this.#timer);
    this.pausedUntil = this.timers.now() + PAUSE_SECONDS * 1000;
    this.#timer = this.timers.setTimeout(() => this.resume(), PAUSE_SECONDS * 1000);
  }

  resume(): void {
    this.timers.clearTimeout(this.#timer);
    this.pausedUntil = undefined;
  }

  /** Seconds the pause still lasts (for its countdown). */
  pauseLeft(now: number): number {
    // `now` may lag the pause's start by a tick: never more than the pause itself.
    return this.pausedUntil === undefined ? 0 : Math.min(PAUSE_SECONDS, Math.max(0, Math.ceil((this.pausedUntil - now) / 1000)));
  }
}

export const alarm = new AlarmState();
