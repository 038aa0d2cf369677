import { DEMO_BASE_KINDS, type DeviceKind } from '@vigil/server/domain/device-kinds.js';
import { batteryDrain } from './battery-drain.js';
import { copdExacerbation } from './copd-exacerbation.js';
import { deteriorating } from './deteriorating.js';
import { fall } from './fall.js';
import { heartFailure } from './heart-failure.js';
import { hypoglycaemia } from './hypoglycaemia.js';
import { missedDose } from './missed-dose.js';
import { noisySensor } from './noisy-sensor.js';
import type { Scenario, ScenarioName } from './scenario.js';
import { stable } from './stable.js';
import { wandering } from './wandering.js';

export const SCENARIOS: Record<ScenarioName, Scenario> = {
  stable,
  deteriorating,
  'copd-exacerbation': copdExacerbation,
  'heart-failure': heartFailure,
  hypoglycaemia,
  fall,
  wandering,
  'missed-dose': missedDose,
  'battery-drain': batteryDrain,
  'noisy-sensor': noisySensor,
};

export interface Kit {
  spo2Scale: 1 | 2;
  kinds: readonly DeviceKind[];
}

export function fits(scenario: Scenario, kit: Kit): boolean {
  const { kinds, spo2Scale } = scenario.requires;
  return (spo2Scale === undefined || spo2Scale === kit.spo2Scale) && kinds.every((kind) => kit.kinds.includes(kind));
}

/** The kit to provision for a patient who is to play `name`: `seed demo`'s package with the scenario's extras. */
export function kitFor(name: ScenarioName): Kit {
  const { kinds, spo2Scale } = SCENARIOS[name].requires;
  const extras = kinds.filter((kind) => !DEMO_BASE_KINDS.includes(kind));
  // A wanderer's bed sensor shows the night-time exit before the door opens.
  if (name === 'wandering') extras.push('bed_sensor');
  if (name === 'fall') extras.push('alarm_button');
  return { spo2Scale: spo2Scale ?? 1, kinds: [...DEMO_BASE_KINDS, ...extras] };
}

/**
 * `mixed`: about half of a ward is stable, the other half plays the other scenarios in turn,
 * the most telling first, so even a small ward shows a deterioration, a fall and a COPD patient.
 */
const MIXED_ORDER: readonly ScenarioName[] = [
  'deteriorating',
  'fall',
  'copd-exacerbation',
  'heart-failure',
  'hypoglycaemia',
  'wandering',
  'missed-dose',
  'noisy-sensor',
  'battery-drain',
];

/**
 * Scenarios for patients whose kits are given (a `seed demo` ward): each non-stable scenario of
 * the mixed order goes to the first free patient whose kit fits it, until half the ward
 * (rounded up) has one; everyone else is stable. With a single scenario, every patient whose
 * kit fits plays it and the others are stable (the caller says so).
 */
export function assignScenarios(kits: readonly Kit[], choice: ScenarioName | 'mixed'): ScenarioName[] {
  if (choice !== 'mixed') return kits.map((kit) => (fits(SCENARIOS[choice], kit) ? choice : 'stable'));
  const assigned: ScenarioName[] = kits.map(() => 'stable');
  const taken = new Set<number>();
  const wanted = Math.ceil(kits.length / 2);
  for (let round = 0; taken.size < wanted; round++) {
    const before = taken.size;
    for (const name of MIXED_ORDER) {
      if (taken.size >= wanted) break;
      const i = kits.findIndex((kit, index) => !taken.has(index) && fits(SCENARIOS[name], kit));
      if (i < 0) continue;
      assigned[i] = name;
      taken.add(i);
    }
    if (taken.size === before) break; // no kit fits anything more
  }
  return assigned;
}

/** Scenarios for `n` patients still to be provisioned: the mixed order interleaved with stable. */
export function mixedScenarios(n: number): ScenarioName[] {
  return Array.from({ length: n }, (_, i) => (i % 2 === 0 ? MIXED_ORDER[(i / 2) % MIXED_ORDER.length] : 'stable'));
}

export type { Scenario, ScenarioName, WanderNight } from './scenario.js';
export { SCENARIO_NAMES, isScenarioName } from './scenario.js';
