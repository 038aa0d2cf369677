import { DAY, HOUR, localMidnight, MINUTE } from '../clock.js';
import { within } from '../devices/schedule.js';
import { uniformAt } from '../random.js';
import type { Scenario, ScenarioContext, ScenarioEvent } from './scenario.js';

/**
 * Night-time wandering, as in dementia: in a night (between 02:00 and 03:00 local time) the
 * patient gets out of bed, opens the front door, the door falls shut and nobody comes back: no
 * door opening again, no return to bed, no measurements. The night is the first after `onset`,
 * or with `wanderNight: last` the last one before it: the patient has been gone since, and the
 * bed and door sensors report that night as backfill when they first connect (as devices that
 * were offline would), so a run that starts by day still shows a night-time exit at once.
 */
const BED_EXIT_BEFORE_DOOR = 6 * MINUTE;
const DOOR_OPEN_FOR = 15_000;

const leaving = new WeakMap<ScenarioContext, number>();

/** When the door opens: in 02:00–03:00 (keyed jitter) of the chosen night; asked at every instant, worked out once. */
export function leavesAt(ctx: ScenarioContext): number {
  const known = leaving.get(ctx);
  if (known !== undefined) return known;
  const { utcOffsetMinutes, seed, id } = ctx.patient;
  const doorOn = (night: number) => night + 2 * HOUR + Math.floor(uniformAt(seed, id, 'wander', night) * HOUR);
  const step = ctx.wanderNight === 'last' ? -DAY : DAY;
  // next: the bed exit after the onset; last: the door closed by the onset.
  const fits = (t: number) => (ctx.wanderNight === 'last' ? t + DOOR_OPEN_FOR <= ctx.onset : t - BED_EXIT_BEFORE_DOOR >= ctx.onset);
  let night = localMidnight(ctx.onset, utcOffsetMinutes);
  while (!fits(doorOn(night))) night += step;
  leaving.set(ctx, doorOn(night));
  return doorOn(night);
}

export const wandering: Scenario = {
  name: 'wandering',
  summary: 'out of bed and out of the front door at night, no return',
  requires: { kinds: ['door_sensor'] },
  defaults: { onset: 0, over: 0 },
  whereabouts: (ctx, t) => (t >= leavesAt(ctx) ? 'away' : 'home'),
  events(ctx, from, to) {
    const door = leavesAt(ctx);
    const events: ScenarioEvent[] = [];
    const push = (t: number, event: Omit<ScenarioEvent, 't'>) => {
      if (within(t, from, to)) events.push({ t, ...event });
    };
    if (ctx.kinds.includes('bed_sensor')) push(door - BED_EXIT_BEFORE_DOOR, { kind: 'bed_sensor', type: 'bed_exit' });
    push(door, { kind: 'door_sensor', type: 'door_open', data: { door: 'front' } });
    push(door + DOOR_OPEN_FOR, { kind: 'door_sensor', type: 'door_close', data: { door: 'front' } });
    return events;
  },
  historyFrom: (ctx) => (ctx.wanderNight === 'last' ? leavesAt(ctx) - BED_EXIT_BEFORE_DOOR - MINUTE : undefined),
};
