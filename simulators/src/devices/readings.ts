import { DEVICE_KINDS, type DeviceKind } from '@vigil/server/domain/device-kinds.js';
import { HOUR, MINUTE, SECOND } from '../clock.js';
import { measure } from '../physiology/measurement.js';
import type { Vitals } from '../physiology/vitals.js';
import { uniformAt } from '../random.js';
import type { PatientWorld } from '../scenarios/world.js';
import type { DeviceOutput, SimDevice } from './output.js';
import { changes, dailyTimes, gridTimes, merge, once } from './schedule.js';

/**
 * When the measuring devices measure and what they report.
 * - pulse oximeter: 1 Hz while worn; worn or not in 30-minute slots (the first slot always,
 *   so data flows at once); not when the patient is away or on the floor.
 * - wearable: heart and respiratory rate once a minute, while the patient is at home.
 * - BP cuff 08 and 20 h; thermometer 08 and 20 h, hourly when febrile (≥ 37.8 °C); scale 07:15;
 *   glucometer before meals and at bedtime (07:30, 11:30, 17:30, 21:30); each self-measured
 *   device also once in the first minutes of a run (an enrolment check), and never when the
 *   patient is not at home.
 * - oxygen concentrator: its o2 flag every 15 minutes, at the start and whenever it changes.
 */
const WEAR_SLOT = 30 * MINUTE;
const FEBRILE = 37.8;
const ROUTINE_HOURS: Partial<Record<DeviceKind, readonly number[]>> = {
  bp_cuff: [8, 20],
  thermometer: [8, 20],
  scale: [7.25],
  glucometer: [7.5, 11.5, 17.5, 21.5],
};
const ROUTINE_JITTER_MINUTES = 20;

/**
 * Motion artefacts: in 2 % of 30-second windows the wearer moves; the oximeter then loses half
 * its samples and overreads the pulse a little (it holds SpO2 rather than invent a dip).
 * Wearable finger oximetry at home gives mostly valid data except during activity (Buekers et
 * al., JMIR mHealth uHealth 2019;7:e12866).
 */
const MOTION_WINDOW = 30 * SECOND;
const MOTION_CHANCE = 0.02;

const metricsOf = (kind: DeviceKind) => DEVICE_KINDS[kind].metrics as readonly (keyof Vitals)[];

/** One of `list`, chosen by a uniform value in [0, 1). */
const choose = <T>(list: readonly T[], u: number): T => list[Math.min(list.length - 1, Math.floor(u * list.length))];

export interface ReadingContext {
  world: PatientWorld;
  device: SimDevice;
  /** Simulated start of the run. */
  start: number;
}

export function readingOutputs(ctx: ReadingContext, from: number, to: number): DeviceOutput[] {
  const { kind } = ctx.device;
  if (kind === 'pulse_oximeter') return oximeter(ctx, from, to);
  if (kind === 'wearable') return samples(ctx, gridTimes(ctx.start, MINUTE, from, to), 'not-away');
  if (kind === 'oxygen_concentrator') return concentrator(ctx, from, to);
  const hours = ROUTINE_HOURS[kind];
  if (!hours) return [];
  const { world, device, start } = ctx;
  const { seed, utcOffsetMinutes } = world.patient;
  const enrolment = start + Math.round((1 + 4 * uniformAt(seed, device.id, 'enrol')) * MINUTE);
  let times = merge(
    once(enrolment, from, to),
    dailyTimes(hours, ROUTINE_JITTER_MINUTES, utcOffsetMinutes, from, to, seed, device.id, 'routine'),
    world.extraMeasurements(kind, from, to),
  );
  if (kind === 'thermometer')
    times = merge(
      times,
      gridTimes(start, HOUR, from, to).filter((t) => world.vitals(t).temp >= FEBRILE),
    );
  return samples(ctx, times, 'home');
}

/** A sample of the device's metrics at each of `times` when the patient is where it needs them. */
function samples(ctx: ReadingContext, times: number[], where: 'home' | 'not-away'): DeviceOutput[] {
  const out: DeviceOutput[] = [];
  const metrics = metricsOf(ctx.device.kind);
  for (const t of times) {
    const place = ctx.world.whereabouts(t);
    if (place === 'away' || (where === 'home' && place !== 'home')) continue;
    out.push({ type: 'sample', t, m: pick(ctx, t, ctx.world.vitals(t), metrics) });
  }
  return out;
}

function pick(ctx: ReadingContext, t: number, vitals: Vitals, metrics: readonly (keyof Vitals)[]): Record<string, number> {
  const m: Record<string, number> = {};
  for (const metric of metrics) m[metric] = measure(metric, vitals[metric], ctx.world.patient.seed, ctx.device.id, t);
  return m;
}

export function isWorn(ctx: ReadingContext, t: number): boolean {
  if (ctx.world.whereabouts(t) !== 'home') return false;
  const slot = Math.floor((t - ctx.start) / WEAR_SLOT);
  return slot <= 0 || uniformAt(ctx.world.patient.seed, ctx.device.id, 'worn', slot) < ctx.world.oximeterWear;
}

function oximeter(ctx: ReadingContext, from: number, to: number): DeviceOutput[] {
  const { seed } = ctx.world.patient;
  const { id } = ctx.device;
  const faulty = ctx.world.isFaulty('pulse_oximeter');
  const out: DeviceOutput[] = [];
  for (const t of gridTimes(ctx.start, SECOND, from, to)) {
    if (!isWorn(ctx, t)) continue;
    const m = pick(ctx, t, ctx.world.vitals(t), metricsOf('pulse_oximeter'));
    if (uniformAt(seed, id, 'motion', Math.floor(t / MOTION_WINDOW)) < MOTION_CHANCE) {
      if (uniformAt(seed, id, 'motion-drop', t) < 0.5) continue;
      m.hr += Math.round(2 + 6 * uniformAt(seed, id, 'motion-hr', t));
    }
    out.push(faulty ? fault(ctx, t, m) : { type: 'sample', t, m });
  }
  return out;
}

/** noisy-sensor: a third each of dropouts, implausible values and malformed payloads. */
function fault(ctx: ReadingContext, t: number, m: Record<string, number>): DeviceOutput {
  const { seed } = ctx.world.patient;
  const { id } = ctx.device;
  if (uniformAt(seed, id, 'fault', t) >= ctx.world.context.faultRate) return { type: 'sample', t, m };
  const which = uniformAt(seed, id, 'fault-kind', t);
  if (which < 1 / 3) return { type: 'sample', t, m: { hr: m.hr } }; // SpO2 dropout
  const variant = uniformAt(seed, id, 'fault-variant', t);
  if (which < 2 / 3)
    return { type: 'sample', t, m: { ...m, ...choose<Record<string, number>>([{ spo2: 0 }, { spo2: 127 }, { hr: 0 }, { hr: 350 }], variant) } };
  const iso = new Date(t).toISOString();
  const payloads = [
    `{"t":"${iso}","m":{"spo2":${m.spo2},"hr":`, // cut off mid-message
    `{"t":"${iso}","m":{"spo2":"${m.spo2}%","hr":${m.hr}}}`, // a string where a number belongs
    `{"time":"${iso}","spo2":${m.spo2}}`, // the wrong shape
  ];
  return { type: 'malformed', t, payload: choose(payloads, variant) };
}

function concentrator(ctx: ReadingContext, from: number, to: number): DeviceOutput[] {
  const o2At = (t: number) => ctx.world.vitals(t).o2;
  const times = merge(once(ctx.start + 10 * SECOND, from, to), gridTimes(ctx.start, 15 * MINUTE, from, to), changes(o2At, from, to));
  return times.map((t) => ({ type: 'sample', t, m: { o2: o2At(t) } }));
}
