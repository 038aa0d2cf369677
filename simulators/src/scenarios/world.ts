import type { DeviceKind } from '@vigil/server/domain/device-kinds.js';
import type { VirtualPatient } from '../physiology/patient.js';
import { trueVitals, type Vitals } from '../physiology/vitals.js';
import { SCENARIOS } from './index.js';
import type { Scenario, ScenarioContext, ScenarioEvent, ScenarioName, ScenarioTiming, WanderNight, Whereabouts } from './scenario.js';

/**
 * One patient living through one scenario: what their body, their whereabouts and their
 * habits are at any simulated instant. The devices read it; nothing here has state.
 */
export class PatientWorld {
  readonly scenario: Scenario;
  readonly context: ScenarioContext;

  constructor(
    readonly patient: VirtualPatient,
    scenarioName: ScenarioName,
    readonly kinds: readonly DeviceKind[],
    timing: ScenarioTiming,
  ) {
    this.scenario = SCENARIOS[scenarioName];
    this.context = { ...timing, patient, kinds };
  }

  vitals(t: number): Vitals {
    return trueVitals(this.patient, t, this.scenario.effect?.(this.context, t));
  }

  whereabouts(t: number): Whereabouts {
    return this.scenario.whereabouts?.(this.context, t) ?? 'home';
  }

  takesDose(doseTime: number): boolean {
    return this.whereabouts(doseTime) === 'home' && (this.scenario.takesDose?.(this.context, doseTime) ?? true);
  }

  scenarioEvents(kind: DeviceKind, from: number, to: number): ScenarioEvent[] {
    return (this.scenario.events?.(this.context, from, to) ?? []).filter((event) => event.kind === kind);
  }

  extraMeasurements(kind: DeviceKind, from: number, to: number): number[] {
    return this.scenario.extraMeasurements?.(this.context, kind, from, to) ?? [];
  }

  batteryOverride(kind: DeviceKind, t: number): number | undefined {
    return this.scenario.battery?.(this.context, kind, t);
  }

  isFaulty(kind: DeviceKind): boolean {
    return this.scenario.faultyDevice === kind && this.context.faultRate > 0;
  }

  /** Where the devices' backfill of the time before the run begins, if the scenario began earlier. */
  historyFrom(): number | undefined {
    return this.scenario.historyFrom?.(this.context);
  }

  get oximeterWear(): number {
    return this.scenario.oximeterWear ?? 0.75;
  }
}

/** Scenario timing with the scenario's defaults, relative to the run's simulated start. */
export function timingFor(
  name: ScenarioName,
  start: number,
  overrides: { onset?: number; over?: number; faultRate?: number; wanderNight?: WanderNight } = {},
): ScenarioTiming {
  const { defaults } = SCENARIOS[name];
  return {
    onset: start + (overrides.onset ?? defaults.onset),
    over: overrides.over ?? defaults.over,
    faultRate: overrides.faultRate ?? 0.05,
    wanderNight: overrides.wanderNight ?? 'next',
  };
}
