/**
 * Which stored resolution answers a history query, and at which bucket width, so that any
 * range returns at most `maxPoints` points.
 *
 * Buckets are aligned to a fixed origin, so a range spanning `span` ms touches at most
 * ceil(span / width) + 1 buckets; a width of at least span / (maxPoints - 1) keeps that
 * within maxPoints. The width is rounded up to whole minutes or hours so that rollup
 * buckets nest inside it.
 */
export type HistorySource = 'raw' | '1m' | '1h';

export interface HistoryResolution {
  source: HistorySource;
  /** Width of the returned buckets in ms. */
  bucketMs: number;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const MAX_HISTORY_POINTS = 10_000;

export function chooseResolution(fromMs: number, toMs: number, maxPoints: number): HistoryResolution {
  if (!(toMs > fromMs)) throw new RangeError('the range must end after it starts');
  if (!Number.isInteger(maxPoints) || maxPoints < 2 || maxPoints > MAX_HISTORY_POINTS) {
    throw new RangeError(`maxPoints must be a whole number from 2 to ${MAX_HISTORY_POINTS}`);
  }
  const width = Math.ceil((toMs - fromMs) / (maxPoints - 1));
  if (width < MINUTE_MS) return { source: 'raw', bucketMs: width };
  if (width < HOUR_MS) return { source: '1m', bucketMs: roundUp(width, MINUTE_MS) };
  return { source: '1h', bucketMs: roundUp(width, HOUR_MS) };
}

const roundUp = (value: number, unit: number) => Math.ceil(value / unit) * unit;

/** The start of the source bucket that holds `ms`, so a rollup query includes a partly covered first bucket. */
export function alignDown(ms: number, source: HistorySource): number {
  const unit = source === '1h' ? HOUR_MS : source === '1m' ? MINUTE_MS : 1;
  return Math.floor(ms / unit) * unit;
}
