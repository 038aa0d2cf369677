import { Injectable } from '@nestjs/common';
import { DatabaseRepository } from './database.repository.js';

export interface Patient {
  id: string;
  name: string;
  teamId: string;
  spo2Scale: 1 | 2;
  createdAt: Date;
}

const COLUMNS = 'id, name, team_id AS "teamId", spo2_scale AS "spo2Scale", created_at AS "createdAt"';
const P_COLUMNS = 'p.id, p.name, p.team_id AS "teamId", p.spo2_scale AS "spo2Scale", p.created_at AS "createdAt"';

@Injectable()
export class PatientRepository {
  constructor(private readonly db: DatabaseRepository) {}

  async create(patient: { name: string; teamId: string; spo2Scale: 1 | 2 }): Promise<Patient> {
    const { rows } = await this.db.query<Patient>(`INSERT INTO patients (name, team_id, spo2_scale) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`, [
      patient.name,
      patient.teamId,
      patient.spo2Scale,
    ]);
    return rows[0];
  }

  async get(id: string): Promise<Patient | undefined> {
    const { rows } = await this.db.query<Patient>(`SELECT ${COLUMNS} FROM patients WHERE id = $1`, [id]);
    return rows[0];
  }

  /** Those of `ids` that are patients of the team. */
  async existingInTeam(teamId: string, ids: string[]): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>('SELECT id FROM patients WHERE team_id = $1 AND id = ANY($2::uuid[])', [teamId, ids]);
    return rows.map((row) => row.id);
  }

  /** The team of each of the patients that exists. */
  async teamsOf(ids: string[]): Promise<Map<string, string>> {
    const { rows } = await this.db.query<{ id: string; teamId: string }>('SELECT id, team_id AS "teamId" FROM patients WHERE id = ANY($1::uuid[])', [ids]);
    return new Map(rows.map((row) => [row.id, row.teamId]));
  }

  async count(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>('SELECT count(*) AS n FROM patients');
    return rows[0].n;
  }

  // ---- Care-team scoping: AccessService is the only caller of the *ForMember methods ----

  /** The patient, when one of the user's teams cares for it. */
  async getForMember(id: string, userId: string): Promise<Patient | undefined> {
    const { rows } = await this.db.query<Patient>(
      `SELECT ${P_COLUMNS} FROM patients p JOIN team_members m ON m.team_id = p.team_id AND m.user_id = $2 WHERE p.id = $1`,
      [id, userId],
    );
    return rows[0];
  }

  /** Every patient of the user's teams, by name. */
  async listForMember(userId: string): Promise<Patient[]> {
    const { rows } = await this.db.query<Patient>(
      `SELECT ${P_COLUMNS} FROM patients p JOIN team_members m ON m.team_id = p.team_id AND m.user_id = $1 ORDER BY p.name, p.id`,
      [userId],
    );
    return rows;
  }

  // ---- Administration ----

  async list(teamId?: string): Promise<Patient[]> {
    const { rows } = await this.db.query<Patient>(`SELECT ${COLUMNS} FROM patients WHERE $1::uuid IS NULL OR team_id = $1 ORDER BY name, id`, [teamId ?? null]);
    return rows;
  }

  async update(id: string, changes: { name?: string; teamId?: string; spo2Scale?: 1 | 2 }): Promise<Patient | undefined> {
    const { rows } = await this.db.query<Patient>(
      `UPDATE patients SET name = coalesce($2, name), team_id = coalesce($3, team_id), spo2_scale = coalesce($4, spo2_scale)
        WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, changes.name ?? null, changes.teamId ?? null, changes.spo2Scale ?? null],
    );
    return rows[0];
  }
}
