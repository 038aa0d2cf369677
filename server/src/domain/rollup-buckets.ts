import type { ReadingRow } from './ingest-batch.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/** One rollup bucket of a patient's metric, summed from a batch. */
export interface Bucket {
  bucket: number;
  patientId: string;
  metric: string;
  min: number;
  max: number;
  sum: number;
  count: number;
  last: number;
  lastTime: number;
}

/**
 * The batch's rows summed per (patient, metric, bucket of `widthMs`), as the rollup upsert adds
 * them: minimum, maximum, sum, count, and the value at the latest time (of equal times the
 * larger value, as the rollup upsert keeps it). Buckets start at whole multiples of `widthMs`
 * since the epoch, the same as `date_bin` from 2000-01-01 for a minute and an hour.
 */
export function rollupBuckets(rows: readonly ReadingRow[], widthMs: number): Bucket[] {
  const buckets = new Map<string, Bucket>();
  for (const row of rows) {
    const time = row.time.getTime();
    const start = Math.floor(time / widthMs) * widthMs;
    const key = `${row.patientId}|${row.metric}|${start}`;
    const found = buckets.get(key);
    if (!found) {
      buckets.set(key, {
        bucket: start,
        patientId: row.patientId,
        metric: row.metric,
        min: row.value,
        max: row.value,
        sum: row.value,
        count: 1,
        last: row.value,
        lastTime: time,
      });
      continue;
    }
    found.min = Math.min(found.min, row.value);
    found.max = Math.max(found.max, row.value);
    found.sum += row.value;
    found.count++;
    if (time > found.lastTime || (time === found.lastTime && row.value > found.last)) {
      found.last = row.value;
      found.lastTime = time;
    }
  }
  return [...buckets.values()];
}
