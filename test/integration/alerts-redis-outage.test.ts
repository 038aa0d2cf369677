import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { EventBusRepository } from '../../server/src/repositories/event-bus.repository.js';
import { createUser } from '../support/auth.js';
import { createPatient, createTeam, sql, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startTestRedis } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

/**
 * Alerts while Redis (the job queue) is unreachable: the rules keep raising alerts for every
 * patient (before, each alert opened waited for Redis inside the rules' queue, and after three of
 * them nothing was evaluated for anyone), and the escalation jobs of those alerts are queued once
 * Redis is back: each alert's first level is notified, once. The real PostgreSQL and a
 * redis-server of the test's own, stopped and started again.
 */
jest.setTimeout(120_000);

describe('alerts while Redis is down', () => {
  let database: TestDatabase;
  let redis: Awaited<ReturnType<typeof startTestRedis>>;
  let platform: TestPlatform;

  beforeAll(async () => {
    [database, redis] = await Promise.all([createTestDatabase(), startTestRedis()]);
    platform = await startTestPlatform({ DATABASE_URL: database.url, REDIS_URL: redis.url, VIGIL_ALERT_SWEEP_MS: '200' });
  });

  afterAll(async () => {
    await platform?.close();
    await Promise.all([database?.drop(), redis?.stop()]);
  });

  it('raises every alarm-button press during the outage, and notifies each alert once Redis is back', async () => {
    const teamId = await createTeam(platform);
    const careStaff = await createUser(platform, 'care_staff', teamId);
    const presses: Array<{ patientId: string; deviceId: string }> = [];
    for (let i = 0; i < 6; i++) {
      const patientId = await createPatient(platform, teamId);
      const [device] = await sql<{ id: string }>(platform, `INSERT INTO devices (patient_id, kind, secret_hash) VALUES ($1, 'alarm_button', 'x') RETURNING id`, [patientId]);
      presses.push({ patientId, deviceId: device.id });
    }
    const patientIds = presses.map((p) => p.patientId);
    const opened = () => sql<{ id: string }>(platform, `SELECT id FROM alerts WHERE patient_id = ANY($1::uuid[]) AND kind = 'alarm_button'`, [patientIds]);

    await redis.down();
    const bus = platform.app.get(EventBusRepository);
    // Each press in a batch of its own, as ingest announces them.
    for (const { patientId, deviceId } of presses)
      bus.emit('events.stored', { rows: [{ time: new Date(), patientId, deviceId, type: 'alarm_button', data: {} }] });
    const alerts = await waitFor(opened, (rows) => rows.length === presses.length, 60_000, 'every press raised while Redis is down');

    await redis.up();
    const deliveries = await waitFor(
      () =>
        sql<{ alert: string; n: number }>(
          platform,
          `SELECT alert_id AS alert, count(*)::int AS n FROM alert_deliveries WHERE alert_id = ANY($1::uuid[]) AND channel = 'in_app' AND level = 0 GROUP BY alert_id`,
          [alerts.map((a) => a.id)],
        ),
      (rows) => rows.length === alerts.length,
      60_000,
      'the first level of every alert notified after Redis came back',
    );
    expect(deliveries.every((d) => d.n === 1)).toBe(true);
    const recipients = await sql<{ recipient: string }>(platform, `SELECT DISTINCT recipient FROM alert_deliveries WHERE alert_id = ANY($1::uuid[])`, [alerts.map((a) => a.id)]);
    expect(recipients).toEqual([{ recipient: careStaff.email }]);
  });
});
