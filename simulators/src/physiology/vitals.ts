import { HOUR, MINUTE } from '../clock.js';
import { smoothNoise } from '../random.js';
import type { Baseline } from './baseline.js';
import { circadian, isDaytime } from './circadian.js';
import type { VirtualPatient } from './patient.js';

/** What the body is doing at an instant, before any device measures it; o2: on oxygen (1) or air (0). */
export type Vitals = Baseline & { o2: 0 | 1 };

/**
 * A scenario's change to a patient's physiology, as differences from their own normal. A
 * fever (°C) moves temperature, and heart and respiratory rate follow it (see FEVER_*).
 */
export type Effect = Partial<Omit<Baseline, 'temp'>> & { fever?: number; o2?: 0 | 1 };

/**
 * Fever raises pulse and respiration. In 4,493 acutely admitted Danish medical patients the
 * rise per °C was 7.2/min for heart rate and 1.4/min for respiratory rate, 2.3/min above 38 °C
 * (Jensen et al., "Fever increases heart rate and respiratory rate; a prospective observational
 * study of acutely admitted medical patients", Acute Med 2019, doi:10.52964/amja.0766), in line
 * with Liebermeister's rule of about 8/min per °C.
 */
export const FEVER_HR_PER_DEGREE = 7.2;
export const FEVER_RR_PER_DEGREE = 2;

/** Slow drift (hours) and daytime activity (minutes), the amplitudes budgeted in baseline.ts. */
const WANDER_MS = 2 * HOUR;
const ACTIVITY_MS = 20 * MINUTE;
const WANDER = { hr: 3, rr: 0.5, spo2: 0.3, temp: 0.05, sbp: 3, dbp: 2, weight: 0.25, glucose: 0.6 };
const ACTIVITY_HR = 8;

export function trueVitals(patient: VirtualPatient, t: number, effect: Effect = {}): Vitals {
  const { baseline: b, seed, id } = patient;
  const c = circadian(t, patient.utcOffsetMinutes);
  const wander = (metric: keyof typeof WANDER) => WANDER[metric] * smoothNoise(WANDER_MS, t, seed, id, 'wander', metric);
  const activity = isDaytime(t, patient.utcOffsetMinutes) ? ACTIVITY_HR * Math.max(0, smoothNoise(ACTIVITY_MS, t, seed, id, 'activity')) : 0;
  const fever = effect.fever ?? 0;
  return {
    hr: b.hr + c.hr + wander('hr') + activity + FEVER_HR_PER_DEGREE * fever + (effect.hr ?? 0),
    rr: b.rr + c.rr + wander('rr') + FEVER_RR_PER_DEGREE * fever + (effect.rr ?? 0),
    spo2: Math.min(100, b.spo2 + c.spo2 + wander('spo2') + (effect.spo2 ?? 0)),
    temp: b.temp + c.temp + wander('temp') + fever,
    sbp: b.sbp + c.sbp + wander('sbp') + (effect.sbp ?? 0),
    dbp: b.dbp + c.dbp + wander('dbp') + (effect.dbp ?? 0),
    weight: b.weight + wander('weight') + (effect.weight ?? 0),
    glucose: Math.max(1, b.glucose + wander('glucose') + (effect.glucose ?? 0)),
    o2: effect.o2 ?? 0,
  };
}
