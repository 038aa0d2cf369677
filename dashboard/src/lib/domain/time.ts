/** A value's age in the largest whole unit a clinician reads at a glance. */
export type Age = { unit: 'now' } | { unit: 'minutes' | 'hours' | 'days'; n: number };

export function ageOf(then: Date, now: Date): Age {
  const seconds = Math.max(0, (now.getTime() - then.getTime()) / 1000);
  if (seconds < 60) return { unit: 'now' };
  if (seconds < 3600) return { unit: 'minutes', n: Math.floor(seconds / 60) };
  if (seconds < 86_400) return { unit: 'hours', n: Math.floor(seconds / 3600) };
  return { unit: 'days', n: Math.floor(seconds / 86_400) };
}

/** The chart ranges of the patient view, and how many points each asks the history route for. */
export const RANGES = {
  '15m': 15 * 60,
  '24h': 24 * 3600,
  '7d': 7 * 86_400,
  '30d': 30 * 86_400,
} as const;
export type RangeKey = keyof typeof RANGES;

/** Points per chart: about one per two pixels of a wide chart. */
export const DEFAULT_POINTS = 600;
