import { Injectable } from '@nestjs/common';
import type { EventRow } from '../domain/ingest-batch.js';
import { DatabaseRepository, type Queryable } from './database.repository.js';

const INSERT = `INSERT INTO events (time, patient_id, device_id, type, data)
  SELECT * FROM unnest($1::timestamptz[], $2::uuid[], $3::uuid[], $4::text[], $5::jsonb[])
  ON CONFLICT (device_id, type, time) DO NOTHING`;

export interface StoredEvent {
  t: Date;
  deviceId: string;
  type: string;
  data: Record<string, unknown>;
}

/** Discrete device events (falls, bed exits, doses): the `events` table. */
@Injectable()
export class DeviceEventRepository {
  constructor(private readonly db: DatabaseRepository) {}

  /** Stores events; one re-sent with the same (device, type, time) is skipped. Returns rows inserted. */
  async insert(events: EventRow[], on: Queryable = this.db): Promise<number> {
    if (events.length === 0) return 0;
    const result = await on.query(INSERT, [
      events.map((e) => e.time.toISOString()),
      events.map((e) => e.patientId),
      events.map((e) => e.deviceId),
      events.map((e) => e.type),
      events.map((e) => JSON.stringify(e.data)),
    ]);
    return result.rowCount ?? 0;
  }

  /** A patient's events in [from, to), newest first, at most `limit`, of one type when given. */
  async list(patientId: string, from: Date, to: Date, limit: number, type?: string): Promise<StoredEvent[]> {
    const { rows } = await this.db.query<StoredEvent>(
      `SELECT time AS t, device_id AS "deviceId", type, data FROM events
        WHERE patient_id = $1 AND time >= $2 AND time < $3 AND ($5::text IS NULL OR type = $5)
        ORDER BY time DESC, device_id LIMIT $4`,
      [patientId, from, to, limit, type ?? null],
    );
    return rows;
  }
}
