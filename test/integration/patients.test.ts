import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CLI_ACTOR } from '../../server/src/domain/actor.js';
import { ReadingRepository } from '../../server/src/repositories/reading.repository.js';
import { DeviceAdminService } from '../../server/src/services/device-admin.service.js';
import { ApiClient, createUser, startSecurityPlatform } from '../support/auth.js';
import { createPatient, createTeam, sql, type TestPlatform } from '../support/platform.js';
import { waitFor } from '../support/wait.js';

type OverviewBody = {
  patients: Array<{
    id: string;
    name: string;
    teamId: string;
    latest: Record<string, { value: number; t: string }>;
    news2: { score: number; risk: string; components: Record<string, number>; missing: string[] };
    alerts: unknown[];
    devices: Array<{ id: string; kind: string; online: boolean; battery: number | null }>;
  }>;
};

describe('care-team scoping of patient data (real PostgreSQL and Redis)', () => {
  let platform: TestPlatform;
  const api = () => new ApiClient(platform.baseUrl);
  const team = { a: '', b: '' };
  const patients = { a1: '', a2: '', b1: '', b2: '' };
  const tokens = { clinicianA: '', staffA: '', clinicianB: '', adminNoTeam: '', adminOnA: '' };
  let deviceId = '';
  const now = Date.now();

  beforeAll(async () => {
    platform = await startSecurityPlatform();
    team.a = await createTeam(platform);
    team.b = await createTeam(platform);
    patients.a1 = await createPatient(platform, team.a, 'Anna Andersen');
    patients.a2 = await createPatient(platform, team.a, 'Bo Bech');
    patients.b1 = await createPatient(platform, team.b, 'Carl Clausen');
    patients.b2 = await createPatient(platform, team.b, 'Dorte Dahl');

    const users = {
      clinicianA: await createUser(platform, 'clinician', team.a),
      staffA: await createUser(platform, 'care_staff', team.a),
      clinicianB: await createUser(platform, 'clinician', team.b),
      adminNoTeam: await createUser(platform, 'admin'),
      adminOnA: await createUser(platform, 'admin', team.a),
    };
    for (const [key, user] of Object.entries(users)) tokens[key as keyof typeof tokens] = (await api().signIn(user)).accessToken;

    const { device } = await platform.app.get(DeviceAdminService).createDevice(CLI_ACTOR, { patient: patients.a1, kind: 'pulse_oximeter' });
    deviceId = device.id;
    await sql(platform, 'UPDATE devices SET online = true, battery = 81, last_seen = now() WHERE id = $1', [deviceId]);
    const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000);
    const reading = (metric: string, value: number, minutesAgo: number) => ({ time: at(minutesAgo), patientId: patients.a1, deviceId, metric, value });
    await platform.app.get(ReadingRepository).insertNew([
      reading('hr', 70, 30),
      reading('hr', 118, 5), // latest hr: 2 points
      reading('spo2', 93, 5), // 2 points on scale 1
      reading('rr', 19, 5), // 0
      reading('temp', 38.4, 5), // 1
      reading('sbp', 150, 5), // 0
      reading('weight', 81.5, 3 * 24 * 60), // not NEWS2; three days old
      reading('acvpu', 1, 2 * 24 * 60), // 3 points, but two days old: stale, so missing
    ]);
    await platform.app.get(ReadingRepository).insertNew([{ time: at(1), patientId: patients.b1, deviceId: randomUUID(), metric: 'hr', value: 140 }]);
  });
  afterAll(() => platform?.close());

  it('lists only the patients of the caller’s teams', async () => {
    const listed = (token: string) =>
      api()
        .get<Array<{ id: string }>>('/api/patients', token)
        .then((r) => r.body.map((p) => p.id).sort());
    expect(await listed(tokens.clinicianA)).toEqual([patients.a1, patients.a2].sort());
    expect(await listed(tokens.staffA)).toEqual([patients.a1, patients.a2].sort());
    expect(await listed(tokens.clinicianB)).toEqual([patients.b1, patients.b2].sort());
  });

  // Every read of a patient's data. Writes under /api/patients/{id} (thresholds, passive intervals) take
  // bodies this generic call cannot fill; their scoping is tested with valid bodies in alerts.test.ts.
  it('answers 404 for another team’s patient on every patient read route, exactly as for a patient that does not exist', async () => {
    type Operation = { parameters?: Array<{ in: string; name: string; required?: boolean; schema?: { enum?: string[] } }> };
    const { body: doc } = await api().get<{ paths: Record<string, Record<string, Operation>> }>('/api/docs-json');
    // A required query parameter gets the first value its schema allows (e.g. metric=hr).
    const query = (operation: Operation) =>
      new URLSearchParams(
        (operation.parameters ?? []).filter((p) => p.in === 'query' && p.required).map((p) => [p.name, p.schema?.enum?.[0] ?? '']),
      ).toString();
    const routes = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/patients/{id}'))
      .flatMap(([path, methods]) =>
        Object.entries(methods)
          .filter(([method]) => method === 'get')
          .map(([method, operation]) => [method.toUpperCase(), query(operation) ? `${path}?${query(operation)}` : path] as const),
      );
    expect(routes.length).toBeGreaterThanOrEqual(1);
    for (const [method, path] of routes) {
      const call = (id: string) =>
        api().request<{ message: string }>(method, path.replace('{id}', id), { token: tokens.clinicianA, body: method === 'GET' ? undefined : {} });
      const missing = await call(randomUUID());
      for (const id of [patients.b1, patients.b2]) {
        const other = await call(id);
        expect({ route: `${method} ${path}`, status: other.status }).toEqual({ route: `${method} ${path}`, status: 404 });
        expect(other.body).toEqual({ ...missing.body, message: missing.body.message.replace(/[0-9a-f-]{36}/, id) });
      }
      expect((await call(patients.a1)).status).toBeLessThan(400);
    }
  });

  it('shows none of another team’s patients in the overview', async () => {
    const ids = async (token: string) => (await api().get<OverviewBody>('/api/overview', token)).body.patients.map((p) => p.id).sort();
    expect(await ids(tokens.clinicianA)).toEqual([patients.a1, patients.a2].sort());
    expect(await ids(tokens.clinicianB)).toEqual([patients.b1, patients.b2].sort());
  });

  it('gives an admin no clinical data unless on the team', async () => {
    expect((await api().get('/api/patients', tokens.adminNoTeam)).body).toEqual([]);
    expect((await api().get(`/api/patients/${patients.a1}`, tokens.adminNoTeam)).status).toBe(404);
    expect((await api().get<OverviewBody>('/api/overview', tokens.adminNoTeam)).body.patients).toEqual([]);
    expect((await api().get(`/api/patients/${patients.a1}`, tokens.adminOnA)).status).toBe(200);
    // Administrative records are theirs to manage, without readings.
    const adminList = await api().get<Array<Record<string, unknown>>>('/api/admin/patients', tokens.adminNoTeam);
    expect(adminList.body.map((p) => p.id)).toEqual(expect.arrayContaining(Object.values(patients)));
    expect(Object.keys(adminList.body[0]).sort()).toEqual(['createdAt', 'id', 'name', 'spo2Scale', 'teamId']);
  });

  it('keeps care staff and clinicians out of the admin routes', async () => {
    for (const token of [tokens.clinicianA, tokens.staffA]) {
      for (const path of ['/api/admin/users', '/api/admin/teams', '/api/admin/patients', '/api/admin/devices', '/api/admin/audit']) {
        expect((await api().get(path, token)).status).toBe(403);
      }
      expect((await api().post('/api/admin/teams', { name: 'sneaky' }, token)).status).toBe(403);
    }
  });

  it('returns one patient with the latest value and time per metric and its devices', async () => {
    const { status, body } = await api().get<Record<string, unknown>>(`/api/patients/${patients.a1}`, tokens.clinicianA);
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: patients.a1, name: 'Anna Andersen', teamId: team.a, spo2Scale: 1 });
    expect(body.latest).toMatchObject({
      hr: { value: 118, t: new Date(now - 5 * 60_000).toISOString() },
      weight: { value: 81.5, t: new Date(now - 3 * 24 * 3_600_000).toISOString() },
    });
    expect(Object.keys((body.latest as Record<string, object>).hr)).toEqual(['value', 't']);
    expect(body.devices).toEqual([{ id: deviceId, kind: 'pulse_oximeter', online: true, battery: 81, lastSeen: expect.any(String) }]);
    expect(body.passive).toEqual([]);
  });

  it('gives the overview per the contract: latest values, NEWS2 from fresh values, devices, alerts', async () => {
    const { status, body } = await api().get<OverviewBody>('/api/overview', tokens.clinicianA);
    expect(status).toBe(200);
    const [first, second] = body.patients;
    expect(first.id).toBe(patients.a1); // the higher NEWS2 first
    expect(second).toMatchObject({ id: patients.a2, latest: {}, news2: { score: 0, missing: ['rr', 'spo2', 'o2', 'sbp', 'hr', 'acvpu', 'temp'] } });
    expect(first.latest.hr).toEqual({ value: 118, t: new Date(now - 5 * 60_000).toISOString() });
    expect(first.latest.acvpu.value).toBe(1);
    // By hand from the RCP NEWS2 chart (2017), SpO2 scale 1: pulse 118 (111–130) 2, SpO2 93 (92–93) 2,
    // respiration 19 (12–20) 0, temperature 38.4 (38.1–39.0) 1, systolic 150 (111–219) 0; total 5, medium (5–6).
    expect(first.news2).toEqual({ score: 5, risk: 'medium', components: { spo2: 2, sbp: 0, hr: 2, rr: 0, temp: 1 }, missing: ['o2', 'acvpu'] });
    expect(first.devices).toEqual([{ id: deviceId, kind: 'pulse_oximeter', online: true, battery: 81, lastSeen: expect.any(String) }]);
    expect(first.alerts).toEqual([]);
  });

  it('names the field in a 400 for a malformed id', async () => {
    const response = await api().get(`/api/patients/not-a-uuid`, tokens.clinicianA);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ message: expect.stringContaining('id'), errors: [{ field: 'id', message: 'expected a patient id (a UUID)' }] });
  });

  it('follows a patient moved to another team: who may see it changes at once', async () => {
    const moved = await createPatient(platform, team.a, 'Erik Eriksen');
    expect((await api().get(`/api/patients/${moved}`, tokens.clinicianA)).status).toBe(200);
    const patch = await api().request('PATCH', `/api/admin/patients/${moved}`, { token: tokens.adminNoTeam, body: { teamId: team.b } });
    expect(patch.status).toBe(200);
    expect((await api().get(`/api/patients/${moved}`, tokens.clinicianA)).status).toBe(404);
    expect((await api().get(`/api/patients/${moved}`, tokens.clinicianB)).status).toBe(200);
  });

  it('lets a clinician of the team set the NEWS2 SpO2 scale, audited; care staff get 403, another team 404, a bad scale 400 naming the field', async () => {
    const put = (token: string, id: string, body: unknown) => api().request('PUT', `/api/patients/${id}/spo2-scale`, { token, body });
    expect((await put(tokens.clinicianB, patients.a2, { spo2Scale: 2 })).status).toBe(404);
    expect((await put(tokens.clinicianB, randomUUID(), { spo2Scale: 2 })).status).toBe(404);
    expect((await put(tokens.staffA, patients.a2, { spo2Scale: 2 })).status).toBe(403);
    const bad = await put(tokens.clinicianA, patients.a2, { spo2Scale: 3 });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ errors: [{ field: 'spo2Scale' }] });
    expect((await api().get(`/api/patients/${patients.a2}`, tokens.clinicianA)).body).toMatchObject({ spo2Scale: 1 });

    const set = await put(tokens.clinicianA, patients.a2, { spo2Scale: 2 });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ id: patients.a2, spo2Scale: 2 });
    expect((await api().get(`/api/patients/${patients.a2}`, tokens.clinicianA)).body).toMatchObject({ spo2Scale: 2 });
    const audit = await waitFor(
      () => sql<{ details: unknown }>(platform, `SELECT details FROM audit_log WHERE action = 'patient.spo2_scale' AND target_id = $1`, [patients.a2]),
      (rows) => rows.length > 0,
      10_000,
      'the audit entry',
    );
    expect(audit).toEqual([{ details: { from: 1, to: 2 } }]);
  });
});
