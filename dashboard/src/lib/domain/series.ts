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

/** Live samples appended to a raw series, in time order, without duplicates, within the window. */
export function appendSamples(columns: Columns, samples: ReadonlyArray<{ t: string; value: number }>, fromSeconds: number): Columns {
  const next: Columns = [[...columns[0]], [...columns[1]], [...columns[2]], [...columns[3]]];
  for (const sample of samples) {
    const x = Date.parse(sample.t) / 1000;
    if (x < fromSeconds || next[0].includes(x)) continue;
    let i = next[0].length;
    while (i > 0 && next[0][i - 1] > x) i--;
    for (const [column, value] of [
      [0, x],
      [1, sample.value],
      [2, sample.value],
      [3, sample.value],
    ] as const)
      next[column].splice(i, 0, value);
  }
  let start = 0;
  while (start < next[0].length && next[0][start] < fromSeconds) start++;
  return start === 0 ? next : (next.map((c) => c.slice(start)) as Columns);
}
