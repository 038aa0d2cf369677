import { Injectable } from '@nestjs/common';
import { DatabaseRepository } from './database.repository.js';

export interface Device {
  id: string;
  patientId: string | null;
  kind: string;
  revokedAt: Date | null;
  online: boolean;
  battery: number | null;
  lastSeen: Date | null;
  createdAt: Date;
}

const COLUMNS = `id, patient_id AS "patientId", kind, revoked_at AS "revokedAt", online, battery,
  last_seen AS "lastSeen", created_at AS "createdAt"`;

@Injectable()
export class DeviceRepository {
  constructor(private readonly db: DatabaseRepository) {}

  async create(device: { patientId: string; kind: string; secretHash: string }): Promise<Device> {
    const { rows } = await this.db.query<Device>(
      `INSERT INTO devices (patient_id, kind, secret_hash) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
      [device.patientId, device.kind, device.secretHash],
    );
    return rows[0];
  }

  async get(id: string): Promise<Device | undefined> {
    const { rows } = await this.db.query<Device>(`SELECT ${COLUMNS} FROM devices WHERE id = $1`, [id]);
    return rows[0];
  }

  async count(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>('SELECT count(*) AS n FROM devices WHERE revoked_at IS NULL');
    return rows[0].n;
  }
}
