import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import fc from 'fast-check';
import pg from 'pg';
import { connectDevice } from '../../simulators/src/devices/mqtt-link.js';
import { metric, provisionDevices } from '../support/devices.js';
import { sql, startTestPlatform } from '../support/platform.js';
import { burst, expectStoredExactly, logLines, publishAll, ready } from '../support/poison.js';
import { createTestDatabase, TEST_POSTGRES_URL, type TestDatabase } from '../support/postgres.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';

jest.setTimeout(180_000);

const pgPort = () => Number(new URL(TEST_POSTGRES_URL).port || 5432);

// Its own file: nestjs-pino logs through the first platform a test file starts, whose log this test reads.
describe('a database restart during a run of faulty messages (the real PostgreSQL 15)', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  const cleanup: Array<() => unknown> = [];

  beforeAll(async () => {
    [database, proxy] = await Promise.all([createTestDatabase(), startTcpProxy(pgPort())]);
  });
  afterAll(async () => {
    proxy?.restore();
    while (cleanup.length) await cleanup.pop()!();
    await proxy?.close();
    await database?.drop();
  });

  const viaProxy = () => {
    const url = new URL(database.url);
    url.host = `127.0.0.1:${proxy.port}`;
    return url.toString();
  };

  it('a database restart (sessions terminated, connections refused) during a fuzz run loses nothing, stores nothing twice and dead-letters nothing for it; readiness degrades on the stall and the log names the batch once', async () => {
    const log = logLines();
    const platform = await startTestPlatform(
      { DATABASE_URL: viaProxy(), REDIS_URL: TEST_REDIS_URL, VIGIL_INGEST_STALL_SECONDS: '1', LOG_LEVEL: 'info' },
      { logDestination: log.stream },
    );
    cleanup.push(() => platform.close());
    const [device] = await provisionDevices(platform, 1);
    const client = await connectDevice(platform.urls.broker, device, { reconnectPeriod: 100 });
    cleanup.push(() => client.end(true));
    const messages = fc.sample(burst(Date.now() - 3_600_000), { numRuns: 1, seed: 8 })[0];
    const half = Math.floor(messages.length / 2);

    await publishAll(client, device.id, messages.slice(0, half));
    // As a restart does: every session of the database is terminated (57P01), then no connection is taken for a while.
    const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database.name]);
    await admin.end();
    proxy.cut();
    const rest = publishAll(client, device.id, messages.slice(half), 120_000);
    const degraded = await waitFor(
      () => ready(platform),
      (r) => r.status === 503 && r.body.details.ingest?.status === 'down',
      30_000,
      'readiness degraded',
    );
    expect(degraded.body.details.ingest.reason).toMatch(/^no ingest write has committed for [\d.]+ s while \d+ message\(s\) wait \(bound: 1 s\)$/);
    expect(await metric(platform.baseUrl, 'vigil_ingest_oldest_unacked_seconds')).toBeGreaterThan(1);
    const attempts = await metric(platform.baseUrl, 'vigil_ingest_batch_retries_pending');
    expect(attempts).toBeGreaterThan(1);
    await waitFor(
      () => metric(platform.baseUrl, 'vigil_ingest_batch_retries_pending'),
      (n) => n >= attempts + 2,
      30_000,
      'two more write attempts, each after a longer wait',
    );
    proxy.restore();
    await rest;

    const reasons = await expectStoredExactly(platform, device.id, messages);
    expect(reasons).not.toContain('storage_refused');
    const [{ n }] = await sql<{ n: number }>(
      platform,
      'SELECT count(*)::int AS n FROM (SELECT time FROM readings WHERE device_id = $1 GROUP BY time HAVING count(*) > 1) d',
      [device.id],
    );
    expect(n).toBe(0);
    // Once per batch that met the outage, not once per attempt.
    const retrying = log.lines.filter((line) => /holding its acknowledgements and retrying/.test(line));
    const batches = new Set(retrying.map((line) => /batch (\d+)/.exec(line)?.[1]));
    expect(retrying.length).toBe(batches.size);
    expect(retrying.length).toBeGreaterThanOrEqual(1);
    await waitFor(
      () => ready(platform),
      (r) => r.status === 200,
      30_000,
      'ready again',
    );
  });
});
