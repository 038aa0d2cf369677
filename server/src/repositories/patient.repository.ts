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

@Injectable()
export class PatientRepository {
  constructor(private readonly db: DatabaseRepository) {}

  async create(patient: { name: string; teamId: string; spo2Scale: 1 | 2 }): Promise<Patient> {
    const { rows } = await this.db.query<Patient>(
      `INSERT INTO patients (name, team_id, spo2_scale) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
      [patient.name, patient.teamId, patient.spo2Scale],
    );
    return rows[0];
  }

  async get(id: string): Promise<Patient | undefined> {
    const { rows } = await this.db.query<Patient>(`SELECT ${COLUMNS} FROM patients WHERE id = $1`, [id]);
    return rows[0];
  }

  async count(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>('SELECT count(*) AS n FROM patients');
    return rows[0].n;
  }
}
