import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AlertSettingsRepository } from '../../server/src/repositories/alert-settings.repository.js';
import { type PlanNode, planOf, rowsTouched } from '../support/plans.js';
import { type MigratedDatabase, migratedDatabase } from '../support/storage.js';

/**
 * The no-data sweep asks, every few sweeps, for the newest reading of every device that should be
 * reporting. Its cost must not grow with the readings a patient has: on a large table the lookup
 * once read every row of the patient in its two-day window for each device and metric, and a
 * sweep took over a minute of the database's CPU. Checked on both dialects by the plan's own row
 * counts (EXPLAIN ANALYZE), not by time.
 */

/** Rows every scan of readings (or, on TimescaleDB, of one of its chunks) returned or threw away, over all its loops. */
const readingRowsTouched = (plan: PlanNode) => rowsTouched(plan, (relation) => relation === 'readings' || relation.startsWith('_hyper_'));

const SECOND = 1000;
const ROWS_PER_SERIES = 20_000;

describe.each(['postgresql', 'timescaledb'] as const)('the no-data sweep’s device lookup on %s', (dialect) => {
  let m: MigratedDatabase;
  const now = Date.now();
  // Two wearables of one patient, 20,000 readings a metric each in the last two days; a third
  // whose only reading is older than the window.
  const newest = { a: new Date(now - 60 * SECOND), b: new Date(now - 3 * 3600 * SECOND) };
  let ids: { patient: string; a: string; b: string; c: string };

  beforeAll(async () => {
    m = await migratedDatabase(dialect);
    const one = async (sql: string, params: unknown[] = []) => (await m.db.query<{ id: string }>(sql, params)).rows[0].id;
    const team = await one(`INSERT INTO teams (name) VALUES ('Sweep ward') RETURNING id`);
    const patient = await one(`INSERT INTO patients (team_id, name) VALUES ($1, 'Sweep patient') RETURNING id`, [team]);
    const device = () => one(`INSERT INTO devices (patient_id, kind, secret_hash) VALUES ($1, 'wearable', 'x') RETURNING id`, [patient]);
    ids = { patient, a: await device(), b: await device(), c: await device() };
    for (const [id, last] of [
      [ids.a, newest.a],
      [ids.b, newest.b],
    ] as const) {
      await m.db.query(
        `INSERT INTO readings (time, patient_id, device_id, metric, value)
           SELECT $3::timestamptz - g * interval '1 second', $1, $2, metric, 70
             FROM generate_series(0, $4::int - 1) AS g, unnest(ARRAY['hr', 'spo2']) AS metric`,
        [patient, id, last, ROWS_PER_SERIES],
      );
    }
    await m.db.query(`INSERT INTO readings (time, patient_id, device_id, metric, value) VALUES (now() - interval '3 days', $1, $2, 'hr', 70)`, [
      patient,
      ids.c,
    ]);
  }, 120_000);
  afterAll(() => m?.close());

  it('gives each device its newest reading in the window, and none to a device silent for longer', async () => {
    const devices = await new AlertSettingsRepository(m.db).devicesOfKinds(['wearable'], ['hr', 'spo2']);
    const lastData = Object.fromEntries(devices.map((d) => [d.id, d.lastData?.getTime() ?? null]));
    expect(lastData).toEqual({ [ids.a]: newest.a.getTime(), [ids.b]: newest.b.getTime(), [ids.c]: null });
  });

  it('reads about one row per device and metric, however many rows the patient has', async () => {
    const plan = await planOf(m.db, (explaining) => new AlertSettingsRepository(explaining).devicesOfKinds(['wearable'], ['hr', 'spo2']), true);
    // Three devices × two metrics, one row each, on TimescaleDB one per one-day chunk the two-day
    // window meets (at most three, by the time of day the test runs); the patient holds 80,001.
    const chunksInWindow = dialect === 'timescaledb' ? 3 : 1;
    expect(readingRowsTouched(plan)).toBeLessThanOrEqual(3 * 2 * chunksInWindow);
  });
});
