import { Injectable } from '@nestjs/common';
import type { DeadLetter } from '../domain/ingest-batch.js';
import { DatabaseRepository, type Queryable } from './database.repository.js';

const INSERT = `INSERT INTO dead_letters (received_at, topic, device_id, reason, detail, payload_excerpt)
  SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bytea[])`;

/**
 * Rejected device messages, kept with their reason (docs/protocol.md lists the reasons). The
 * rows come storable (domain/ingest-validation.ts `deadLetterOf`): cleaned text and the
 * payload excerpt as `bytea`, so no message can make this insert fail.
 */
@Injectable()
export class DeadLetterRepository {
  constructor(private readonly db: DatabaseRepository) {}

  async insert(letters: DeadLetter[], on: Queryable = this.db): Promise<void> {
    if (letters.length === 0) return;
    await on.query(INSERT, [
      letters.map((l) => l.receivedAt.toISOString()),
      letters.map((l) => l.topic),
      letters.map((l) => l.deviceId),
      letters.map((l) => l.reason),
      letters.map((l) => l.detail),
      letters.map((l) => Buffer.from(l.payloadExcerpt)),
    ]);
  }

  async count(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>('SELECT count(*) AS n FROM dead_letters');
    return rows[0].n;
  }
}
