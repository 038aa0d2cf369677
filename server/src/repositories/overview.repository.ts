import { Injectable } from '@nestjs/common';
import { DatabaseRepository } from './database.repository.js';

export interface LatestReading {
  patientId: string;
  metric: string;
  value: number;
  time: Date;
  /** Within the freshness window NEWS2 uses. */
  fresh: boolean;
}

export interface DeviceState {
  id: string;
  patientId: string;
  kind: string;
  online: boolean;
  battery: number | null;
  lastSeen: Date | null;
}

/** The reads behind the caseload overview, each for a given set of patients in one query. */
@Injectable()
export class OverviewRepository {
  constructor(private readonly db: DatabaseRepository) {}

  /**
   * The newest reading per patient and metric within `lookbackSeconds`. One index probe per
   * (patient, metric) on (patient_id, metric, time DESC); the lookback bounds how many
   * chunks of the hypertable a metric without data is looked for in.
   */
  async latestReadings(patientIds: string[], metrics: readonly string[], lookbackSeconds: number, freshSeconds: number): Promise<LatestReading[]> {
    if (patientIds.length === 0) return [];
    const { rows } = await this.db.query<LatestReading>(
      `SELECT p.id AS "patientId", m.metric, l.value, l.time, l.time > now() - make_interval(secs => $4) AS fresh
         FROM unnest($1::uuid[]) AS p(id)
        CROSS JOIN unnest($2::text[]) AS m(metric)
        CROSS JOIN LATERAL (
          SELECT r.time, r.value FROM readings r
           WHERE r.patient_id = p.id AND r.metric = m.metric AND r.time > now() - make_interval(secs => $3)
           ORDER BY r.time DESC LIMIT 1
        ) l`,
      [patientIds, metrics, lookbackSeconds, freshSeconds],
    );
    return rows;
  }

  async devices(patientIds: string[]): Promise<DeviceState[]> {
    if (patientIds.length === 0) return [];
    const { rows } = await this.db.query<DeviceState>(
      `SELECT id, patient_id AS "patientId", kind, online, battery, last_seen AS "lastSeen"
         FROM devices WHERE patient_id = ANY($1::uuid[]) AND revoked_at IS NULL ORDER BY kind, id`,
      [patientIds],
    );
    return rows;
  }
}
