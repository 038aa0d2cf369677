import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ReadingRepository } from '../../server/src/repositories/reading.repository.js';
import { DeviceEventRepository } from '../../server/src/repositories/device-event.repository.js';
import { ApiClient, createUser, startSecurityPlatform } from '../support/auth.js';
import { createPatient, createTeam, sql, type TestPlatform } from '../support/platform.js';

/** The history routes over HTTP on the real PostgreSQL: validation, care-team scoping, audit. */
describe('GET /api/patients/{id}/readings and /events', () => {
  let platform: TestPlatform;
  let api: ApiClient;
  let token: string;
  let userId: string;
  let mine: string;
  let theirs: string;
  const DEVICE = '00000000-0000-4000-8000-0000000000d1';
  const T0 = Date.UTC(2026, 10, 30, 8, 0, 0);

  beforeAll(async () => {
    platform = await startSecurityPlatform();
    const [teamA, teamB] = [await createTeam(platform), await createTeam(platform)];
    [mine, theirs] = [await createPatient(platform, teamA), await createPatient(platform, teamB)];
    const user = await createUser(platform, 'clinician', teamA);
    userId = user.id;
    api = new ApiClient(platform.baseUrl);
    token = (await api.signIn(user)).accessToken;
    const rows = Array.from({ length: 600 }, (_, i) => ({
      time: new Date(T0 + i * 1000),
      patientId: mine,
      deviceId: DEVICE,
      metric: 'hr',
      value: i === 321 ? 150 : 70,
    }));
    await platform.app.get(ReadingRepository).insertNew(rows);
    await platform.app.get(DeviceEventRepository).insert([
      { time: new Date(T0 + 5000), patientId: mine, deviceId: DEVICE, type: 'bed_exit', data: {} },
      { time: new Date(T0 + 9000), patientId: mine, deviceId: DEVICE, type: 'fall', data: { confidence: 0.9 } },
      { time: new Date(T0 + 9000), patientId: theirs, deviceId: '00000000-0000-4000-8000-0000000000d2', type: 'fall', data: {} },
    ]);
  });
  afterAll(async () => {
    await platform?.close();
  });

  const range = `from=${new Date(T0).toISOString()}&to=${new Date(T0 + 600_000).toISOString()}`;

  it('returns at most `points` buckets with the true extremes, raw when they fit', async () => {
    const bucketed = await api.get<{ resolution: string; points: Array<{ min: number; max: number; count: number }> }>(
      `/api/patients/${mine}/readings?metric=hr&${range}&points=50`,
      token,
    );
    expect(bucketed.status).toBe(200);
    expect(bucketed.body.resolution).toBe('raw');
    expect(bucketed.body.points.length).toBeLessThanOrEqual(50);
    expect(bucketed.body.points.reduce((n, p) => n + p.count, 0)).toBe(600);
    expect(Math.max(...bucketed.body.points.map((p) => p.max))).toBe(150);
    expect(bucketed.body.points.filter((p) => p.max === 150)).toHaveLength(1);
    const raw = await api.get<{ points: Array<{ t: string; min: number; max: number; avg: number; count: number }> }>(
      `/api/patients/${mine}/readings?metric=hr&${range}&points=600`,
      token,
    );
    expect(raw.body.points).toHaveLength(600);
    expect(raw.body.points[321]).toEqual({ t: new Date(T0 + 321_000).toISOString(), min: 150, max: 150, avg: 150, count: 1 });
  });

  it.each([
    ['metric=pulse', 'metric'],
    ['metric=hr&points=5001', 'points'],
    ['metric=hr&points=1', 'points'],
    ['metric=hr&points=ten', 'points'],
    ['metric=hr&from=yesterday', 'from'],
    [`metric=hr&from=${new Date(T0).toISOString()}&to=${new Date(T0).toISOString()}`, 'to'],
    ['metric=hr&colour=red', 'query'],
    ['', 'metric'],
  ])('?%s is a 400 naming %s', async (query, field) => {
    const response = await api.get<{ message: string; errors: Array<{ field: string }> }>(`/api/patients/${mine}/readings?${query}`, token);
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e) => e.field)).toContain(field);
  });

  it('lists events in a range, newest first, only the patient’s own', async () => {
    const response = await api.get<{ events: Array<{ t: string; type: string; data: unknown }> }>(`/api/patients/${mine}/events?${range}`, token);
    expect(response.status).toBe(200);
    expect(response.body.events).toEqual([
      { t: new Date(T0 + 9000).toISOString(), deviceId: DEVICE, type: 'fall', data: { confidence: 0.9 } },
      { t: new Date(T0 + 5000).toISOString(), deviceId: DEVICE, type: 'bed_exit', data: {} },
    ]);
    const falls = await api.get<{ events: unknown[] }>(`/api/patients/${mine}/events?${range}&type=fall`, token);
    expect(falls.body.events).toHaveLength(1);
    expect((await api.get(`/api/patients/${mine}/events?type=slip`, token)).status).toBe(400);
  });

  it('returns an event’s data as stored, a key "__proto__" included (stored before ingest refused such keys)', async () => {
    const t = new Date(T0 + 700_000);
    await sql(platform, `INSERT INTO events (time, patient_id, device_id, type, data) VALUES ($1, $2, $3, 'alarm_button', $4::jsonb)`, [
      t.toISOString(),
      mine,
      DEVICE,
      '{"__proto__": {"pressed": 2}, "button": "red"}',
    ]);
    const response = await api.get<{ events: Array<{ type: string; data: Record<string, unknown> }> }>(
      `/api/patients/${mine}/events?from=${t.toISOString()}&to=${new Date(T0 + 701_000).toISOString()}`,
      token,
    );
    expect(response.status).toBe(200);
    const [event] = response.body.events;
    expect(event.type).toBe('alarm_button');
    // JSON.parse keeps "__proto__" as an own key; reading it as `data.__proto__` would give the prototype.
    expect(Object.getOwnPropertyDescriptor(event.data, '__proto__')?.value).toEqual({ pressed: 2 });
    expect(event.data.button).toBe('red');
  });

  it('needs a token, answers another team’s patient as a missing one, and audits each read', async () => {
    expect((await api.get(`/api/patients/${mine}/readings?metric=hr`)).status).toBe(401);
    expect((await api.get(`/api/patients/${theirs}/readings?metric=hr`, token)).status).toBe(404);
    expect((await api.get(`/api/patients/${theirs}/events`, token)).status).toBe(404);
    const audit = await sql<{ action: string }>(platform, 'SELECT action FROM audit_log WHERE actor_id = $1 AND patient_id = $2 ORDER BY id', [userId, mine]);
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['history.readings', 'history.events']));
    // The refusals are audited as such; no history read of theirs is.
    const leaked = await sql(platform, "SELECT 1 FROM audit_log WHERE actor_id = $1 AND patient_id = $2 AND action LIKE 'history.%'", [userId, theirs]);
    expect(leaked).toEqual([]);
  });
});
