import { Injectable } from '@nestjs/common';
import type { Actor } from '../domain/actor.js';
import { alignDown, chooseResolution, type HistorySource } from '../domain/history-resolution.js';
import type { EventsQuery, ReadingsQuery } from '../dtos/history.dto.js';
import { ClockRepository } from '../repositories/clock.repository.js';
import { DeviceEventRepository } from '../repositories/device-event.repository.js';
import { type HistoryPoint, ReadingRepository } from '../repositories/reading.repository.js';
import { AccessService } from './access.service.js';
import { AuditService } from './audit.service.js';

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

const DAY_MS = 24 * 60 * 60 * 1000;

@Injectable()
export class HistoryService {
  constructor(
    private readonly readings: ReadingRepository,
    private readonly events: DeviceEventRepository,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly clock: ClockRepository,
  ) {}

  /** GET /api/patients/{id}/readings: care-team checked first, audited. */
  async readingsOf(actor: Actor, patientId: string, query: ReadingsQuery) {
    await this.access.patient(actor, patientId);
    const { from, to } = this.range(query);
    const history = await this.series({ patientId, metric: query.metric, from, to, maxPoints: query.points });
    await this.audit.record(actor, 'history.readings', { patientId, details: { metric: query.metric, from, to, points: history.points.length } });
    return {
      metric: query.metric,
      resolution: history.source,
      bucketSeconds: history.bucketMs / 1000,
      points: history.points.map(({ t, min, max, avg, count }) => ({ t, min, max, avg, count: Number(count) })),
    };
  }

  /** GET /api/patients/{id}/events: care-team checked first, audited. */
  async eventsOf(actor: Actor, patientId: string, query: EventsQuery) {
    await this.access.patient(actor, patientId);
    const { from, to } = this.range(query);
    const events = await this.events.list(patientId, from, to, query.limit, query.type);
    await this.audit.record(actor, 'history.events', { patientId, details: { from, to, type: query.type, returned: events.length } });
    return { events };
  }

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
          points: samples.map(({ t, value }) => ({ t, min: value, max: value, avg: value, count: 1 })),
        };
      }
    }
    const start = new Date(alignDown(from.getTime(), source));
    return { source, bucketMs, points: await this.readings.buckets(patientId, metric, start, to, source, bucketMs) };
  }

  private range(query: { from?: Date; to?: Date }): { from: Date; to: Date } {
    const to = query.to ?? this.clock.date();
    const from = query.from ?? new Date(to.getTime() - DAY_MS);
    return { from, to };
  }
}
