import type { AlertKind, AlertPriority } from '../dtos/live.dto.js';
import type { FieldError } from './errors.js';
import { news2AlertPriority, type News2Result } from './news2.js';

/**
 * The alert rules, pure: given what was stored and the rule's state, what to raise or clear.
 * Times are epoch milliseconds passed in (`now`, a sample's `t`); nothing here reads a clock.
 *
 * Priorities follow IEC 60601-1-8 (IEC 60601-1-8:2006+A1:2012, 6.1.2 "alarm condition
 * priority": high = immediate response, medium = prompt response, low = awareness) and its
 * latching rule (6.2.2.1 / 6.3.3: a latching alarm signal continues after its condition ends
 * until the operator acknowledges it): here high-priority alerts latch, others clear by themselves.
 */

export type Decision = { type: 'none' } | { type: 'raise'; priority: AlertPriority; value?: number } | { type: 'clear' };

const NONE: Decision = { type: 'none' };

export const PRIORITY_RANK: Record<AlertPriority, number> = { low: 1, medium: 2, high: 3 };

/** A repeat may raise an alert's priority, never lower it (the highest seen stands). */
export function higherPriority(a: AlertPriority, b: AlertPriority): AlertPriority {
  return PRIORITY_RANK[a] >= PRIORITY_RANK[b] ? a : b;
}

/** IEC 60601-1-8 latching: a high-priority alert stays until acknowledged, even when its condition ends. */
export function latches(priority: AlertPriority): boolean {
  return priority === 'high';
}

/**
 * What a condition ending does to an alert: a latching one that nobody acknowledged yet stays
 * (the clear time is recorded on it); anything else is resolved as cleared by itself.
 */
export function onConditionCleared(alert: { priority: AlertPriority; state: 'open' | 'acknowledged' }): 'latch' | 'resolve' {
  return latches(alert.priority) && alert.state === 'open' ? 'latch' : 'resolve';
}

// ---- thresholds ----------------------------------------------------------------------

/** Bands per metric: outside yellow is a medium alert, outside red a high one. */
export interface Threshold {
  metric: string;
  redLow?: number | null;
  yellowLow?: number | null;
  yellowHigh?: number | null;
  redHigh?: number | null;
  /** A breach must last this long before it raises (Grafana's "pending period"). */
  sustainedSeconds: number;
  /** Hysteresis: to clear, the value must be back inside the bands by this margin ... */
  clearMargin: number;
  /** ... and stay there this long. */
  clearAfterSeconds: number;
}

export type BandColour = 'red' | 'yellow';

/** Red must lie outside yellow and every low below every high; at least one band. */
export function validateThreshold(t: Omit<Threshold, 'metric'>): FieldError[] {
  const errors: FieldError[] = [];
  const given = (v: number | null | undefined): v is number => v !== undefined && v !== null;
  const order: Array<[keyof Threshold, number | null | undefined]> = [
    ['redLow', t.redLow],
    ['yellowLow', t.yellowLow],
    ['yellowHigh', t.yellowHigh],
    ['redHigh', t.redHigh],
  ];
  const present = order.filter((entry): entry is [keyof Threshold, number] => given(entry[1]));
  if (present.length === 0) errors.push({ field: 'bands', message: 'give at least one of redLow, yellowLow, yellowHigh, redHigh' });
  for (const [field, value] of present) if (!Number.isFinite(value)) errors.push({ field, message: 'expected a finite number' });
  for (let i = 1; i < present.length; i++) {
    const [lowerField, lower] = present[i - 1];
    const [field, value] = present[i];
    if (!(value > lower)) errors.push({ field, message: `must be greater than ${lowerField} (${lower})` });
  }
  for (const field of ['sustainedSeconds', 'clearMargin', 'clearAfterSeconds'] as const) {
    if (!(t[field] >= 0)) errors.push({ field, message: 'must be zero or more' });
  }
  return errors;
}

/** The band a value falls outside of; `margin` narrows the normal range (to test for a clear). */
export function bandOf(value: number, t: Threshold, margin = 0): BandColour | null {
  const below = (limit: number | null | undefined) => limit !== undefined && limit !== null && value < limit + margin;
  const above = (limit: number | null | undefined) => limit !== undefined && limit !== null && value > limit - margin;
  if (below(t.redLow) || above(t.redHigh)) return 'red';
  if (below(t.yellowLow) || above(t.yellowHigh)) return 'yellow';
  return null;
}

const BAND_PRIORITY: Record<BandColour, AlertPriority> = { red: 'high', yellow: 'medium' };

/** Per (patient, metric): when the current breach began, whether it raised, when clearing began. */
export interface ThresholdState {
  breachSince?: number;
  raised?: boolean;
  clearingSince?: number;
  /** The newest sample time seen; older (backfilled) samples are not evaluated again. */
  lastT?: number;
}

/**
 * One sample through a threshold. A breach raises once it has lasted `sustainedSeconds`
 * (measured between the first breaching sample and this one; any sample back inside the
 * bands restarts it); a raised alert clears once the value has been inside the bands by
 * `clearMargin` for `clearAfterSeconds`. While it stays raised, every breaching sample is a
 * repeat (a `raise` again, which updates the one alert).
 */
export function stepThreshold(state: ThresholdState, sample: { t: number; value: number }, t: Threshold): { state: ThresholdState; decision: Decision } {
  if (state.lastT !== undefined && sample.t <= state.lastT) return { state, decision: NONE };
  const lastT = sample.t;
  const band = bandOf(sample.value, t);
  if (band) {
    const breachSince = state.breachSince ?? sample.t;
    if (state.raised || sample.t - breachSince >= t.sustainedSeconds * 1000) {
      return { state: { breachSince, raised: true, lastT }, decision: { type: 'raise', priority: BAND_PRIORITY[band], value: sample.value } };
    }
    return { state: { breachSince, lastT }, decision: NONE };
  }
  if (!state.raised) return { state: { lastT }, decision: NONE };
  if (bandOf(sample.value, t, t.clearMargin)) return { state: { ...state, clearingSince: undefined, lastT }, decision: NONE };
  const clearingSince = state.clearingSince ?? sample.t;
  if (sample.t - clearingSince >= t.clearAfterSeconds * 1000) return { state: { lastT }, decision: { type: 'clear' } };
  return { state: { ...state, clearingSince, lastT }, decision: NONE };
}

// ---- NEWS2 ---------------------------------------------------------------------------

/**
 * RCP NEWS2 (2017) Chart 4 trigger thresholds: aggregate 5–6 medium, 7 or more high, a single
 * parameter scoring 3 low–medium (IEC low); a score back under every trigger clears.
 * The score is taken over fresh values only (stale = missing, never scored 0): see caseload.ts.
 */
export function news2Decision(result: News2Result): Decision {
  const priority = news2AlertPriority(result);
  return priority ? { type: 'raise', priority, value: result.score } : { type: 'clear' };
}

// ---- devices -------------------------------------------------------------------------

/** A battery at or below this raises low_battery; it clears at or above LOW_BATTERY_CLEAR (hysteresis). */
export const LOW_BATTERY_PERCENT = 15;
export const LOW_BATTERY_CLEAR_PERCENT = 20;

export function batteryDecision(battery: number | undefined): Decision {
  if (battery === undefined) return NONE;
  if (battery <= LOW_BATTERY_PERCENT) return { type: 'raise', priority: 'low', value: battery };
  if (battery >= LOW_BATTERY_CLEAR_PERCENT) return { type: 'clear' };
  return NONE;
}

/** Offline (status or Last Will) raises device_offline; back online clears it. */
export function onlineDecision(online: boolean): Decision {
  return online ? { type: 'clear' } : { type: 'raise', priority: 'medium' };
}

/**
 * How long a device of each kind may stay silent before no_data: from its schedule. Wearables
 * stream (a few minutes); spot-check devices are used once or twice a day (a missed day plus
 * slack); event sensors speak only when something happens and are watched by their status.
 */
export const NO_DATA_AFTER_SECONDS: Readonly<Record<string, number>> = {
  wearable: 15 * 60,
  pulse_oximeter: 26 * 3600,
  bp_cuff: 26 * 3600,
  thermometer: 26 * 3600,
  scale: 26 * 3600,
  glucometer: 26 * 3600,
  oxygen_concentrator: 26 * 3600,
};

/**
 * no_data for a device that should be reporting, silent since `lastData` (its newest reading,
 * or when it was provisioned). Inhibition: a device known to be offline (its device_offline
 * alert is unresolved) has that one alert instead of one per silent metric, so no no_data.
 */
export function noDataDecision(device: { kind: string; offline: boolean; lastData: number }, now: number): Decision {
  const after = NO_DATA_AFTER_SECONDS[device.kind];
  if (after === undefined) return NONE;
  if (device.offline) return { type: 'clear' };
  return now - device.lastData >= after * 1000 ? { type: 'raise', priority: 'medium' } : { type: 'clear' };
}

/**
 * Inhibition: readings from a device known to be offline (its device_offline alert is
 * unresolved: a late backfill, a flapping link) raise no threshold alert of their own.
 */
export function thresholdInhibited(deviceId: string, offline: ReadonlySet<string>): boolean {
  return offline.has(deviceId);
}

/** Why a device's alerts are held back: it is offline (device_offline) or stale (no_data). */
export type InhibitionReason = 'device_offline' | 'no_data';

export interface Inhibition {
  reason: InhibitionReason;
  deviceId: string;
  /** When the alert that inhibits opened. */
  since: Date;
}

/**
 * What the overview says about inhibition, per device: offline while its device_offline alert is
 * unresolved and nothing has been heard from it since (the rule above holds its threshold and
 * no_data alerts back), else stale while its no_data alert is unresolved (its vitals are missing,
 * so none of them raises). `alerts` are the patient's unresolved alerts.
 */
export function inhibitions(
  devices: ReadonlyArray<{ id: string; online: boolean }>,
  alerts: ReadonlyArray<{ kind: AlertKind; deviceId: string | null; openedAt: Date }>,
): Inhibition[] {
  const result: Inhibition[] = [];
  for (const device of devices) {
    const of = (kind: AlertKind) => alerts.find((a) => a.kind === kind && a.deviceId === device.id);
    const offline = device.online ? undefined : of('device_offline');
    const stale = of('no_data');
    if (offline) result.push({ reason: 'device_offline', deviceId: device.id, since: offline.openedAt });
    else if (stale) result.push({ reason: 'no_data', deviceId: device.id, since: stale.openedAt });
  }
  return result;
}

// ---- events --------------------------------------------------------------------------

export interface NightWindow {
  /** IANA time zone, e.g. Europe/Copenhagen. */
  timeZone: string;
  /** Minutes after local midnight; start > end spans midnight. */
  startMinute: number;
  endMinute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Local wall-clock minutes after midnight and weekday (0 = Sunday) in an IANA time zone, DST included. */
export function localTime(t: number, timeZone: string): { minute: number; weekday: number } {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit', weekday: 'short' });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(t)).map((p) => [p.type, p.value]));
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts.weekday);
  return { minute: Number(parts.hour) * 60 + Number(parts.minute), weekday };
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Within the night window, read on the local wall clock (so 22:00–07:00 stays 22:00–07:00 across a DST change). */
export function isNight(t: number, night: NightWindow): boolean {
  const { minute } = localTime(t, night.timeZone);
  if (night.startMinute === night.endMinute) return false;
  return night.startMinute < night.endMinute
    ? minute >= night.startMinute && minute < night.endMinute
    : minute >= night.startMinute || minute < night.endMinute;
}

export interface EventRules extends NightWindow {
  bedExitGraceSeconds: number;
  doorOpenGraceSeconds: number;
}

/** What one device event does: raise at once, start a grace (a pending alert due later), cancel graces, or nothing. */
export type EventOutcome =
  | { type: 'raise'; kind: AlertKind; priority: AlertPriority }
  | { type: 'pending'; kind: 'bed_exit' | 'door_open'; priority: AlertPriority; dueAt: number }
  | { type: 'cancel'; kinds: Array<'bed_exit' | 'door_open'> }
  | { type: 'none' };

/**
 * Fall and alarm button are high at once; a missed dose and inactivity medium. Bed exit and
 * door opening at night raise only when nobody returns within the team's grace: a bed_return
 * cancels both (back in bed); by day they are routine. A door opening at night is high
 * (wandering out of the home); a bed exit without return medium.
 */
export function eventOutcome(event: { type: string; t: number }, rules: EventRules): EventOutcome {
  switch (event.type) {
    case 'fall':
      return { type: 'raise', kind: 'fall', priority: 'high' };
    case 'alarm_button':
      return { type: 'raise', kind: 'alarm_button', priority: 'high' };
    case 'med_missed':
      return { type: 'raise', kind: 'missed_dose', priority: 'medium' };
    case 'inactivity':
      return { type: 'raise', kind: 'inactivity', priority: 'medium' };
    case 'bed_exit':
      return isNight(event.t, rules)
        ? { type: 'pending', kind: 'bed_exit', priority: 'medium', dueAt: event.t + rules.bedExitGraceSeconds * 1000 }
        : { type: 'none' };
    case 'door_open':
      return isNight(event.t, rules)
        ? { type: 'pending', kind: 'door_open', priority: 'high', dueAt: event.t + rules.doorOpenGraceSeconds * 1000 }
        : { type: 'none' };
    case 'bed_return':
      return { type: 'cancel', kinds: ['bed_exit', 'door_open'] };
    default:
      return { type: 'none' };
  }
}

// ---- escalation and on-duty ----------------------------------------------------------

/** One level of a team's chain: a role or one user (by id), notified `afterSeconds` after the alert opened. */
export type EscalationLevel = { afterSeconds: number } & ({ role: 'clinician' | 'care_staff' | 'admin' } | { userEmail: string });

/** "care_staff@0,clinician@120,doctor@example.org@300": role or user e-mail @ seconds after opening. */
export function parseEscalationLevels(text: string): { levels: EscalationLevel[]; errors: FieldError[] } {
  const levels: EscalationLevel[] = [];
  const errors: FieldError[] = [];
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0) errors.push({ field: 'levels', message: 'expected at least one level like care_staff@0' });
  parts.forEach((part, i) => {
    const at = part.lastIndexOf('@');
    const who = at > 0 ? part.slice(0, at) : '';
    const seconds = at > 0 ? part.slice(at + 1) : '';
    if (!who || !/^\d+$/.test(seconds)) {
      errors.push({ field: `levels[${i}]`, message: `expected role-or-email@seconds, got "${part}"` });
      return;
    }
    const afterSeconds = Number(seconds);
    if (i > 0 && afterSeconds <= levels[levels.length - 1]?.afterSeconds) {
      errors.push({ field: `levels[${i}]`, message: 'each level must come later than the one before' });
    }
    if (who === 'clinician' || who === 'care_staff' || who === 'admin') levels.push({ role: who, afterSeconds });
    else if (/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(who)) levels.push({ userEmail: who.toLowerCase(), afterSeconds });
    else errors.push({ field: `levels[${i}]`, message: `"${who}" is neither a role (care_staff, clinician, admin) nor an e-mail address` });
  });
  return { levels, errors };
}

/**
 * When the next level after `level` of `cycle` fires, for an alert opened at `openedAt`:
 * levels are offsets from the start of a cycle, and the whole chain repeats up to `repeats`
 * more times, each cycle starting one chain length (the last level's offset, at least 60 s)
 * after the previous one. Null once the chain and its repeats are done.
 */
export function nextEscalation(
  levels: readonly EscalationLevel[],
  repeats: number,
  openedAt: number,
  current: { level: number; cycle: number },
): { level: number; cycle: number; at: number } | null {
  if (levels.length === 0) return null;
  const cycleLength = Math.max(60, levels[levels.length - 1].afterSeconds) * 1000;
  let { level, cycle } = current;
  level += 1;
  if (level >= levels.length) {
    level = 0;
    cycle += 1;
    if (cycle > repeats) return null;
  }
  return { level, cycle, at: openedAt + cycle * cycleLength + levels[level].afterSeconds * 1000 };
}

export interface RosterEntry {
  userId: string;
  weekday: number;
  fromMinute: number;
  toMinute: number;
}

/**
 * Who of `members` is on duty at `t`: those with a roster entry covering the team's local
 * weekday and time; a team without any roster has everyone on duty.
 */
export function onDuty(memberIds: readonly string[], roster: readonly RosterEntry[], t: number, timeZone: string): string[] {
  if (roster.length === 0) return [...memberIds];
  const { minute, weekday } = localTime(t, timeZone);
  const on = new Set(roster.filter((r) => r.weekday === weekday && minute >= r.fromMinute && minute < r.toMinute).map((r) => r.userId));
  return memberIds.filter((id) => on.has(id));
}

// ---- fatigue metrics -----------------------------------------------------------------

/** The p-th percentile (0–100) by nearest rank of `values`; null when empty. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

// ---- NEWS2 over time -----------------------------------------------------------------

export interface News2Point {
  t: Date;
  score: number;
  risk: News2Result['risk'];
  components: News2Result['components'];
  missing: News2Result['missing'];
}

/**
 * NEWS2 as a series: after every sample of a NEWS2 parameter (ascending time), the score of
 * the latest value of each parameter no older than `freshMs` (stale = missing, never 0).
 * Samples before `from` only seed the latest values; samples of one instant make one point;
 * a point equal to the previous one is left out.
 */
export function news2Series(
  samples: ReadonlyArray<{ t: Date; metric: string; value: number }>,
  spo2Scale: 1 | 2,
  freshMs: number,
  from: Date,
  score: (values: Record<string, number>, scale: 1 | 2) => News2Result,
): News2Point[] {
  const latest = new Map<string, { t: number; value: number }>();
  const points: News2Point[] = [];
  samples.forEach((sample, i) => {
    latest.set(sample.metric, { t: sample.t.getTime(), value: sample.value });
    if (sample.t < from) return;
    if (samples[i + 1]?.t.getTime() === sample.t.getTime()) return; // one point per instant, after all its parameters
    const now = sample.t.getTime();
    const values: Record<string, number> = {};
    for (const [metric, entry] of latest) if (now - entry.t <= freshMs) values[metric] = entry.value;
    const result = score(values, spo2Scale);
    const last = points[points.length - 1];
    if (last && last.score === result.score && last.risk === result.risk && last.missing.join() === result.missing.join()) return;
    points.push({ t: sample.t, ...result });
  });
  return points;
}
