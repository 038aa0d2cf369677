import type { DeviceKind } from '@vigil/server/domain/device-kinds.js';
import { DeviceModel } from '../devices/model.js';
import { createPatient } from '../physiology/patient.js';
import type { ScenarioName, WanderNight } from '../scenarios/scenario.js';
import { PatientWorld, timingFor } from '../scenarios/world.js';

/** A patient of a provisioned ward (from `seed demo`'s demo.json or the simulators' own ward file). */
export interface WardPatient {
  id: string;
  name: string;
  spo2Scale: 1 | 2;
  devices: Array<{ id: string; kind: DeviceKind; secret: string }>;
}

export interface PlanOptions {
  seed: number;
  /** Simulated start of the run. */
  start: number;
  utcOffsetMinutes: number;
  /** Overrides of every scenario's defaults (ms; onset relative to start). */
  onset?: number;
  over?: number;
  faultRate?: number;
  wanderNight?: WanderNight;
}

export interface PlannedPatient {
  world: PatientWorld;
  devices: Array<{ model: DeviceModel; secret: string }>;
}

/** The simulated ward: each provisioned patient living their scenario, with their devices. */
export function planWard(patients: readonly WardPatient[], scenarios: readonly ScenarioName[], options: PlanOptions): PlannedPatient[] {
  return patients.map((p, i) => {
    const kinds = p.devices.map((d) => d.kind);
    const patient = createPatient({
      id: p.id,
      name: p.name,
      seed: options.seed,
      spo2Scale: p.spo2Scale,
      diabetic: kinds.includes('glucometer'),
      utcOffsetMinutes: options.utcOffsetMinutes,
    });
    const timing = timingFor(scenarios[i], options.start, options);
    const world = new PatientWorld(patient, scenarios[i], kinds, timing);
    return {
      world,
      devices: p.devices.map((d) => ({ model: new DeviceModel(world, { id: d.id, kind: d.kind }, options.start), secret: d.secret })),
    };
  });
}
