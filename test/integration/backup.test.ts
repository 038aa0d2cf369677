import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { tempDir } from '../support/embedded.js';
import { createTestDatabase, TEST_POSTGRES_URL, type TestDatabase } from '../support/postgres.js';
import { cliJson, ROOT } from '../support/process.js';

/** scripts/backup.sh and scripts/restore.sh as an operator runs them, against the real PostgreSQL 15. */
function script(name: string, args: string[], databaseUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      path.join(ROOT, 'scripts', name),
      args,
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DATABASE_URL: databaseUrl } },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Row count of every table, and a checksum of the readings. */
function snapshot(url: string): Promise<Record<string, number>> {
  return withClient(url, async (client) => {
    const tables = await client.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
    const counts: Record<string, number> = {};
    for (const { name } of tables.rows) counts[name] = (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${name}"`)).rows[0].n;
    counts['readings: sum of values'] = (await client.query<{ s: number }>('SELECT sum(value)::float8 AS s FROM readings')).rows[0].s;
    return counts;
  });
}

describe('backup and restore scripts (pg_dump / pg_restore)', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  const dir = tempDir('vigil-backup-');
  const dump = path.join(dir.path, 'vigil.dump');

  beforeAll(async () => {
    database = await createTestDatabase();
    env = { DATABASE_URL: database.url, DATA_DIR: dir.path };
    await cliJson(['migrate'], env);
    const team = await cliJson<{ id: string }>(['team', 'create', '--name', 'Backup ward'], env);
    const patient = await cliJson<{ id: string }>(['patient', 'create', '--name', 'Backup Patient', '--team', team.id], env);
    const device = await cliJson<{ id: string }>(['device', 'create', '--patient', patient.id, '--kind', 'pulse_oximeter'], env);
    await withClient(database.url, (client) =>
      client.query(
        `INSERT INTO readings (time, patient_id, device_id, metric, value)
         SELECT now() - i * interval '1 second', $1, $2, 'spo2', 88 + i % 10 FROM generate_series(1, 10000) AS i`,
        [patient.id, device.id],
      ),
    );
  });
  afterAll(async () => {
    await database?.drop();
    dir.remove();
  });

  it('backs up, the database is dropped, and the restore brings back every row', async () => {
    const before = await snapshot(database.url);
    expect(before.readings).toBe(10_000);
    expect(before.patients).toBe(1);
    expect(before.devices).toBe(1);
    expect(before.audit_log).toBeGreaterThan(0);

    const backup = await script('backup.sh', [dump], database.url);
    expect(backup).toMatchObject({ code: 0, stdout: expect.stringContaining(`backup written: ${dump}`) });

    await database.drop();
    await withClient(TEST_POSTGRES_URL, (client) => client.query(`CREATE DATABASE ${database.name}`));
    expect(await snapshot(database.url).catch((error: Error) => error.message)).toContain('relation "readings" does not exist');

    const restore = await script('restore.sh', [dump], database.url);
    expect(restore).toMatchObject({ code: 0, stdout: expect.stringContaining(`restored ${dump}`) });
    expect(await snapshot(database.url)).toEqual(before);
    // The restored database is Vigil's as it was: nothing to migrate, the CLI reads it.
    expect(await cliJson(['migrate'], env)).toEqual({ applied: [] });
    expect(await cliJson(['status'], env)).toMatchObject({ patients: 1, devices: 1, readings: 10_000 });
  });

  it('refuses to restore over a database that holds tables, and a backup without a file name', async () => {
    const over = await script('restore.sh', [dump], database.url);
    expect(over.code).toBe(1);
    expect(over.stderr).toContain('the target database is not empty');
    const usage = await script('backup.sh', [], database.url);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('usage: DATABASE_URL=postgres://...');
  });
});
