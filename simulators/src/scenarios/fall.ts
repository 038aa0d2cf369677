import { MINUTE } from '../clock.js';
import { gridTimes, within } from '../devices/schedule.js';
import type { Effect } from '../physiology/vitals.js';
import { type Scenario, type ScenarioEvent, progress } from './scenario.js';

/**
 * A fall at home and a "long lie": the fall detector reports the fall, the patient does not get
 * up, and the detector reports inactivity after 10 minutes and every 30 minutes after that. A
 * patient with a personal alarm button presses it after 2 minutes. Pain and fright raise the
 * pulse. Nothing else happens at home: no bed return, no doses taken, no self-measurements.
 */
const INACTIVITY_FIRST = 10 * MINUTE;
const INACTIVITY_EVERY = 30 * MINUTE;
const BUTTON_AFTER = 2 * MINUTE;

export const fall: Scenario = {
  name: 'fall',
  summary: 'a fall, then lying on the floor: fall event, alarm button, inactivity events',
  requires: { kinds: ['fall_detector'] },
  defaults: { onset: 10 * MINUTE, over: 0 },
  effect(ctx, t): Effect {
    return t < ctx.onset ? {} : { hr: 12 * progress(t, ctx.onset, 5 * MINUTE) };
  },
  whereabouts: (ctx, t) => (t >= ctx.onset ? 'on-floor' : 'home'),
  events(ctx, from, to) {
    const events: ScenarioEvent[] = [];
    if (within(ctx.onset, from, to)) events.push({ t: ctx.onset, kind: 'fall_detector', type: 'fall', data: { impactG: 3.1, confidence: 0.94 } });
    const button = ctx.onset + BUTTON_AFTER;
    if (ctx.kinds.includes('alarm_button') && within(button, from, to)) events.push({ t: button, kind: 'alarm_button', type: 'alarm_button' });
    for (const t of gridTimes(ctx.onset + INACTIVITY_FIRST, INACTIVITY_EVERY, from, to)) {
      events.push({ t, kind: 'fall_detector', type: 'inactivity', data: { minutes: (t - ctx.onset) / MINUTE } });
    }
    return events.sort((a, b) => a.t - b.t);
  },
};
