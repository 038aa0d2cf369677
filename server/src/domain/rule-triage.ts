import { bandOf, type Threshold, type ThresholdState } from './alert-rules.js';
import type { Lane } from './coalescing-queue.js';
import { NEWS2_PARAMETERS, news2AlertPriority, type News2Parameter, scoreNews2, type Spo2Scale } from './news2.js';

/**
 * Which lane of the rules' queue a patient's newly stored work takes (docs/alerts.md, "Rules
 * under load"): crossing when it may open an alert, urgent when it may repeat, raise the priority
 * of or clear something under way, routine when it can only move timers that are not running.
 * Pure, and only about order: the evaluation itself reads the thresholds, rule state and fresh
 * values from the database, so a stale or missing memory can delay a patient to a lower lane at
 * worst, never change what the rules decide.
 */

/** What an instance remembers of a patient's last evaluation, to triage the next batch without a query. */
export interface RuleMemory {
  teamId: string;
  spo2Scale: Spo2Scale;
  /** The patient's effective thresholds as that evaluation read them. */
  thresholds: readonly Threshold[];
  /**
   * Something under way that a routine reading may end or repeat: a threshold breach being
   * timed, raised or clearing; an unresolved NEWS2 or device-offline alert.
   */
  active: boolean;
  /** Metrics whose threshold is raised (its alert open): a reading outside their bands repeats it. */
  raised: readonly string[];
  /** A NEWS2 alert is unresolved: a triggering score repeats it. */
  news2Open: boolean;
  /** The NEWS2 inputs that evaluation scored (fresh latest values). */
  news2: Partial<Record<News2Parameter, number>>;
}

export type { Lane };

const NEWS2_INPUTS = new Set<string>(NEWS2_PARAMETERS);

/** A threshold timer that runs or an alert it keeps: the next in-band reading can clear or restart it. */
export function thresholdActive(state: ThresholdState): boolean {
  return state.raised === true || state.breachSince !== undefined || state.clearingSince !== undefined;
}

/** What the rules read for a patient's readings (its context), or what they left behind after an evaluation. */
export interface RuleContext {
  teamId: string;
  spo2Scale: Spo2Scale;
  thresholds: readonly Threshold[];
  /** Rule state by rule (`threshold:<metric>`). */
  states: ReadonlyMap<string, ThresholdState>;
  /** Devices with an unresolved device_offline alert. */
  offlineAlerts: ReadonlyMap<string, boolean>;
  news2: Partial<Record<News2Parameter, number>>;
  news2Open: boolean;
}

/** The memory triage keeps of a patient's context. */
export function memoryOf(context: RuleContext): RuleMemory {
  const active =
    context.offlineAlerts.size > 0 || context.news2Open || context.thresholds.some((t) => thresholdActive(context.states.get(`threshold:${t.metric}`) ?? {}));
  const raised = context.thresholds.filter((t) => context.states.get(`threshold:${t.metric}`)?.raised === true).map((t) => t.metric);
  return {
    teamId: context.teamId,
    spo2Scale: context.spo2Scale,
    thresholds: context.thresholds,
    active,
    raised,
    news2Open: context.news2Open,
    news2: { ...context.news2 },
  };
}

/** A device status that may raise or end something by itself: a device offline (a Last Will), a battery level. */
export function statusMayAlert(status: { online: boolean; battery?: number }): boolean {
  return !status.online || status.battery !== undefined;
}

/**
 * Crossing: a reading outside a band of its metric's threshold when that threshold is not raised;
 * NEWS2 inputs that, with the newest values seen before them, trigger while no NEWS2 alert is
 * unresolved; device events (rare, and a fall is high priority). They run before everything else
 * and never yield a turn to routine work. Urgent: the same of a patient already raised (a repeat,
 * or a priority that rises from yellow to red), statuses that may alert (a device offline, a
 * battery level), a patient with no memory (its context could not be read), a patient with
 * something under way (a clear is as prompt as a raise). Routine: in-band readings and devices back
 * online (their readings stored, which only ends a device-offline alert: under way) of a patient
 * with nothing under way. A ward's new devices come online at once; were they urgent, a crossing
 * reading would wait behind all of them.
 *
 * Also returns the NEWS2 inputs with the batch's values in them: kept as the memory's values
 * until the next evaluation, so two routine batches that trigger only together (a respiratory
 * rate, then a pulse) make the second one crossing.
 */
export function triage(
  memory: RuleMemory | undefined,
  work: {
    readings: ReadonlyArray<{ metric: string; value: number }>;
    events: readonly unknown[];
    statuses: ReadonlyArray<{ online: boolean; battery?: number }>;
  },
): { lane: Lane; news2: RuleMemory['news2'] } {
  const values = { ...memory?.news2 };
  for (const reading of work.readings) if (NEWS2_INPUTS.has(reading.metric)) values[reading.metric as News2Parameter] = reading.value;
  return { lane: lane(memory, work), news2: values };
}

function lane(memory: RuleMemory | undefined, work: Parameters<typeof triage>[1]): Lane {
  if (work.events.length > 0) return 'crossing';
  if (!memory) return 'urgent';
  let found: Lane = memory.active || work.statuses.some(statusMayAlert) ? 'urgent' : 'routine';
  const byMetric = new Map(memory.thresholds.map((t) => [t.metric, t]));
  const values = { ...memory.news2 };
  for (const reading of work.readings) {
    const threshold = byMetric.get(reading.metric);
    if (threshold && bandOf(reading.value, threshold) !== null) {
      if (!memory.raised.includes(reading.metric)) return 'crossing';
      found = 'urgent';
    }
    if (NEWS2_INPUTS.has(reading.metric) && values[reading.metric as News2Parameter] !== reading.value) {
      values[reading.metric as News2Parameter] = reading.value;
      try {
        if (news2AlertPriority(scoreNews2(values, memory.spo2Scale)) !== null) {
          if (!memory.news2Open) return 'crossing';
          found = 'urgent';
        }
      } catch {
        found = 'urgent'; // a value NEWS2 cannot score: let the evaluation meet it soon
      }
    }
  }
  return found;
}
