import { describe, expect, it } from 'vitest';
import { AlarmState, type Timers } from './alarm.svelte.js';

/** Timers whose clock the test moves. */
function fakeTimers() {
  let now = 0;
  let next = 1;
  const pending = new Map<number, { at: number; fn: () => void }>();
  const timers: Timers = {
    now: () => now,
    setTimeout: (fn, ms) => {
      pending.set(next, { at: now + ms, fn });
      return next++;
    },
    clearTimeout: (handle) => void pending.delete(handle as number),
  };
  const advance = (ms: number) => {
    now += ms;
    for (const [id, timer] of [...pending]) {
      if (timer.at > now) continue;
      pending.delete(id);
      timer.fn();
    }
  };
  return { timers, advance };
}

describe('AlarmState', () => {
  it('sounds while an open high alert is in the inbox', () => {
    const alarm = new AlarmState(fakeTimers().timers);
    expect(alarm.audible).toBe(false);
    alarm.update(new Set(['a']));
    expect([alarm.active, alarm.audible]).toEqual([true, true]);
    alarm.update(new Set());
    expect([alarm.active, alarm.audible]).toEqual([false, false]);
  });

  it('pauses for two minutes, showing what is left, then sounds again by itself', () => {
    const { timers, advance } = fakeTimers();
    const alarm = new AlarmState(timers);
    alarm.update(new Set(['a']));
    alarm.pause();
    expect([alarm.active, alarm.audible]).toEqual([true, false]);
    expect(alarm.pauseLeft(timers.now())).toBe(120);
    expect(alarm.pauseLeft(timers.now() - 900)).toBe(120); // a clock a tick behind
    advance(119_000);
    expect(alarm.pauseLeft(timers.now())).toBe(1);
    expect(alarm.audible).toBe(false);
    advance(1000);
    expect(alarm.audible).toBe(true);
    expect(alarm.pausedUntil).toBeUndefined();
  });

  it('ends a pause when a new high alert arrives, not when one goes away', () => {
    const { timers, advance } = fakeTimers();
    const alarm = new AlarmState(timers);
    alarm.update(new Set(['a', 'b']));
    alarm.pause();
    alarm.update(new Set(['a']));
    expect(alarm.audible).toBe(false);
    advance(30_000);
    alarm.update(new Set(['a', 'c']));
    expect(alarm.audible).toBe(true);
    // The timer of the ended pause does nothing later.
    alarm.pause();
    advance(100_000);
    expect(alarm.audible).toBe(false);
  });
});
