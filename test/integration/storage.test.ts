import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type MigratedDatabase, migratedDatabase } from '../support/storage.js';

const TABLES = [
  'teams',
  'users',
  'team_members',
  'patients',
  'devices',
  'readings',
  'events',
  'thresholds',
  'alerts',
  'alert_deliveries',
  'dead_letters',
  'audit_log',
  'schema_migrations',
];

describe.each(['postgresql', 'timescaledb'] as const)('storage on %s', (dialect) => {
  let m: MigratedDatabase;
  beforeAll(async () => {
    m = await migratedDatabase(dialect);
  });
  afterAll(() => m?.close());

  it('applies every migration once; applying again is a no-op', async () => {
    const { rows } = await m.db.query<{ name: string; dialect: string }>('SELECT name, dialect FROM schema_migrations ORDER BY name');
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows.every((row) => row.dialect === dialect)).toBe(true);
    expect(await m.migrations.migrate(dialect)).toEqual([]);
    const again = await m.db.query('SELECT count(*) AS n FROM schema_migrations');
    expect(again.rows[0].n).toBe(rows.length);
  });

  it('has every table the design names', async () => {
    const { rows } = await m.db.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`);
    const names = rows.map((row) => row.table_name);
    for (const table of TABLES) expect(names).toContain(table);
  });

  it('exposes readings_1m and readings_1h with the same columns', async () => {
    for (const view of ['readings_1m', 'readings_1h']) {
      const { fields } = await m.db.query(`SELECT * FROM ${view} LIMIT 0`);
      expect(fields.map((f) => f.name)).toEqual(['bucket', 'patient_id', 'metric', 'min', 'max', 'avg', 'count', 'last']);
    }
  });

  it('refuses a second migration run against the other dialect', async () => {
    const other = dialect === 'postgresql' ? 'timescaledb' : 'postgresql';
    await expect(m.migrations.migrate(other)).rejects.toThrow(`set up for ${dialect}`);
  });

  it('keeps the audit log append-only', async () => {
    await m.db.query(`INSERT INTO audit_log (actor_label, action) VALUES ('test', 'probe')`);
    await expect(m.db.query(`UPDATE audit_log SET action = 'changed'`)).rejects.toThrow('append-only');
    await expect(m.db.query(`DELETE FROM audit_log`)).rejects.toThrow('append-only');
    await expect(m.db.query(`TRUNCATE audit_log`)).rejects.toThrow('append-only');
    const { rows } = await m.db.query(`SELECT action FROM audit_log WHERE actor_label = 'test'`);
    expect(rows).toEqual([{ action: 'probe' }]);
  });

  it('enforces one unresolved alert per patient, kind and metric or device', async () => {
    const team = await m.db.query<{ id: string }>(`INSERT INTO teams (name) VALUES ('alerts') RETURNING id`);
    const patient = await m.db.query<{ id: string }>(`INSERT INTO patients (name, team_id) VALUES ('p', $1) RETURNING id`, [team.rows[0].id]);
    const insert = (kind: string, metric: string | null = null) =>
      m.db.query(`INSERT INTO alerts (patient_id, kind, metric, priority, opened_at, last_seen_at) VALUES ($1, $2, $3, 'high', now(), now())`, [
        patient.rows[0].id,
        kind,
        metric,
      ]);
    await insert('fall');
    await expect(insert('fall')).rejects.toThrow(/duplicate key/);
    await insert('threshold', 'hr');
    await insert('threshold', 'spo2'); // another metric is another condition
    await expect(insert('threshold', 'hr')).rejects.toThrow(/duplicate key/);
    await m.db.query(`UPDATE alerts SET state = 'resolved' WHERE kind = 'fall'`);
    await expect(insert('fall')).resolves.toBeDefined();
  });
});

describe('TimescaleDB specifics', () => {
  let m: MigratedDatabase;
  beforeAll(async () => {
    m = await migratedDatabase('timescaledb');
  });
  afterAll(() => m?.close());

  it('makes readings a hypertable with 1-day chunks', async () => {
    const { rows } = await m.db.query<{ interval: string }>(
      `SELECT time_interval::text AS interval FROM timescaledb_information.dimensions
        WHERE hypertable_name = 'readings' AND column_name = 'time'`,
    );
    expect(rows).toEqual([{ interval: '1 day' }]);
  });

  it('compresses after 7 days, segmented by patient and metric', async () => {
    const settings = await m.db.query<{ segmentby: string }>(
      `SELECT segmentby FROM timescaledb_information.hypertable_compression_settings WHERE hypertable::text = 'readings'`,
    );
    expect(settings.rows[0].segmentby.replace(/\s/g, '')).toBe('patient_id,metric');
    const job = await m.db.query<{ after: string }>(
      `SELECT config->>'compress_after' AS after FROM timescaledb_information.jobs
        WHERE proc_name = 'policy_compression' AND hypertable_name = 'readings'`,
    );
    expect(job.rows).toEqual([{ after: '7 days' }]);
  });

  it('has continuous aggregates with real-time aggregation and refresh policies', async () => {
    const caggs = await m.db.query<{ view_name: string; materialized_only: boolean }>(
      `SELECT view_name, materialized_only FROM timescaledb_information.continuous_aggregates ORDER BY view_name`,
    );
    expect(caggs.rows).toEqual([
      { view_name: 'readings_1h', materialized_only: false },
      { view_name: 'readings_1m', materialized_only: false },
    ]);
    const jobs = await m.db.query<{ view: string }>(
      `SELECT hypertable_name AS view FROM timescaledb_information.jobs
        WHERE proc_name = 'policy_refresh_continuous_aggregate' ORDER BY 1`,
    );
    expect(jobs.rows).toEqual([{ view: 'readings_1h' }, { view: 'readings_1m' }]);
  });
});

describe('statement timeout on an external database', () => {
  it('cancels a statement that hangs, except for lock holders such as migrations', async () => {
    const { createTestDatabase } = await import('../support/postgres.js');
    const { DatabaseRepository } = await import('../../server/src/repositories/database.repository.js');
    const database = await createTestDatabase();
    const db = DatabaseRepository.connect(database.url, { max: 1, statementTimeoutMs: 200 });
    try {
      await expect(db.query('SELECT pg_sleep(1)')).rejects.toThrow('statement timeout');
      await expect(db.withAdvisoryLock(42, (session) => session.query('SELECT pg_sleep(0.4)'))).resolves.toBeDefined();
      // and the connection is back to the bound afterwards
      await expect(db.query('SELECT pg_sleep(1)')).rejects.toThrow('statement timeout');
    } finally {
      await db.close();
      await database.drop();
    }
  });
});

describe('a connection lost while checked out', () => {
  it('fails the transaction (or the lock holder) without an unhandled error, and the pool goes on', async () => {
    const { createTestDatabase } = await import('../support/postgres.js');
    const { DatabaseRepository } = await import('../../server/src/repositories/database.repository.js');
    const database = await createTestDatabase();
    const db = DatabaseRepository.connect(database.url, { max: 2 });
    const killOwnBackend = (session: { query(text: string): Promise<unknown> }) => session.query('SELECT pg_terminate_backend(pg_backend_pid())');
    try {
      await expect(db.transaction(async (tx) => killOwnBackend(tx))).rejects.toThrow(/terminat/);
      await expect(db.withAdvisoryLock(43, killOwnBackend)).rejects.toThrow(/terminat/);
      const { rows } = await db.query<{ ok: number }>('SELECT 1 AS ok');
      expect(rows).toEqual([{ ok: 1 }]);
    } finally {
      await db.close();
      await database.drop();
    }
  });
});
