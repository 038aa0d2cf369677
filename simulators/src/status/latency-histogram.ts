/**
 * Latencies in log-spaced buckets 1 % wide from 0.01 ms to ~10 min: exact counts, percentiles
 * within 1 %, constant memory however long a load test or a ward runs.
 */
const MIN_MS = 0.01;
const GROWTH = 1.01;
const BUCKETS = Math.ceil(Math.log(600_000 / MIN_MS) / Math.log(GROWTH)) + 1;

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  private total = 0;
  private maximum = 0;

  record(ms: number): void {
    const index = ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / MIN_MS) / Math.log(GROWTH)));
    this.counts[index]++;
    this.total++;
    if (ms > this.maximum) this.maximum = ms;
  }

  get count(): number {
    return this.total;
  }

  get max(): number {
    return this.maximum;
  }

  /** The latency `p` (0–100) percent of the samples are at or below (upper edge of its bucket, capped by the max). */
  percentile(p: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(this.maximum, MIN_MS * GROWTH ** i);
    }
    return this.maximum;
  }
}
