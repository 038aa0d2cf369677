import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AuditRepository } from '../../server/src/repositories/audit.repository.js';
import { OverviewRepository } from '../../server/src/repositories/overview.repository.js';
import { PatientRepository } from '../../server/src/repositories/patient.repository.js';
import { ReadingRepository } from '../../server/src/repositories/reading.repository.js';
import { migratedDatabase, type MigratedDatabase } from '../support/storage.js';

/** The scoping and overview queries on the embedded PGlite with TimescaleDB (a hypertable), as on plain PostgreSQL. */
describe('care-team queries on TimescaleDB', () => {
  let store: MigratedDatabase;
  const ids = { team: '', otherTeam: '', user: '', patient: '', otherPatient: '' };

  beforeAll(async () => {
    store = await migratedDatabase('timescaledb');
    const one = async <R extends Record<string, string>>(text: string, values: unknown[] = []) => (await store.db.query<R>(text, values)).rows[0];
    ids.team = (await one(`INSERT INTO teams (name) VALUES ('A') RETURNING id`)).id;
    ids.otherTeam = (await one(`INSERT INTO teams (name) VALUES ('B') RETURNING id`)).id;
    ids.user = (await one(`INSERT INTO users (email, name, role, password_hash) VALUES ('a@x.example', 'A', 'clinician', 'h') RETURNING id`)).id;
    await store.db.query('INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)', [ids.team, ids.user]);
    ids.patient = (await one('INSERT INTO patients (name, team_id) VALUES ($1, $2) RETURNING id', ['P', ids.team])).id;
    ids.otherPatient = (await one('INSERT INTO patients (name, team_id) VALUES ($1, $2) RETURNING id', ['Q', ids.otherTeam])).id;
  }, 60_000);
  afterAll(() => store?.close());

  it('finds the newest value per metric within the lookback, across chunks, flagging fresh ones', async () => {
    const device = randomUUID();
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);
    await new ReadingRepository(store.db).insertNew(
      [
        [90, 'hr', 60],
        [50, 'hr', 72], // newest hr, in another daily chunk than the first
        [1, 'hr', 75],
        [30, 'weight', 80],
        [24 * 40, 'temp', 37], // outside a 30-day lookback
      ].map(([h, metric, value]) => ({
        time: hoursAgo(h as number),
        patientId: ids.patient,
        deviceId: device,
        metric: metric as string,
        value: value as number,
      })),
    );
    const rows = await new OverviewRepository(store.db).latestReadings(
      [ids.patient, ids.otherPatient],
      ['hr', 'weight', 'temp', 'spo2'],
      30 * 86_400,
      24 * 3600,
    );
    expect(rows.map(({ metric, value, fresh }) => ({ metric, value, fresh })).sort((a, b) => a.metric.localeCompare(b.metric))).toEqual([
      { metric: 'hr', value: 75, fresh: true },
      { metric: 'weight', value: 80, fresh: false },
    ]);
  });

  it('reaches patients through team membership only', async () => {
    const patients = new PatientRepository(store.db);
    expect((await patients.listForMember(ids.user)).map((p) => p.id)).toEqual([ids.patient]);
    expect(await patients.getForMember(ids.patient, ids.user)).toMatchObject({ id: ids.patient, teamId: ids.team });
    expect(await patients.getForMember(ids.otherPatient, ids.user)).toBeUndefined();
  });

  it('finds audit entries of views that listed a patient', async () => {
    const audit = new AuditRepository(store.db);
    await audit.append([{ actorId: ids.user, action: 'overview.view', details: { patientIds: [ids.patient] } }]);
    await audit.append([{ actorId: ids.user, action: 'patient.view', patientId: ids.otherPatient }]);
    const found = await audit.query({ patientId: ids.patient, limit: 10 });
    expect(found.map((e) => e.action)).toEqual(['overview.view']);
  });
});
