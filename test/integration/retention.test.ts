import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../server/src/config/app.config.js';
import { ClockRepository } from '../../server/src/repositories/clock.repository.js';
import type { DatabaseRepository } from '../../server/src/repositories/database.repository.js';
import { SessionRepository } from '../../server/src/repositories/session.repository.js';
import { StorageRepository } from '../../server/src/repositories/storage.repository.js';
import { RetentionService } from '../../server/src/services/retention.service.js';
import { planNodes, planOf } from '../support/plans.js';
import { type MigratedDatabase, migratedDatabase } from '../support/storage.js';
import { waitFor } from '../support/wait.js';

const retentionOf = (db: DatabaseRepository, days = 730, storage = new StorageRepository(db)) =>
  new RetentionService(loadConfig({ VIGIL_RETENTION_DAYS: String(days) }), db, storage, new SessionRepository(db), new ClockRepository());

describe.each(['postgresql', 'timescaledb'] as const)('the retention sweep on %s', (dialect) => {
  let m: MigratedDatabase;
  beforeAll(async () => {
    m = await migratedDatabase(dialect);
  }, 60_000);
  afterAll(() => m?.close());

  it('prunes sign-in sessions (and their refresh tokens) that ended over 30 days ago, and only those', async () => {
    const { rows: users } = await m.db.query<{ id: string }>(
      `INSERT INTO users (email, name, role, password_hash) VALUES ('sweep@test.example', 'S', 'clinician', 'h') RETURNING id`,
    );
    const session = async (label: string, expiresIn: string, revoked = false) => {
      const { rows } = await m.db.query<{ id: string }>(
        `INSERT INTO auth_sessions (user_id, expires_at, revoked_at, user_agent) VALUES ($1, now() + $2::interval, $3, $4) RETURNING id`,
        [users[0].id, expiresIn, revoked ? new Date() : null, label],
      );
      await m.db.query('INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)', [`digest-${label}`, rows[0].id]);
    };
    await session('ended long ago', '-31 days');
    await session('revoked long ago', '-40 days', true);
    await session('ended lately', '-29 days');
    await session('live', '12 hours');

    await retentionOf(m.db).sweep();
    const { rows: left } = await m.db.query<{ label: string }>('SELECT user_agent AS label FROM auth_sessions ORDER BY expires_at');
    expect(left.map((row) => row.label)).toEqual(['ended lately', 'live']);
    const { rows: tokens } = await m.db.query<{ token_hash: string }>('SELECT token_hash FROM refresh_tokens ORDER BY token_hash');
    expect(tokens.map((row) => row.token_hash)).toEqual(['digest-ended lately', 'digest-live']);
  });
});

/**
 * Plain PostgreSQL deletes expired readings and rollup rows itself. The delete once had no
 * index on the time and read every row of each table every hour: at production size it hit the
 * statement timeout and nothing was ever deleted. It now goes through a BRIN index, in batches,
 * and start-up does not wait for it.
 */
describe('the retention delete on postgresql', () => {
  const DAYS = 30;
  const SPAN_DAYS = 40;
  const STEP_SECONDS = 10; // 345,600 readings, of which 86,400 expired: more than one batch
  let m: MigratedDatabase;
  beforeAll(async () => {
    m = await migratedDatabase('postgresql');
    const { rows } = await m.db.query<{ id: string }>(
      `WITH t AS (INSERT INTO teams (name) VALUES ('Retention ward') RETURNING id)
       INSERT INTO patients (team_id, name) SELECT id, 'Retention patient' FROM t RETURNING id`,
    );
    const patient = rows[0].id;
    // In time order, as ingest writes them; the rollups 57,600 rows each (a bucket a minute of
    // one patient, a bucket an hour of 60 patients).
    await m.db.query(
      `INSERT INTO readings (time, patient_id, device_id, metric, value)
         SELECT now() - make_interval(days => $2) + g * make_interval(secs => $3), $1, $1, 'hr', 70
           FROM generate_series(0, $2 * 86400 / $3 - 1) AS g`,
      [patient, SPAN_DAYS, STEP_SECONDS],
    );
    for (const [table, width, patients] of [
      ['readings_1m_rollup', '1 minute', 1],
      ['readings_1h_rollup', '1 hour', 60],
    ] as const) {
      await m.db.query(
        `INSERT INTO ${table} (bucket, patient_id, metric, min, max, sum, count, last, last_time)
           SELECT bucket, md5(p::text)::uuid, 'hr', 70, 70, 70, 1, 70, bucket
             FROM generate_series(date_trunc('hour', now()) - make_interval(days => $1), now() - $2::interval, $2::interval) AS bucket,
                  generate_series(1, $3) AS p
            ORDER BY bucket`,
        [SPAN_DAYS, width, patients],
      );
    }
    await m.db.query('ANALYZE readings, readings_1m_rollup, readings_1h_rollup');
  }, 120_000);
  afterAll(() => m?.close());

  const expectIndexDriven = async (at: Date) => {
    for (const [table, index] of [
      ['readings', 'readings_time_brin'],
      ['readings_1m_rollup', 'readings_1m_rollup_bucket_brin'],
      ['readings_1h_rollup', 'readings_1h_rollup_bucket_brin'],
    ] as const) {
      const plan = planNodes(await planOf(m.db, (explaining) => new StorageRepository(explaining).deleteOlderThan(table, at, 50_000)));
      expect(plan.filter((node) => node['Node Type'] === 'Seq Scan').map((node) => node['Relation Name'])).toEqual([]);
      expect(plan.map((node) => node['Index Name'])).toContain(index);
    }
  };

  const TABLES = [
    ['readings', 'time'],
    ['readings_1m_rollup', 'bucket'],
    ['readings_1h_rollup', 'bucket'],
  ] as const;
  const count = async (table: string, column: string, olderThan: boolean) => {
    const { rows } = await m.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE (${column} < now() - make_interval(days => $1)) = $2`, [
      olderThan ? DAYS : DAYS - 1,
      olderThan,
    ]);
    return rows[0].n;
  };

  it('finds the expired rows through the time index, not by reading whole tables', async () => {
    await expectIndexDriven(new Date(Date.now() - DAYS * 86_400_000));
  });

  it('deletes readings and rollup rows older than the retention, in batches, and keeps the rest', async () => {
    expect(await count('readings', 'time', true)).toBeGreaterThan(50_000);
    const fresh = await Promise.all(TABLES.map(([table, column]) => count(table, column, false)));

    await retentionOf(m.db, DAYS).sweep();

    for (const [table, column] of TABLES) expect(await count(table, column, true)).toBe(0);
    // Everything under DAYS - 1 days old is still there.
    expect(await Promise.all(TABLES.map(([table, column]) => count(table, column, false)))).toEqual(fresh);
    // The steady state, nothing due: still the index.
    await expectIndexDriven(new Date(Date.now() - DAYS * 86_400_000));
  });

  it('does not hold up start-up: apply returns while the first sweep is still deleting', async () => {
    let deleting = false;
    const stuck = new StorageRepository(m.db);
    stuck.deleteOlderThan = () => {
      deleting = true;
      return new Promise<number>(() => undefined);
    };
    const retention = retentionOf(m.db, DAYS, stuck);
    try {
      await retention.apply();
      await waitFor(
        () => deleting,
        (started) => started,
      );
    } finally {
      retention.onApplicationShutdown();
    }
  });
});

describe('the retention policies on timescaledb', () => {
  let m: MigratedDatabase;
  beforeAll(async () => {
    m = await migratedDatabase('timescaledb');
  }, 60_000);
  afterAll(() => m?.close());

  const policies = async () =>
    (
      await m.db.query<{ relation: string; after: string }>(
        `SELECT hypertable_name AS relation, config->>'drop_after' AS after FROM timescaledb_information.jobs
          WHERE proc_name = 'policy_retention' ORDER BY 1`,
      )
    ).rows;

  it('gives the readings and both rollups the configured retention, reconciled when it changes, never duplicated', async () => {
    for (const days of [730, 730, 30]) {
      const retention = retentionOf(m.db, days);
      await retention.apply();
      retention.onApplicationShutdown();
    }
    expect(await policies()).toEqual([
      { relation: 'readings', after: '30 days' },
      { relation: 'readings_1h', after: '30 days' },
      { relation: 'readings_1m', after: '30 days' },
    ]);
  });

  it('drops rollups past the retention as it drops the readings, as the plain-PostgreSQL sweep deletes both', async () => {
    const one = async (sql: string, params: unknown[] = []) => (await m.db.query<{ id: string }>(sql, params)).rows[0].id;
    const team = await one(`INSERT INTO teams (name) VALUES ('Retention ward') RETURNING id`);
    const patient = await one(`INSERT INTO patients (team_id, name) VALUES ($1, 'Retention patient') RETURNING id`, [team]);
    const device = await one(`INSERT INTO devices (patient_id, kind, secret_hash) VALUES ($1, 'wearable', 'x') RETURNING id`, [patient]);
    await m.db.query(
      `INSERT INTO readings (time, patient_id, device_id, metric, value)
       VALUES (date_trunc('hour', now()) - interval '40 days', $1, $2, 'hr', 60), (date_trunc('hour', now()) - interval '2 hours', $1, $2, 'hr', 70)`,
      [patient, device],
    );
    for (const view of ['readings_1m', 'readings_1h']) await m.db.query(`CALL refresh_continuous_aggregate('${view}', NULL, NULL)`);
    const kept = async () =>
      Promise.all(
        ['readings', 'readings_1m', 'readings_1h'].map(async (relation) =>
          (await m.db.query<{ value: number }>(`SELECT ${relation === 'readings' ? 'value' : 'max AS value'} FROM ${relation} ORDER BY 1`)).rows.map(
            (r) => r.value,
          ),
        ),
      );
    expect(await kept()).toEqual([
      [60, 70],
      [60, 70],
      [60, 70],
    ]);

    const retention = retentionOf(m.db, 30);
    await retention.apply();
    retention.onApplicationShutdown();
    const jobs = await m.db.query<{ id: number }>(`SELECT job_id AS id FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention'`);
    for (const { id } of jobs.rows) await m.db.query(`CALL run_job(${Number(id)})`);
    expect(await kept()).toEqual([[70], [70], [70]]);
  });
});
