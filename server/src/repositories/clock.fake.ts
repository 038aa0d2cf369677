import type { ClockRepository, Timer } from './clock.repository.js';

interface Pending {
  at: number;
  seq: number;
  every?: number;
  callback: () => void;
}

/** Lets promise callbacks (and what they await on fakes) run before the next timer fires. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A ClockRepository for specs: time stands still until the spec moves it, and timers fire in
 * order as it does, so time-dependent logic is tested without real waits. Not for production.
 */
export class FakeClock implements Pick<ClockRepository, keyof ClockRepository> {
  private time: number;
  private seq = 0;
  private readonly timers = new Set<Pending>();

  constructor(start: number | Date = Date.UTC(2026, 0, 1)) {
    this.time = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.time;
  }

  date(): Date {
    return new Date(this.time);
  }

  /** The machine's time zone, as a spec sets it. */
  timeZone = 'Europe/Copenhagen';

  localTimeZone(): string {
    return this.timeZone;
  }

  monotonic(): number {
    return this.time;
  }

  after(ms: number, callback: () => void): Timer {
    return this.schedule({ at: this.time + Math.max(0, ms), seq: this.seq++, callback });
  }

  every(ms: number, callback: () => void): Timer {
    return this.schedule({ at: this.time + ms, seq: this.seq++, every: ms, callback });
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time on by `ms`, firing each timer that falls due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    await settle();
    for (let next = this.next(); next && next.at <= until; next = this.next()) {
      this.fire(next);
      await settle();
    }
    this.time = until;
    await settle();
  }

  /** Fires timers in order, moving time to each, until `done()` holds; fails after `limit` timers. */
  async runUntil(done: () => boolean, limit = 10_000): Promise<void> {
    await settle();
    for (let fired = 0; !done(); fired++) {
      const next = this.next();
      if (!next) throw new Error('FakeClock: no timer left to fire and the condition still does not hold');
      if (fired >= limit) throw new Error(`FakeClock: the condition does not hold after ${limit} timers`);
      this.fire(next);
      await settle();
    }
  }

  private schedule(timer: Pending): Timer {
    this.timers.add(timer);
    return { cancel: () => this.timers.delete(timer) };
  }

  private next(): Pending | undefined {
    let first: Pending | undefined;
    for (const timer of this.timers) if (!first || timer.at < first.at || (timer.at === first.at && timer.seq < first.seq)) first = timer;
    return first;
  }

  private fire(timer: Pending): void {
    this.time = Math.max(this.time, timer.at);
    if (timer.every) {
      timer.at += timer.every;
      timer.seq = this.seq++;
    } else {
      this.timers.delete(timer);
    }
    timer.callback();
  }
}
