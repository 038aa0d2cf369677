import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { stopChild } from '../../server/src/embedded/child-process.js';
import { AlertConfigService } from '../../server/src/services/alert-config.service.js';
import { CLI_ACTOR } from '../../server/src/domain/actor.js';
import { fallAlert } from '../support/alerts.js';
import { createUser } from '../support/auth.js';
import { sql, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { ROOT } from '../support/process.js';
import { startTestRedis } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

/**
 * `npm run worker` as its own process (the built server/dist/worker.js) on the servers'
 * PostgreSQL and Redis: it delivers and escalates while the server runs no workers, and with
 * a server that runs its own workers too nothing is delivered twice.
 */
describe('the standalone alert worker', () => {
  let database: TestDatabase;
  let redis: { url: string; stop(): Promise<void> };
  let worker: ChildProcess;
  let workerOutput = '';
  const hooks: Array<{ alertId: string }> = [];
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      hooks.push({ alertId: (JSON.parse(body) as { alert: { id: string } }).alert.id });
      res.writeHead(204).end();
    });
  });
  let hookUrl: string;

  beforeAll(async () => {
    [database, redis] = await Promise.all([createTestDatabase(), startTestRedis()]);
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    if (worker) await stopChild(worker);
    receiver.close();
    await Promise.all([database?.drop(), redis?.stop()]);
  });

  /** A fall in a team whose chain reaches its clinician after a second, with the webhook: the alert's id. */
  async function fallWithChain(platform: TestPlatform): Promise<string> {
    const { alertId } = await fallAlert(platform, async (teamId) => {
      await createUser(platform, 'clinician', teamId);
      const config = platform.app.get(AlertConfigService);
      await config.updateSettings(CLI_ACTOR, teamId, { escalation: 'care_staff@0,clinician@1' });
      await config.addWebhook(CLI_ACTOR, teamId, hookUrl);
    });
    return alertId;
  }

  const escalatedTo = (platform: TestPlatform, id: string, level: number) =>
    waitFor(
      () => sql<{ escalation_level: number }>(platform, `SELECT escalation_level FROM alerts WHERE id = $1`, [id]),
      (rows) => rows[0]?.escalation_level === level,
      20_000,
      `alert ${id} escalated to level ${level}`,
    );

  /** The webhook job runs beside escalation, not before it: wait for its logged attempt, then count what the receiver got. */
  const webhookSent = (platform: TestPlatform, id: string) =>
    waitFor(
      () => sql<{ status: string }>(platform, `SELECT status FROM alert_deliveries WHERE alert_id = $1 AND channel = 'webhook'`, [id]),
      (rows) => rows.some((row) => row.status === 'sent'),
      20_000,
      `the webhook for alert ${id} sent`,
    );

  it('delivers and escalates while the server runs no workers, and never twice beside a server that does', async () => {
    const env = { DATABASE_URL: database.url, REDIS_URL: redis.url };
    const quiet = await startTestPlatform({ ...env, VIGIL_WORKERS: 'off' });
    const busy = await startTestPlatform({ ...env }); // runs its own workers
    try {
      worker = spawn(process.execPath, [path.join(ROOT, 'server/dist/worker.js')], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env, LOG_LEVEL: 'warn', VIGIL_SECRET: 'x'.repeat(40) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      worker.stdout!.on('data', (chunk: Buffer) => (workerOutput += chunk.toString()));
      worker.stderr!.on('data', (chunk: Buffer) => (workerOutput += chunk.toString()));
      await waitFor(
        () => workerOutput,
        (out) => out.includes('delivering alerts'),
        20_000,
        'the worker starting',
      );

      // Two servers with workers (busy, and the worker process) share the queue; `quiet` runs none.
      await busy.stop();
      const first = await fallWithChain(quiet);
      await escalatedTo(quiet, first, 1);
      await webhookSent(quiet, first);
      expect(hooks.filter((h) => h.alertId === first)).toHaveLength(1);

      const both = await startTestPlatform({ ...env });
      try {
        const second = await fallWithChain(both);
        await escalatedTo(both, second, 1);
        const deliveries = await waitFor(
          () =>
            sql<{ level: number; channel: string }>(
              both,
              `SELECT CASE WHEN channel = 'in_app' THEN level END AS level, channel FROM alert_deliveries WHERE alert_id = $1 ORDER BY channel, level`,
              [second],
            ),
          (rows) => rows.length >= 3,
        );
        expect(deliveries).toEqual([
          { level: 0, channel: 'in_app' },
          { level: 1, channel: 'in_app' },
          { level: null, channel: 'webhook' },
        ]);
        expect(hooks.filter((h) => h.alertId === second)).toHaveLength(1);
      } finally {
        await both.close();
      }
    } finally {
      await quiet.close();
      await busy.close();
    }
  });
});
