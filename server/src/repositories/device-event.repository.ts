import { Injectable } from '@nestjs/common';
import type { EventRow } from '../domain/ingest-batch.js';
import { DatabaseRepository, type Queryable } from './database.repository.js';

const INSERT = `INSERT INTO events (time, patient_id, device_id, type, data)
  SELECT * FROM unnest($1::timestamptz[], $2::uuid[], $3::uuid[], $4::text[], $5::jsonb[])
  ON CONFLICT (device_id, type, time) DO NOTHING`;

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
}
