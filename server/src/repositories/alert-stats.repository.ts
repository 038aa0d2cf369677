import { Injectable } from '@nestjs/common';
import { DatabaseRepository } from './database.repository.js';

export interface AlertStatRow {
  kind: string;
  priority: string;
  state: string;
  openedAt: Date;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
  cleared: boolean;
  escalationLevel: number;
  escalationCycle: number;
}

/** The reads behind alarm-fatigue statistics and the NEWS2 series. */
@Injectable()
export class AlertStatsRepository {
  constructor(private readonly db: DatabaseRepository) {}

  async teamAlerts(teamId: string, from: Date, to: Date): Promise<AlertStatRow[]> {
    const { rows } = await this.db.query<AlertStatRow>(
      `SELECT a.kind, a.priority, a.state, a.opened_at AS "openedAt", a.acknowledged_at AS "acknowledgedAt", a.resolved_at AS "resolvedAt",
              a.cleared, a.escalation_level AS "escalationLevel", a.escalation_cycle AS "escalationCycle"
         FROM alerts a JOIN patients p ON p.id = a.patient_id
        WHERE p.team_id = $1 AND a.opened_at >= $2 AND a.opened_at < $3`,
      [teamId, from, to],
    );
    return rows;
  }

  /** Reading points received and the patients they came from, from the hour rollup: whole hours that overlap the range. */
  async teamReadings(teamId: string, from: Date, to: Date): Promise<{ points: number; patients: number }> {
    const { rows } = await this.db.query<{ points: number; patients: number }>(
      `SELECT coalesce(sum(r.count), 0)::float8 AS points, count(DISTINCT r.patient_id)::int AS patients
         FROM readings_1h r JOIN patients p ON p.id = r.patient_id
        WHERE p.team_id = $1 AND r.bucket >= date_trunc('hour', $2::timestamptz) AND r.bucket < $3`,
      [teamId, from, to],
    );
    return rows[0];
  }

  /** Hours the team's devices were offline within the range: each device_offline alert from its opening to its condition's end. */
  async teamDeviceHoursOffline(teamId: string, from: Date, to: Date): Promise<number> {
    const { rows } = await this.db.query<{ hours: number }>(
      `SELECT coalesce(sum(extract(epoch FROM least(coalesce(a.condition_cleared_at, a.resolved_at, $3::timestamptz), $3::timestamptz)
                                             - greatest(a.opened_at, $2::timestamptz))), 0)::float8 / 3600 AS hours
         FROM alerts a JOIN patients p ON p.id = a.patient_id
        WHERE p.team_id = $1 AND a.kind = 'device_offline' AND a.opened_at < $3
          AND coalesce(a.condition_cleared_at, a.resolved_at, 'infinity') > $2`,
      [teamId, from, to],
    );
    return rows[0].hours;
  }

  /** Per patient with a NEWS2 alert open at some time in the range, the highest priority it reached. */
  async teamNews2Peaks(teamId: string, from: Date, to: Date): Promise<Array<{ patientId: string; priority: 'low' | 'medium' | 'high' }>> {
    const { rows } = await this.db.query<{ patientId: string; priority: 'low' | 'medium' | 'high' }>(
      `SELECT a.patient_id AS "patientId",
              (array['low', 'medium', 'high'])[max(CASE a.priority WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END)] AS priority
         FROM alerts a JOIN patients p ON p.id = a.patient_id
        WHERE p.team_id = $1 AND a.kind = 'news2' AND a.opened_at < $3 AND coalesce(a.resolved_at, 'infinity') > $2
        GROUP BY a.patient_id`,
      [teamId, from, to],
    );
    return rows;
  }

  async teamPatientCount(teamId: string): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM patients WHERE team_id = $1`, [teamId]);
    return rows[0].n;
  }

  /** Raw NEWS2 inputs of one patient from `from - seedSeconds` to `to`, oldest first, at most `limit`. */
  async news2Inputs(
    patientId: string,
    metrics: readonly string[],
    from: Date,
    to: Date,
    seedSeconds: number,
    limit: number,
  ): Promise<Array<{ t: Date; metric: string; value: number }>> {
    const { rows } = await this.db.query<{ t: Date; metric: string; value: number }>(
      `SELECT time AS t, metric, value FROM readings
        WHERE patient_id = $1 AND metric = ANY($2::text[]) AND time > $3::timestamptz - make_interval(secs => $5) AND time <= $4
        ORDER BY time LIMIT $6`,
      [patientId, metrics, from, to, seedSeconds, limit],
    );
    return rows;
  }
}
