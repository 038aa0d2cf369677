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
