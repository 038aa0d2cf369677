import { Injectable } from '@nestjs/common';

/** A cancellable timer, as ClockRepository hands them out. */
export interface Timer {
  cancel(): void;
}

/**
 * The clock and timers, behind one small repository (like every other piece of the outside
 * world), so that services' time-dependent logic is tested with a fake clock instead of real
 * waits. Services never call `Date.now()`, `new Date()` or `setTimeout` themselves.
 */
@Injectable()
export class ClockRepository {
  /** Milliseconds since the epoch. */
  now(): number {
    return Date.now();
  }

  date(): Date {
    return new Date(this.now());
  }

  /** This machine's IANA time zone (TZ, else the system's): the one the demo's simulated homes live in. */
  localTimeZone(): string {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
  }

  /** Milliseconds on a clock that never goes back, for measuring durations. */
  monotonic(): number {
    return performance.now();
  }

  /** Runs `callback` after `ms`; the timer does not keep the process alive. */
  after(ms: number, callback: () => void): Timer {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  }

  /** Runs `callback` every `ms` until cancelled; does not keep the process alive. */
  every(ms: number, callback: () => void): Timer {
    const handle = setInterval(callback, ms);
    handle.unref();
    return { cancel: () => clearInterval(handle) };
  }

  /** Resolves after `ms`. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }
}
