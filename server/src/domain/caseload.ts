import { NEWS2_PARAMETERS, type News2Parameter, type News2Result, scoreNews2, type Spo2Scale } from './news2.js';

/**
 * The caseload overview's rules, pure: latest values per metric, NEWS2 from the fresh ones,
 * and the order a clinician reads the list in.
 */

/** How far back the overview looks for a metric's latest value (bounds the chunks searched). */
export const LATEST_LOOKBACK_SECONDS = 30 * 24 * 60 * 60;
/**
 * A value counts towards NEWS2 when it is at most this old. Home telemedicine measures once
 * or a few times a day, so a day keeps the last round of measurements; anything older is
 * `missing` and the score shows as partial.
 */
export const NEWS2_FRESH_SECONDS = 24 * 60 * 60;

export interface LatestValue {
  value: number;
  t: Date;
  fresh: boolean;
}

/** Rows of many patients, by patient id, each without its patientId. */
export function groupByPatient<R extends { patientId: string }>(rows: readonly R[]): Map<string, Array<Omit<R, 'patientId'>>> {
  const groups = new Map<string, Array<Omit<R, 'patientId'>>>();
  for (const { patientId, ...rest } of rows) {
    const group = groups.get(patientId) ?? [];
    group.push(rest);
    groups.set(patientId, group);
  }
  return groups;
}

/** Rows (patient, metric, value, time, fresh) to `{patientId: {metric: value}}`. */
export function latestByPatient(
  rows: ReadonlyArray<{ patientId: string; metric: string; value: number; time: Date; fresh: boolean }>,
): Map<string, Record<string, LatestValue>> {
  const byPatient = new Map<string, Record<string, LatestValue>>();
  for (const row of rows) {
    const latest = byPatient.get(row.patientId) ?? {};
    latest[row.metric] = { value: row.value, t: row.time, fresh: row.fresh };
    byPatient.set(row.patientId, latest);
  }
  return byPatient;
}

/** NEWS2 over the fresh values; stale and absent parameters are listed in `missing`. */
export function news2FromLatest(latest: Record<string, LatestValue>, spo2Scale: Spo2Scale): News2Result {
  const values: Partial<Record<News2Parameter, number>> = {};
  for (const parameter of NEWS2_PARAMETERS) {
    const entry = latest[parameter];
    if (entry?.fresh) values[parameter] = entry.value;
  }
  return scoreNews2(values, spo2Scale);
}

const PRIORITY_RANK = { high: 3, medium: 2, low: 1 } as const;

/** Most urgent first: the highest open alert, then the NEWS2 score, then by name. */
export function byUrgency<P extends { name: string; news2: { score: number }; alerts: ReadonlyArray<{ priority: keyof typeof PRIORITY_RANK }> }>(
  a: P,
  b: P,
): number {
  const alertRank = (p: P) => Math.max(0, ...p.alerts.map((alert) => PRIORITY_RANK[alert.priority]));
  return alertRank(b) - alertRank(a) || b.news2.score - a.news2.score || a.name.localeCompare(b.name);
}
