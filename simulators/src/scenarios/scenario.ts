import type { DeviceKind } from '@vigil/server/domain/device-kinds.js';
import type { EventType } from '@vigil/server/domain/protocol.js';
import type { VirtualPatient } from '../physiology/patient.js';
import type { Effect } from '../physiology/vitals.js';

/**
 * A scenario is what happens to one patient: pure functions of the patient and the simulated
 * time, so a run is reproducible and every scenario can be tested without a broker.
 */
export const SCENARIO_NAMES = [
  'stable',
  'deteriorating',
  'copd-exacerbation',
  'heart-failure',
  'hypoglycaemia',
  'fall',
  'wandering',
  'missed-dose',
  'battery-drain',
  'noisy-sensor',
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export function isScenarioName(name: string): name is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(name);
}

export interface ScenarioTiming {
  /** When the change begins (simulated epoch ms). */
  onset: number;
  /** How long it takes (deteriorating: to NEWS2 ≥ 7; heart-failure: the weight gain; battery-drain: to empty). */
  over: number;
  /** noisy-sensor: the share of the oximeter's samples that are faulty. */
  faultRate: number;
  /** wandering: the first night after the onset (`next`), or the last one before it (`last`, reported as backfill). */
  wanderNight: WanderNight;
}

export type WanderNight = 'next' | 'last';

export interface ScenarioContext extends ScenarioTiming {
  patient: VirtualPatient;
  kinds: readonly DeviceKind[];
}

/** Where the patient is; devices that need the patient (a finger, a step on the scale) follow it. */
export type Whereabouts = 'home' | 'on-floor' | 'away';

export interface ScenarioEvent {
  t: number;
  kind: DeviceKind;
  type: EventType;
  data?: Record<string, unknown>;
}

export interface Scenario {
  name: ScenarioName;
  /** One line for the CLI's help and the start-up listing. */
  summary: string;
  /** The devices (and SpO2 scale) a patient needs for this scenario to show. */
  requires: { kinds: readonly DeviceKind[]; spo2Scale?: 1 | 2 };
  defaults: { onset: number; over: number };
  /** Share of 30-minute slots in which the pulse oximeter is worn (default 0.75). */
  oximeterWear?: number;
  effect?(ctx: ScenarioContext, t: number): Effect;
  whereabouts?(ctx: ScenarioContext, t: number): Whereabouts;
  /** Whether the dose due at `doseTime` is taken (default: yes, when at home). */
  takesDose?(ctx: ScenarioContext, doseTime: number): boolean;
  /** Events the scenario causes, in (from, to]. */
  events?(ctx: ScenarioContext, from: number, to: number): ScenarioEvent[];
  /** Measurements taken beyond the device's routine, in (from, to]: a glucose check when shaky. */
  extraMeasurements?(ctx: ScenarioContext, kind: DeviceKind, from: number, to: number): number[];
  /** The battery level (0–100) the scenario imposes on a device, if any; 0 switches it off. */
  battery?(ctx: ScenarioContext, kind: DeviceKind, t: number): number | undefined;
  /** The device whose samples go wrong at `faultRate`. */
  faultyDevice?: DeviceKind;
  /**
   * When the scenario began before the run: its devices report what they recorded since this
   * instant when they first connect, as backfill (the protocol takes past timestamps).
   */
  historyFrom?(ctx: ScenarioContext): number | undefined;
}

/** 0 before `from`, rising linearly to 1 at `from + duration`, 1 after. */
export function progress(t: number, from: number, duration: number): number {
  if (duration <= 0) return t >= from ? 1 : 0;
  return Math.min(1, Math.max(0, (t - from) / duration));
}
