import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type AuditFilter, AuditRepository } from '../../server/src/repositories/audit.repository.js';
import { planOf, rowsTouched } from '../support/plans.js';
import { type MigratedDatabase, migratedDatabase } from '../support/storage.js';

/**
 * "Who looked at this patient?" over an audit log that is never pruned. For a patient with
 * few entries the query once walked the whole log backwards looking for them; it must read
 * about as many entries as it finds, and return exactly what the one filter over the whole log
 * returns: entries about the patient and views that listed it, newest first, paged by id.
 * Checked by the plan's own row counts (EXPLAIN ANALYZE), not by time.
 */

const LOG_ROWS = 100_000;
const RARE = '00000000-0000-4000-8000-00000000000a';
// A busy patient of the generated log (the md5 of '7' as a uuid).
const BUSY = '8f14e45f-ceea-167a-5a36-dedd4bea2543';
const ACTOR = '00000000-0000-4000-8000-0000000000ac';

describe.each(['postgresql', 'timescaledb'] as const)('the audit query by patient on %s', (dialect) => {
  let m: MigratedDatabase;
  let audit: AuditRepository;

  beforeAll(async () => {
    m = await migratedDatabase(dialect);
    audit = new AuditRepository(m.db);
    // 200 busy patients (so many that the planner expects any patient to be found soon): every
    // fifth entry a view listing 25 of them.
    await m.db.query(
      `INSERT INTO audit_log (actor_id, action, patient_id, details)
         SELECT NULL, CASE WHEN g % 5 = 0 THEN 'overview.view' ELSE 'patient.view' END,
                CASE WHEN g % 5 = 0 THEN NULL ELSE md5((g % 200)::text)::uuid END,
                CASE WHEN g % 5 = 0 THEN jsonb_build_object('patientIds', (SELECT jsonb_agg(md5(((g + k) % 200)::text)::uuid) FROM generate_series(1, 25) AS k))
                     ELSE '{}' END
           FROM generate_series(1, $1::int) AS g`,
      [LOG_ROWS],
    );
    // The rare patient, spread over the log: about them, listed among others, both at once, by one actor or another.
    await audit.append([{ actorId: null, action: 'patient.view', patientId: RARE }]);
    await audit.append([{ actorId: ACTOR, action: 'overview.view', details: { patientIds: [RARE, BUSY] } }]);
    await audit.append([{ actorId: ACTOR, action: 'patient.view', patientId: RARE, details: { patientIds: [RARE] } }]);
    await audit.append([{ actorId: null, action: 'patient.update', patientId: RARE }]);
    await audit.append([{ actorId: ACTOR, action: 'overview.view', details: { patientIds: [BUSY, RARE] } }]);
    await m.db.query('ANALYZE audit_log');
  }, 120_000);
  afterAll(() => m?.close());

  /** The ids one filter over the whole log gives: what the query must return. */
  const expected = async (filter: AuditFilter) => {
    const { rows } = await m.db.query<{ id: string }>(
      `SELECT id FROM audit_log
        WHERE (patient_id = $1 OR details -> 'patientIds' ? $1::text) AND ($2::uuid IS NULL OR actor_id = $2)
          AND ($3::text IS NULL OR action = $3) AND ($4::bigint IS NULL OR id < $4)
        ORDER BY id DESC LIMIT $5`,
      [filter.patientId, filter.userId ?? null, filter.action ?? null, filter.beforeId ?? null, filter.limit],
    );
    return rows.map((row) => Number(row.id));
  };
  const ids = async (filter: AuditFilter) => (await audit.query(filter)).map((entry) => Number(entry.id));

  it('returns the entries about the patient and the views that listed it, once each, newest first, paged by id', async () => {
    const all = await ids({ patientId: RARE, limit: 100 });
    expect(all).toHaveLength(5);
    expect(all).toEqual(await expected({ patientId: RARE, limit: 100 }));
    const first = await ids({ patientId: RARE, limit: 2 });
    const second = await ids({ patientId: RARE, beforeId: first[1], limit: 2 });
    const third = await ids({ patientId: RARE, beforeId: second[1], limit: 2 });
    expect([...first, ...second, ...third]).toEqual(all);
    for (const filter of [
      { patientId: RARE, userId: ACTOR, limit: 100 },
      { patientId: RARE, action: 'patient.view', limit: 100 },
      { patientId: RARE, action: 'overview.view', beforeId: all[0], limit: 1 },
      { patientId: BUSY, limit: 50 },
    ]) {
      expect(await ids(filter)).toEqual(await expected(filter));
    }
    const entry = (await audit.query({ patientId: RARE, limit: 1 }))[0];
    expect(entry).toMatchObject({ actorId: ACTOR, action: 'overview.view', patientId: null, details: { patientIds: [BUSY, RARE] } });
  });

  it('reads about as many entries as the patient has, not the whole log', async () => {
    const plan = await planOf(m.db, (explaining) => new AuditRepository(explaining).query({ patientId: RARE, limit: 100 }), true);
    // Five entries (one of them found by both branches), out of 100,005.
    expect(rowsTouched(plan, (relation) => relation === 'audit_log')).toBeLessThanOrEqual(10);
  });
});
