import { localHour, MINUTE } from '../clock.js';
import { uniformAt } from '../random.js';
import type { PatientWorld } from '../scenarios/world.js';
import type { DeviceOutput, SimDevice } from './output.js';
import { byTime } from './output.js';
import { dailyTimes, within } from './schedule.js';

/**
 * The welfare-technology sensors' everyday life, while the patient is at home:
 * - bed sensor: up at about 07:00, to bed at about 22:30, and on half the nights a trip to the
 *   toilet around 03:00 (3–10 minutes out of bed);
 * - door sensor: the home-care visits at about 09:30 and 17:00 open and close the front door;
 * - medication dispenser: doses at 08, 12, 18 and 22 h, taken within 20 minutes, or reported
 *   missed after an hour.
 * Fall detectors and alarm buttons only speak when a scenario makes them.
 */
const DOSES = [
  { hour: 8, name: 'morning' },
  { hour: 12, name: 'noon' },
  { hour: 18, name: 'evening' },
  { hour: 22, name: 'night' },
] as const;
const MISSED_AFTER = 60 * MINUTE;

export interface RoutineContext {
  world: PatientWorld;
  device: SimDevice;
}

export function eventOutputs(ctx: RoutineContext, from: number, to: number): DeviceOutput[] {
  const { world, device } = ctx;
  const routine = routineEvents(ctx, from, to);
  const caused = world
    .scenarioEvents(device.kind, from, to)
    .map(({ t, type, data }): DeviceOutput => ({ type: 'event', t, event: type, ...(data ? { data } : {}) }));
  return [...routine, ...caused].sort(byTime);
}

function routineEvents(ctx: RoutineContext, from: number, to: number): DeviceOutput[] {
  const { seed, utcOffsetMinutes } = ctx.world.patient;
  const { id } = ctx.device;
  const daily = (hours: number[], jitter: number, label: string, lookBack = 0) =>
    dailyTimes(hours, jitter, utcOffsetMinutes, from - lookBack, to, seed, id, label);
  // Bed and door only move while the patient is at home (not on the floor, not gone).
  const atHome = (events: DeviceOutput[]) => events.filter((event) => ctx.world.whereabouts(event.t) === 'home');
  switch (ctx.device.kind) {
    case 'bed_sensor': {
      const out: DeviceOutput[] = [
        ...daily([7], 30, 'up').map((t): DeviceOutput => ({ type: 'event', t, event: 'bed_exit' })),
        ...daily([22.5], 30, 'bed').map((t): DeviceOutput => ({ type: 'event', t, event: 'bed_return' })),
      ];
      // Night trips: the exit may lie before `from` while the return falls inside, so look back.
      for (const exit of daily([3], 60, 'toilet', 10 * MINUTE)) {
        if (uniformAt(seed, id, 'toilet-night', exit) >= 0.5) continue;
        const back = exit + Math.round((3 + 7 * uniformAt(seed, id, 'toilet-back', exit)) * MINUTE);
        if (within(exit, from, to)) out.push({ type: 'event', t: exit, event: 'bed_exit', data: { reason: 'night' } });
        if (within(back, from, to) && ctx.world.whereabouts(exit) === 'home') out.push({ type: 'event', t: back, event: 'bed_return' });
      }
      return atHome(out);
    }
    case 'door_sensor': {
      const out: DeviceOutput[] = [];
      for (const open of daily([9.5, 17], 20, 'visit', MINUTE)) {
        const close = open + Math.round((20 + 20 * uniformAt(seed, id, 'visit-close', open)) * 1000);
        if (within(open, from, to)) out.push({ type: 'event', t: open, event: 'door_open', data: { door: 'front' } });
        if (within(close, from, to)) out.push({ type: 'event', t: close, event: 'door_close', data: { door: 'front' } });
      }
      return atHome(out);
    }
    case 'medication_dispenser': {
      const out: DeviceOutput[] = [];
      // Doses offered up to an hour before `from` are still reported inside the window. The
      // dispenser reports whatever the patient's whereabouts: takesDose() knows they matter.
      for (const due of daily(
        DOSES.map((d) => d.hour),
        0,
        'dose',
        MISSED_AFTER,
      )) {
        const dose = DOSES.find((d) => Math.abs(localHour(due, utcOffsetMinutes) - d.hour) < 0.01)?.name ?? 'dose';
        const taken = ctx.world.takesDose(due);
        const t = taken ? due + Math.round((1 + 19 * uniformAt(seed, id, 'dose-delay', due)) * MINUTE) : due + MISSED_AFTER;
        if (within(t, from, to)) out.push({ type: 'event', t, event: taken ? 'med_taken' : 'med_missed', data: { dose } });
      }
      return out;
    }
    default:
      return [];
  }
}
