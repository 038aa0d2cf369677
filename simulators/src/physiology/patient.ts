import { rngFor } from '../random.js';
import { type Baseline, drawBaseline } from './baseline.js';

/** A simulated citizen: who they are, their resting physiology, and where their day/night falls. */
export interface VirtualPatient {
  id: string;
  name: string;
  /** The run's `--seed`; every random choice about this patient derives from (seed, id). */
  seed: number;
  spo2Scale: 1 | 2;
  diabetic: boolean;
  baseline: Baseline;
  /** Local time = UTC + this; circadian rhythm and daily routines follow local time. */
  utcOffsetMinutes: number;
}

export interface PatientInput {
  id: string;
  name: string;
  seed: number;
  spo2Scale: 1 | 2;
  diabetic: boolean;
  utcOffsetMinutes: number;
}

export function createPatient(input: PatientInput): VirtualPatient {
  const rng = rngFor(input.seed, 'baseline', input.id);
  const baseline = drawBaseline(rng, { copd: input.spo2Scale === 2, diabetic: input.diabetic });
  return { ...input, baseline };
}
