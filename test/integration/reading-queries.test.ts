import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { METRICS } from '../../server/src/domain/metric-catalogue.js';
import { ReadingRepository } from '../../server/src/repositories/reading.repository.js';
import { blocksRead, planOf } from '../support/plans.js';
import { type MigratedDatabase, migratedDatabase } from '../support/storage.js';

/**
 * The patient-data reads that page or gap-fill (FHIR searches and reads, the live stream's
 * `since`) must cost what their answer holds, not what the patient has stored: a 1 Hz wearable
 * stores 2.6 million readings a month per metric.
 * The fixture: two wearables (one with pulse and SpO2, one with pulse) at 1 Hz and a cuff every
 * minute, 100,000 seconds long. Checked on both dialects, by the result and
 * by the database pages the plan read (EXPLAIN (ANALYZE, BUFFERS)), not by time.
 */

const SECOND = 1000;
const SECONDS = 100_000;
const T0 = Date.UTC(2026, 10, 20, 0, 0, 0);
const W1 = '00000000-0000-4000-8000-00000000a001';
const W2 = '00000000-0000-4000-8000-00000000a002';
const CUFF = '00000000-0000-4000-8000-00000000a003';

type Key = { time: number; deviceId: string; group: string };
const keyText = (k: Key) => `${k.time}/${k.deviceId}/${k.group}`;

/** The measurements the fixture holds in [from, to], in key order: derived from how it was written. */
function expectedKeys(from: number, to: number, groups: readonly string[]): string[] {
  const keys: Key[] = [];
  for (let s = 0; s < SECONDS; s++) {
    const time = T0 + s * SECOND;
    if (time < from || time > to) continue;
    keys.push({ time, deviceId: W1, group: 'hr' }, { time, deviceId: W1, group: 'spo2' }, { time, deviceId: W2, group: 'hr' });
    if (s % 60 === 0) keys.push({ time, deviceId: CUFF, group: 'bp' });
  }
  const order = (a: Key, b: Key) => a.time - b.time || a.deviceId.localeCompare(b.deviceId) || a.group.localeCompare(b.group);
  return keys
    .filter((k) => groups.includes(k.group))
    .sort(order)
    .map(keyText);
}

describe.each(['postgresql', 'timescaledb'] as const)('patient reads that page, on %s', (dialect) => {
  let m: MigratedDatabase;
  let readings: ReadingRepository;
  let patient: string;

  beforeAll(async () => {
    m = await migratedDatabase(dialect);
    readings = new ReadingRepository(m.db);
    const one = async (sql: string, params: unknown[] = []) => (await m.db.query<{ id: string }>(sql, params)).rows[0].id;
    const team = await one(`INSERT INTO teams (name) VALUES ('Paging ward') RETURNING id`);
    patient = await one(`INSERT INTO patients (team_id, name) VALUES ($1, 'Paging patient') RETURNING id`, [team]);
    for (const [id, kind] of [
      [W1, 'wearable'],
      [W2, 'wearable'],
      [CUFF, 'bp_cuff'],
    ]) {
      await m.db.query(`INSERT INTO devices (id, patient_id, kind, secret_hash) VALUES ($1, $2, $3, 'x')`, [id, patient, kind]);
    }
    const series = async (device: string, metrics: string[], every: number) =>
      m.db.query(
        `INSERT INTO readings (time, patient_id, device_id, metric, value)
           SELECT to_timestamp($4 / 1000.0) + g * interval '1 second', $1, $2, metric, 70
             FROM generate_series(0, $5::int - 1, $6::int) AS g, unnest($3::text[]) AS metric`,
        [patient, device, metrics, T0, SECONDS, every],
      );
    await series(W1, ['hr', 'spo2'], 1);
    await series(W2, ['hr'], 1);
    await series(CUFF, ['sbp', 'dbp'], 60);
    await m.db.query('ANALYZE readings');
  }, 180_000);
  afterAll(() => m?.close());

  it('pages through a range visiting every measurement once, in key order', async () => {
    const from = T0 + 1_000 * SECOND;
    const to = T0 + 1_300 * SECOND;
    const groups = ['hr', 'spo2', 'bp'];
    const metrics = ['hr', 'spo2', 'sbp', 'dbp'];
    const seen: string[] = [];
    let after: Key | undefined;
    for (;;) {
      const page = await readings.measurements(patient, metrics, from, to, 97, after);
      seen.push(...page.map(keyText));
      if (page.length < 97) break;
      after = page[page.length - 1];
    }
    expect(seen).toEqual(expectedKeys(from, to, groups));
    expect(await readings.countMeasurements(patient, metrics, from, to)).toBe(expectedKeys(from, to, groups).length);
  });

  it('reads a page of a long history by what the page holds', async () => {
    // About one database page a row the page returns, with slack for index pages and chunks;
    // the patient holds 300,000 readings, and a page read from all of them takes thousands.
    const bound = (metrics: number, limit: number) => 2 * metrics * (limit + 10);
    const metrics = ['hr', 'spo2', 'sbp', 'dbp'];
    const after = { time: T0 + 90_000 * SECOND, deviceId: W1, group: 'hr' };
    const later = await planOf(m.db, (explaining) => new ReadingRepository(explaining).measurements(patient, metrics, T0, T0 + SECONDS * SECOND, 101, after), true);
    expect(blocksRead(later)).toBeLessThanOrEqual(bound(metrics.length, 101));
    const first = await planOf(m.db, (explaining) => new ReadingRepository(explaining).measurements(patient, ['hr'], T0, T0 + SECONDS * SECOND, 101), true);
    expect(blocksRead(first)).toBeLessThanOrEqual(bound(1, 101));
  });

  it('reads one measurement by its key', async () => {
    expect(await readings.measurement(CUFF, 'bp', T0 + 600 * SECOND)).toEqual({ patientId: patient, values: { sbp: 70, dbp: 70 } });
    expect(await readings.measurement(W1, 'spo2', T0 + 601 * SECOND)).toEqual({ patientId: patient, values: { spo2: 70 } });
    const plan = await planOf(m.db, (explaining) => new ReadingRepository(explaining).measurement(CUFF, 'bp', T0 + 600 * SECOND), true);
    expect(blocksRead(plan)).toBeLessThanOrEqual(16); // two index lookups and their rows
  });

  it('gap-fills from the newest readings only', async () => {
    const since = new Date(T0 + (SECONDS - 10) * SECOND);
    const stored = await readings.since(patient, since, 1000);
    expect(stored.map(([t, , d, metric]) => `${t}/${d}/${metric}`)).toEqual(
      Array.from({ length: 9 }, (_, i) => T0 + (SECONDS - 9 + i) * SECOND).flatMap((t) => [`${t}/${W1}/hr`, `${t}/${W1}/spo2`, `${t}/${W2}/hr`]),
    );
    // A few index pages a catalogue metric, however long the patient's history.
    const plan = await planOf(m.db, (explaining) => new ReadingRepository(explaining).since(patient, since, 1000), true);
    expect(blocksRead(plan)).toBeLessThanOrEqual(6 * Object.keys(METRICS).length);
  });
});
