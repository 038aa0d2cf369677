import { Injectable } from '@nestjs/common';
import type { Threshold } from '../domain/alert-rules.js';
import { DatabaseRepository } from './database.repository.js';

export interface ThresholdRecord extends Threshold {
  id: string;
  patientId: string | null;
  teamId: string | null;
  updatedBy: string | null;
  updatedAt: Date;
}

const COLUMNS = `id, patient_id AS "patientId", team_id AS "teamId", metric, red_low AS "redLow", yellow_low AS "yellowLow",
  yellow_high AS "yellowHigh", red_high AS "redHigh", sustained_seconds AS "sustainedSeconds", clear_margin AS "clearMargin",
  clear_after_seconds AS "clearAfterSeconds", updated_by AS "updatedBy", updated_at AS "updatedAt"`;

export type ThresholdOwner = { patientId: string } | { teamId: string };

@Injectable()
export class ThresholdRepository {
  constructor(private readonly db: DatabaseRepository) {}

  async list(owner: ThresholdOwner): Promise<ThresholdRecord[]> {
    const [column, id] = 'patientId' in owner ? ['patient_id', owner.patientId] : ['team_id', owner.teamId];
    const { rows } = await this.db.query<ThresholdRecord>(`SELECT ${COLUMNS} FROM thresholds WHERE ${column} = $1 ORDER BY metric`, [id]);
    return rows;
  }

  /** Creates or replaces the owner's threshold for the metric. */
  async upsert(owner: ThresholdOwner, t: Threshold, updatedBy: string | null): Promise<ThresholdRecord> {
    const patientId = 'patientId' in owner ? owner.patientId : null;
    const teamId = 'teamId' in owner ? owner.teamId : null;
    const conflict = patientId ? '(patient_id, metric) WHERE patient_id IS NOT NULL' : '(team_id, metric) WHERE team_id IS NOT NULL';
    const { rows } = await this.db.query<ThresholdRecord>(
      `INSERT INTO thresholds (patient_id, team_id, metric, red_low, yellow_low, yellow_high, red_high, sustained_seconds, clear_margin, clear_after_seconds, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT ${conflict} DO UPDATE SET red_low = EXCLUDED.red_low, yellow_low = EXCLUDED.yellow_low, yellow_high = EXCLUDED.yellow_high,
         red_high = EXCLUDED.red_high, sustained_seconds = EXCLUDED.sustained_seconds, clear_margin = EXCLUDED.clear_margin,
         clear_after_seconds = EXCLUDED.clear_after_seconds, updated_by = EXCLUDED.updated_by, updated_at = now()
       RETURNING ${COLUMNS}`,
      [
        patientId,
        teamId,
        t.metric,
        t.redLow ?? null,
        t.yellowLow ?? null,
        t.yellowHigh ?? null,
        t.redHigh ?? null,
        t.sustainedSeconds,
        t.clearMargin,
        t.clearAfterSeconds,
        updatedBy,
      ],
    );
    return rows[0];
  }

  async remove(owner: ThresholdOwner, metric: string): Promise<boolean> {
    const [column, id] = 'patientId' in owner ? ['patient_id', owner.patientId] : ['team_id', owner.teamId];
    const { rowCount } = await this.db.query(`DELETE FROM thresholds WHERE ${column} = $1 AND metric = $2`, [id, metric]);
    return (rowCount ?? 0) > 0;
  }
}
