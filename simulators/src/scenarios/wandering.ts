import { DAY, HOUR, localMidnight, MINUTE } from '../clock.js';
import { within } from '../devices/schedule.js';
import { uniformAt } from '../random.js';
import type { Scenario, ScenarioContext, ScenarioEvent } from './scenario.js';

/**
 * Night-time wandering, as in dementia: in the first night after `onset` (between 02:00 and
 * 03:00 local time) the patient gets out of bed, opens the front door, the door falls shut and
 * nobody comes back: no door opening again, no return to bed, no measurements.
 */
const BED_EXIT_BEFORE_DOOR = 6 * MINUTE;
const DOOR_OPEN_FOR = 15_000;

const leaving = new WeakMap<ScenarioContext, number>();

/** When the door opens: the first 02:00–03:00 (keyed jitter) after onset; asked at every instant, worked out once. */
export function leavesAt(ctx: ScenarioContext): number {
  const known = leaving.get(ctx);
  if (known !== undefined) return known;
  const { utcOffsetMinutes, seed, id } = ctx.patient;
  let night = localMidnight(ctx.onset, utcOffsetMinutes);
  for (;;) {
    const t = night + 2 * HOUR + Math.floor(uniformAt(seed, id, 'wander', night) * HOUR);
    if (t - BED_EXIT_BEFORE_DOOR >= ctx.onset) {
      leaving.set(ctx, t);
      return t;
    }
    night += DAY;
  }
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
};
