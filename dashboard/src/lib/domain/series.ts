/**
 * History points to uPlot's columnar data: x in seconds, then avg, min and max. The min/max
 * envelope is kept for downsampled points so that a short desaturation inside a 1-hour bucket
 * stays visible at 30 days (the min line reaches it even when the average hides it).
 */
export interface Point {
  t: string;
  min: number;
  max: number;
  avg: number;
  count?: number;
}

export type Columns = [number[], number[], number[], number[]];

export function toColumns(points: readonly Point[]): Columns {
  const columns: Columns = [[], [], [], []];
  for (const point of points) {
    columns[0].push(Date.parse(point.t) / 1000);
    columns[1].push(point.avg);
    columns[2].push(point.min);
    columns[3].push(point.max);
  }
  return columns;
}

/**
 * Live samples added to a series, in time order, within the window. On a downsampled series
 * (`bucketSeconds` > 0) a sample inside the newest bucket widens that bucket's min/max envelope
 * and moves its average (`counts` holds each bucket's sample count); a later one starts a bucket.
 * On a raw series each sample is a point, and a repeat of a stored time is ignored.
 */
export interface Series {
  columns: Columns;
  counts: number[];
  bucketSeconds: number;
}

export function appendSamples(series: Series, samples: ReadonlyArray<{ t: string; value: number }>, fromSeconds: number): Series {
  const [xs, avg, min, max] = series.columns.map((c) => [...c]);
  const counts = [...series.counts];
  const bucket = series.bucketSeconds;
  for (const sample of [...samples].sort((a, b) => Date.parse(a.t) - Date.parse(b.t))) {
    const x = Date.parse(sample.t) / 1000;
    const v = sample.value;
    if (x < fromSeconds) continue;
    const last = xs.length - 1;
    if (bucket > 0 && last >= 0 && x < xs[last] + bucket) {
      if (x < xs[last]) continue;
      min[last] = Math.min(min[last], v);
      max[last] = Math.max(max[last], v);
      avg[last] = (avg[last] * counts[last] + v) / (counts[last] + 1);
      counts[last]++;
      continue;
    }
    if (bucket === 0 && xs.includes(x)) continue;
    let i = xs.length;
    while (i > 0 && xs[i - 1] > x) i--;
    xs.splice(i, 0, bucket > 0 ? x - (x % bucket) : x);
    avg.splice(i, 0, v);
    min.splice(i, 0, v);
    max.splice(i, 0, v);
    counts.splice(i, 0, 1);
  }
  let start = 0;
  while (start < xs.length && xs[start] + bucket < fromSeconds) start++;
  return { columns: [xs.slice(start), avg.slice(start), min.slice(start), max.slice(start)], counts: counts.slice(start), bucketSeconds: bucket };
}
