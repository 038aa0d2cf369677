import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ReadingRepository } from '../../server/src/repositories/reading.repository.js';
import { blocksRead, planOf } from '../support/plans.js';
import { type MigratedDatabase, migratedDatabase } from '../support/storage.js';

/**
 * `vigil status` on a large readings table: the count is exact while the table is small and the
 * database's estimate past the limit (a billion rows are not counted one by one for an
 * operator's glance), and the newest reading's time is found without reading the whole table.
 * Fixture on both dialects: 400,000 readings a month old and 300 from the last half hour.
 * Checked by the answers and by the pages the statement read (EXPLAIN (ANALYZE, BUFFERS)),
 * against a plain count(*) and max(time) of the same table.
 */

const OLD = 400_000;
const RECENT = 300;
const DEVICE = '00000000-0000-4000-8000-00000000b001';

describe.each(['postgresql', 'timescaledb'] as const)('status counts on %s', (dialect) => {
  let m: MigratedDatabase;
  let newest: Date;

  beforeAll(async () => {
    m = await migratedDatabase(dialect);
    const one = async (sql: string, params: unknown[] = []) => (await m.db.query<{ id: string }>(sql, params)).rows[0].id;
    const team = await one(`INSERT INTO teams (name) VALUES ('Status ward') RETURNING id`);
    const patient = await one(`INSERT INTO patients (team_id, name) VALUES ($1, 'Status patient') RETURNING id`, [team]);
    await m.db.query(`INSERT INTO devices (id, patient_id, kind, secret_hash) VALUES ($1, $2, 'wearable', 'x')`, [DEVICE, patient]);
    // 400,000 a second apart, ending 30 days ago; then 300 a second apart, the last 10 minutes ago.
    const series = (count: number, endAgoSeconds: number) =>
      m.db.query(
        `INSERT INTO readings (time, patient_id, device_id, metric, value)
           SELECT date_trunc('second', now()) - ($3::int + $4::int - g) * interval '1 second', $1, $2, 'hr', 70
             FROM generate_series(1, $3::int) AS g`,
        [patient, DEVICE, count, endAgoSeconds],
      );
    await series(OLD, 30 * 86_400);
    await series(RECENT, 600);
    newest = (await m.db.query<{ last: Date }>('SELECT max(time) AS last FROM readings')).rows[0].last;
  });
  afterAll(async () => {
    await m?.close();
  });

  it('counts exactly while the table is small, also before the database has an estimate', async () => {
    expect(await new ReadingRepository(m.db).count()).toEqual({ readings: OLD + RECENT, exact: true, lastReadingAt: newest });
  });

  it('gives the estimate past the limit, and reads a small part of the table for it', async () => {
    // What autovacuum does in production: the estimate (ANALYZE), and on plain PostgreSQL the
    // summaries of the time index's block ranges (VACUUM), without which every range matches.
    await m.db.query('VACUUM ANALYZE readings');
    const counted = await new ReadingRepository(m.db).count(OLD / 2);
    expect(counted.exact).toBe(false);
    expect(Math.abs(counted.readings - (OLD + RECENT))).toBeLessThan((OLD + RECENT) * 0.05);
    expect(counted.lastReadingAt).toEqual(newest);
    // Under the limit the same table is still counted exactly.
    expect(await new ReadingRepository(m.db).count(OLD + RECENT + 1)).toEqual({ readings: OLD + RECENT, exact: true, lastReadingAt: newest });

    // The explained statement returns no rows to the repository, which then fails: only the plan counts here.
    const estimated = blocksRead(await planOf(m.db, (db) => new ReadingRepository(db).count(OLD / 2).catch(() => undefined), true));
    const whole = blocksRead(await planOf(m.db, (db) => db.query('SELECT count(*), max(time) FROM readings'), true));
    expect(whole).toBeGreaterThan(1_500);
    expect(estimated).toBeLessThan(whole / 10);
  });
});
