/**
 * A patient's threshold for one metric, as the alerts routes take it: red outside yellow, low
 * below high (`PUT /api/patients/{id}/thresholds`). Any bound may be absent. Checked here before
 * sending so the editor can name the field at once; the server checks the same again.
 */
export interface Threshold {
  metric: string;
  redLow: number | null;
  yellowLow: number | null;
  yellowHigh: number | null;
  redHigh: number | null;
  sustainedSeconds: number;
}

export const BOUNDS = ['redLow', 'yellowLow', 'yellowHigh', 'redHigh'] as const;
export type Bound = (typeof BOUNDS)[number];

export type ThresholdProblem = { field: Bound | 'sustainedSeconds'; problem: 'notNumber' | 'outOfRange' | 'order' };

/** The bounds in order must rise: redLow < yellowLow < yellowHigh < redHigh (absent ones skipped). */
export function validateThreshold(t: Threshold, plausible: readonly [number, number]): ThresholdProblem[] {
  const problems: ThresholdProblem[] = [];
  let previous: number | undefined;
  for (const field of BOUNDS) {
    const value = t[field];
    if (value === null) continue;
    if (!Number.isFinite(value)) {
      problems.push({ field, problem: 'notNumber' });
      continue;
    }
    if (value < plausible[0] || value > plausible[1]) problems.push({ field, problem: 'outOfRange' });
    else if (previous !== undefined && value <= previous) problems.push({ field, problem: 'order' });
    previous = value;
  }
  if (!Number.isInteger(t.sustainedSeconds) || t.sustainedSeconds < 0 || t.sustainedSeconds > 86_400)
    problems.push({ field: 'sustainedSeconds', problem: 'outOfRange' });
  return problems;
}

/** Plausible ranges of the metric catalogue (docs/architecture.md). */
export const PLAUSIBLE: Record<string, readonly [number, number]> = {
  hr: [20, 300],
  spo2: [50, 100],
  rr: [2, 80],
  temp: [30, 45],
  sbp: [40, 300],
  dbp: [20, 200],
  weight: [1, 500],
  glucose: [0.5, 50],
};

/** The shaded zones of a chart: [from, to, kind] in value units, open ends as ±Infinity. */
export function zonesOf(t: Pick<Threshold, Bound>): Array<[number, number, 'red' | 'yellow']> {
  const zones: Array<[number, number, 'red' | 'yellow']> = [];
  if (t.redLow !== null) zones.push([-Infinity, t.redLow, 'red']);
  if (t.yellowLow !== null) zones.push([t.redLow ?? -Infinity, t.yellowLow, 'yellow']);
  if (t.yellowHigh !== null) zones.push([t.yellowHigh, t.redHigh ?? Infinity, 'yellow']);
  if (t.redHigh !== null) zones.push([t.redHigh, Infinity, 'red']);
  return zones;
}
