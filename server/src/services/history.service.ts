import { Injectable } from '@nestjs/common';
import { alignDown, chooseResolution, type HistorySource } from '../domain/history-resolution.js';
import { type HistoryPoint, ReadingRepository } from '../repositories/reading.repository.js';

export interface HistoryQuery {
  patientId: string;
  metric: string;
  from: Date;
  to: Date;
  maxPoints: number;
}

export interface History {
  /** Where the points came from: raw samples or a rollup. */
  source: HistorySource;
  /** Bucket width in ms; 0 when each point is one raw sample. */
  bucketMs: number;
  points: HistoryPoint[];
}

@Injectable()
export class HistoryService {
  constructor(private readonly readings: ReadingRepository) {}

  /**
   * A metric's series over [from, to) in at most `maxPoints` points with min/max/avg per
   * bucket. Raw samples when they fit; otherwise buckets from raw, the 1-minute or the
   * 1-hour rollup, whichever is the coarsest source finer than the bucket width.
   */
  async series({ patientId, metric, from, to, maxPoints }: HistoryQuery): Promise<History> {
    const { source, bucketMs } = chooseResolution(from.getTime(), to.getTime(), maxPoints);
    if (source === 'raw') {
      const samples = await this.readings.raw(patientId, metric, from, to, maxPoints + 1);
      if (samples.length <= maxPoints) {
        return {
          source,
          bucketMs: 0,
          points: samples.map(({ t, value }) => ({ t, min: value, max: value, avg: value, count: 1, last: value })),
        };
      }
    }
    const start = new Date(alignDown(from.getTime(), source));
    return { source, bucketMs, points: await this.readings.buckets(patientId, metric, start, to, source, bucketMs) };
  }
}
