import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CryptoRepository } from '../../server/src/repositories/crypto.repository.js';
import type { AppEvents } from '../../server/src/repositories/event-bus.repository.js';
import { EventBusRepository } from '../../server/src/repositories/event-bus.repository.js';
import { ApiClient, createUser, freshCode, startSecurityPlatform, type TestUser, wrongCode } from '../support/auth.js';
import { createPatient, createTeam, sql, type TestPlatform } from '../support/platform.js';
import { waitFor } from '../support/wait.js';

const ALLOWED_ORIGIN = 'https://dashboard.example.org';

/** Every secret the tests handle; the log test at the end looks for each. */
const secrets = new Set<string>();
const remember = (...values: Array<string | undefined>) => values.forEach((v) => v && secrets.add(v.replace(/^vigil_refresh=/, '')));

describe('audit trail, device credentials, HTTP hardening and logs (real PostgreSQL and Redis)', () => {
  let platform: TestPlatform;
  const log: string[] = [];
  let admin: TestUser;
  let adminToken: string;
  let teamId: string;
  let patientId: string;

  beforeAll(async () => {
    const logDestination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        log.push(chunk.toString());
        done();
      },
    });
    platform = await startSecurityPlatform({ VIGIL_CORS_ORIGINS: ALLOWED_ORIGIN, LOG_LEVEL: 'debug' }, { logDestination });
    teamId = await createTeam(platform);
    patientId = await createPatient(platform, teamId);
    admin = await createUser(platform, 'admin', teamId);
    const session = await new ApiClient(platform.baseUrl).signIn(admin);
    adminToken = session.accessToken;
    remember(admin.password, admin.totpSecret, session.accessToken, session.refreshCookie);
  });
  afterAll(() => platform?.close());

  describe('audit log', () => {
    type Entry = {
      action: string;
      actorId: string | null;
      actorLabel: string | null;
      patientId: string | null;
      ip: string | null;
      at: string;
      id: number;
      details: Record<string, unknown>;
    };
    const auditApi = (query: string) => new ApiClient(platform.baseUrl).get<{ entries: Entry[] }>(`/api/admin/audit?${query}`, adminToken);

    it('records who did what, to which patient, when and from where, for each audited action', async () => {
      const started = new Date(Date.now() - 1000);
      const api = new ApiClient(platform.baseUrl);
      const clinician = await createUser(platform, 'clinician', teamId);
      const { accessToken } = await api.signIn(clinician); // auth.login
      remember(clinician.password, clinician.totpSecret, accessToken);
      await api.login({ email: clinician.email, password: 'wrong-password-1' }); // auth.login_failed
      const victim = await createUser(platform, 'care_staff', teamId);
      for (let i = 0; i < 5; i++) await api.login({ email: victim.email, password: `wrong-password-${i}` }); // auth.lockout
      await api.get(`/api/patients/${patientId}`, accessToken); // patient.view
      await api.get('/api/overview', accessToken); // overview.view
      const device = await api.post<{ device: { id: string }; secret: string }>('/api/admin/devices', { patientId, kind: 'scale' }, adminToken); // device.create
      remember(device.body.secret);
      const team = await api.post<{ id: string }>('/api/admin/teams', { name: `Night team ${Date.now()}` }, adminToken); // team.create
      await api.post(`/api/admin/teams/${team.body.id}/members`, { userId: clinician.id }, adminToken); // team.member_add
      const created = await api.post<{ user: { id: string }; generatedPassword: string }>(
        '/api/admin/users',
        { email: `new-${Date.now()}@test.example`, name: 'New Nurse', role: 'care_staff' },
        adminToken,
      ); // user.create
      remember(created.body.generatedPassword);
      await api.request('PATCH', `/api/admin/users/${created.body.user.id}`, { token: adminToken, body: { role: 'clinician' } }); // user.update
      expect((await api.get('/api/admin/patients', adminToken)).status).toBe(200); // patient.list, by an admin
      expect((await api.get(`/api/admin/devices?patientId=${patientId}`, adminToken)).status).toBe(200); // device.list
      expect((await api.get(`/api/patients/${patientId}/thresholds`, accessToken)).status).toBe(200); // threshold.list

      const rows = await sql<{ action: string; actor_id: string | null; actor_label: string; patient_id: string | null; ip: string; at: Date }>(
        platform,
        'SELECT action, actor_id, actor_label, patient_id, ip, at FROM audit_log WHERE at >= $1 ORDER BY id',
        [started],
      );
      const find = (action: string, actorId: string | null, patient?: string) => {
        const row = rows.find((r) => r.action === action && r.actor_id === actorId && (patient === undefined || r.patient_id === patient));
        expect({ action, found: row !== undefined }).toEqual({ action, found: true });
        expect(row!.ip).toBe(api.ip);
        expect(row!.at.getTime()).toBeGreaterThanOrEqual(started.getTime());
        return row!;
      };
      expect(find('auth.login', clinician.id).actor_label).toBe(clinician.email);
      find('auth.login_failed', clinician.id);
      find('auth.lockout', victim.id);
      find('patient.view', clinician.id, patientId);
      find('overview.view', clinician.id);
      find('device.create', admin.id, patientId);
      find('team.create', admin.id);
      find('team.member_add', admin.id);
      find('user.create', admin.id);
      find('user.update', admin.id);
      find('device.list', admin.id, patientId);
      find('threshold.list', clinician.id, patientId);
      const adminList = await sql<{ details: { admin?: boolean; patientIds: string[] } }>(
        platform,
        `SELECT details FROM audit_log WHERE action = 'patient.list' AND actor_id = $1 AND at >= $2`,
        [admin.id, started],
      );
      expect(adminList).toHaveLength(1);
      expect(adminList[0].details).toMatchObject({ admin: true, patientIds: expect.arrayContaining([patientId]) });
    });

    it('answers the admin query by user, by patient (including overview views) and by time, and audits the query', async () => {
      const byUser = await auditApi(`userId=${admin.id}&limit=500`);
      expect(byUser.status).toBe(200);
      expect(byUser.body.entries.length).toBeGreaterThan(3);
      expect(new Set(byUser.body.entries.map((e) => e.actorId))).toEqual(new Set([admin.id]));

      const byPatient = (await auditApi(`patientId=${patientId}`)).body.entries;
      expect(byPatient.map((e) => e.action)).toEqual(expect.arrayContaining(['patient.view', 'overview.view', 'device.create', 'patient.create']));
      const overview = byPatient.find((e) => e.action === 'overview.view')!;
      expect(overview.details.patientIds).toContain(patientId);

      const all = (await auditApi('limit=500')).body.entries;
      const ids = all.map((e) => e.id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a)); // newest first
      const middle = all[Math.floor(all.length / 2)];
      const until = (await auditApi(`to=${encodeURIComponent(middle.at)}&limit=500`)).body.entries;
      expect(until.every((e) => e.at < middle.at)).toBe(true);
      const since = (await auditApi(`from=${encodeURIComponent(middle.at)}&action=patient.view`)).body.entries;
      expect(since.every((e) => e.at >= middle.at && e.action === 'patient.view')).toBe(true);
      const page = (await auditApi(`beforeId=${middle.id}&limit=3`)).body.entries;
      expect(page.map((e) => e.id)).toEqual(ids.filter((id) => id < middle.id).slice(0, 3));

      const latest = (await auditApi('action=audit.query&limit=1')).body.entries[0];
      expect(latest).toMatchObject({ actorId: admin.id, action: 'audit.query', details: { beforeId: middle.id, limit: 3, returned: 3 } });
    });

    it('cannot be changed: the database refuses UPDATE, DELETE and TRUNCATE', async () => {
      const [row] = await sql<{ id: number }>(platform, 'SELECT id FROM audit_log ORDER BY id DESC LIMIT 1');
      await expect(sql(platform, `UPDATE audit_log SET action = 'nothing' WHERE id = $1`, [row.id])).rejects.toThrow(/append-only/);
      await expect(sql(platform, 'DELETE FROM audit_log WHERE id = $1', [row.id])).rejects.toThrow(/append-only/);
      await expect(sql(platform, 'TRUNCATE audit_log')).rejects.toThrow(/append-only/);
      expect(await sql(platform, 'SELECT id FROM audit_log WHERE id = $1', [row.id])).toHaveLength(1);
    });
  });

  describe('user accounts', () => {
    it('shows a lock from any address in the admin’s user list until an admin unlocks it (audited)', async () => {
      const user = await createUser(platform, 'care_staff', teamId);
      const listed = async () =>
        (await new ApiClient(platform.baseUrl).get<Array<{ id: string; lockedUntil: string | null }>>('/api/admin/users', adminToken)).body.find(
          (u) => u.id === user.id,
        )!;
      expect((await listed()).lockedUntil).toBeNull();
      const attacker = new ApiClient(platform.baseUrl);
      for (let i = 0; i < 5; i++) await attacker.login({ email: user.email, password: `wrong-password-${i}` });
      const lockedAt = Date.now();
      const { lockedUntil } = await listed();
      // The lock of the attacker's address: VIGIL_LOCKOUT_SECONDS (default 900 s) from when it was set.
      expect(new Date(lockedUntil!).getTime()).toBeGreaterThan(lockedAt + 800_000);
      expect(new Date(lockedUntil!).getTime()).toBeLessThanOrEqual(lockedAt + 900_000);
      expect((await attacker.login(user)).status).toBe(423);

      const unlocked = await new ApiClient(platform.baseUrl).request('POST', `/api/admin/users/${user.id}/unlock`, { token: adminToken });
      expect(unlocked.status).toBe(204);
      expect((await listed()).lockedUntil).toBeNull();
      expect((await attacker.login(user)).status).toBe(200);
      const [entry] = await sql<{ actor_id: string }>(platform, `SELECT actor_id FROM audit_log WHERE action = 'user.unlock' AND target_id = $1`, [user.id]);
      expect(entry.actor_id).toBe(admin.id);
    });
  });

  describe('device credentials', () => {
    const changes: Array<AppEvents['device.changed']> = [];
    beforeAll(() => {
      platform.app.get(EventBusRepository).on('device.changed', (change) => void changes.push(change));
    });
    const stored = async (id: string) => (await sql<Record<string, unknown>>(platform, 'SELECT * FROM devices WHERE id = $1', [id]))[0];
    const sha256 = (secret: string) => createHash('sha256').update(secret).digest('hex');
    // The Mosquitto hash is salted: it matches when hashing the secret with its salt gives it again.
    const mosquittoHashOf = (row: Record<string, unknown>, secret: string) => {
      const stored = String(row.mosquitto_hash);
      return new CryptoRepository().mosquittoHash(secret, Buffer.from(stored.split('$')[3] ?? '', 'base64')) === stored;
    };
    const eventually = async (expected: AppEvents['device.changed']) => {
      await waitFor(
        () => changes.some((c) => c.deviceId === expected.deviceId && c.change === expected.change),
        (seen) => seen,
        10_000,
        `device.changed ${expected.change}`,
      );
      expect(changes).toContainEqual(expected);
    };

    it('shows the secret once and stores only its digest; rotation replaces it, revocation ends it, each announced to the broker side', async () => {
      const api = new ApiClient(platform.baseUrl);
      const created = await api.post<{ device: { id: string; patientId: string }; secret: string }>(
        '/api/admin/devices',
        { patientId, kind: 'pulse_oximeter' },
        adminToken,
      );
      expect(created.status).toBe(201);
      const { id } = created.body.device;
      const secret = created.body.secret;
      remember(secret);
      expect(secret.length).toBeGreaterThanOrEqual(43); // 256 bits
      const row = await stored(id);
      expect(row.secret_hash).toBe(sha256(secret));
      expect(mosquittoHashOf(row, secret)).toBe(true);
      expect(JSON.stringify(row)).not.toContain(secret);
      const listed = await api.get<Array<Record<string, unknown>>>(`/api/admin/devices?patientId=${patientId}`, adminToken);
      expect(listed.body.find((d) => d.id === id)).toBeDefined();
      expect(JSON.stringify(listed.body)).not.toMatch(/secret|hash/i);

      const rotated = await api.post<{ secret: string }>(`/api/admin/devices/${id}/rotate`, undefined, adminToken);
      expect(rotated.status).toBe(200);
      remember(rotated.body.secret);
      expect(rotated.body.secret).not.toBe(secret);
      const rotatedRow = await stored(id);
      expect(rotatedRow.secret_hash).toBe(sha256(rotated.body.secret));
      expect(mosquittoHashOf(rotatedRow, rotated.body.secret)).toBe(true);
      expect(rotatedRow.mosquitto_hash).not.toBe(row.mosquitto_hash);
      await eventually({ deviceId: id, change: 'rotated' });

      const otherPatient = await createPatient(platform, teamId);
      const relinked = await api.post<{ patientId: string }>(`/api/admin/devices/${id}/relink`, { patientId: otherPatient }, adminToken);
      expect(relinked.body.patientId).toBe(otherPatient);
      await eventually({ deviceId: id, change: 'relinked' });

      const revoked = await api.post<{ revokedAt: string | null }>(`/api/admin/devices/${id}/revoke`, undefined, adminToken);
      expect(revoked.status).toBe(200);
      expect(revoked.body.revokedAt).not.toBeNull();
      await eventually({ deviceId: id, change: 'revoked' });
      expect(changes.filter((c) => c.deviceId === id).map((c) => c.change)).toEqual(['rotated', 'relinked', 'revoked']);
      expect((await api.post(`/api/admin/devices/${id}/rotate`, undefined, adminToken)).status).toBe(409);
      expect((await api.post(`/api/admin/devices/${id}/revoke`, undefined, adminToken)).status).toBe(409);

      const audit = await sql<{ action: string; patient_id: string }>(platform, `SELECT action, patient_id FROM audit_log WHERE target_id = $1 ORDER BY id`, [
        id,
      ]);
      expect(audit.map((a) => a.action)).toEqual(['device.create', 'device.rotate', 'device.relink', 'device.revoke']);
    });
  });

  describe('HTTP hardening', () => {
    it('sends helmet headers with a strict content security policy', async () => {
      for (const path of ['/api/health', '/api/auth/me', '/api/docs']) {
        const response = await fetch(`${platform.baseUrl}${path}`);
        expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
        expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
        expect(response.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests'); // plain http here
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
        expect(response.headers.get('x-powered-by')).toBeNull();
        expect(response.headers.get('strict-transport-security')).toBeNull();
      }
    });

    it('allows cross-origin calls only from the configured origins', async () => {
      const preflight = (origin: string) =>
        fetch(`${platform.baseUrl}/api/auth/login`, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
        });
      const allowed = await preflight(ALLOWED_ORIGIN);
      expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
      expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
      const denied = await preflight('https://evil.example.com');
      expect(denied.headers.get('access-control-allow-origin')).toBeNull();
      const simple = await fetch(`${platform.baseUrl}/api/health`, { headers: { origin: 'https://evil.example.com' } });
      expect(simple.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('limits body size and answers bad JSON in the API error shape, without a stack trace', async () => {
      const api = new ApiClient(platform.baseUrl);
      const large = await api.request('POST', '/api/auth/login', { raw: JSON.stringify({ email: 'a@b.example', password: 'x'.repeat(200_000) }) });
      expect(large.status).toBe(413);
      expect(large.body).toEqual({ message: 'the request body is larger than 100kb', errors: [{ field: 'body', message: 'larger than 100kb' }] });
      const malformed = await api.request('POST', '/api/auth/login', { raw: '{"email": "a@b.example", ' });
      expect(malformed.status).toBe(400);
      expect(malformed.body).toEqual({ message: 'the request body is not valid JSON', errors: [{ field: 'body', message: 'not valid JSON' }] });
      const undecodable = await api.get('/api/patients/%zz');
      expect(undecodable.status).toBe(400);
      expect(undecodable.body).toEqual({ message: "Failed to decode param '%zz'", errors: [{ field: 'path', message: 'not valid percent-encoding' }] });
      const unknownRoute = await api.get('/api/no-such-route');
      expect(unknownRoute.status).toBe(404);
      expect(unknownRoute.body).toEqual({ message: 'Cannot GET /api/no-such-route' });
      for (const response of [large, malformed, unknownRoute]) expect(JSON.stringify(response.body)).not.toMatch(/ at |node_modules|\.ts:|SELECT/);
    });

    it('validates bodies, queries and path parameters with a 400 that names the field', async () => {
      const api = new ApiClient(platform.baseUrl);
      const login = await api.post('/api/auth/login', { email: 'not-an-email', password: '' });
      expect(login.status).toBe(400);
      expect((login.body.errors as Array<{ field: string }>).map((e) => e.field).sort()).toEqual(['email', 'password']);
      expect(login.body.message).toMatch(/email: .*password: /);
      const noBody = await api.request('POST', '/api/auth/login', { raw: 'email=a', headers: { 'content-type': 'text/plain' } });
      expect(noBody.status).toBe(400);
      expect(noBody.body.errors).toEqual([{ field: 'body', message: 'expected a JSON body (Content-Type: application/json)' }]);
      const role = await api.post('/api/admin/users', { email: 'x@test.example', name: 'X', role: 'boss' }, adminToken);
      expect(role.body.errors).toEqual([{ field: 'role', message: 'expected one of admin, clinician, care_staff' }]);
      const query = await api.get('/api/admin/audit?limit=100000&from=yesterday', adminToken);
      expect(query.status).toBe(400);
      expect((query.body.errors as Array<{ field: string }>).map((e) => e.field).sort()).toEqual(['from', 'limit']);
      const param = await api.post('/api/admin/devices/123/revoke', undefined, adminToken);
      expect(param.body.errors).toEqual([{ field: 'id', message: 'expected a device id (a UUID)' }]);
    });

    it('serves the OpenAPI document and Swagger UI at /api/docs', async () => {
      const ui = await fetch(`${platform.baseUrl}/api/docs`);
      expect(ui.status).toBe(200);
      expect(await ui.text()).toContain('swagger');
      const json = (await (await fetch(`${platform.baseUrl}/api/docs-json`)).json()) as { paths: Record<string, unknown> };
      expect(Object.keys(json.paths)).toEqual(
        expect.arrayContaining(['/api/auth/login', '/api/auth/mfa', '/api/overview', '/api/patients/{id}', '/api/admin/audit']),
      );
    });
  });

  it('writes no password, one-time code, token or secret to the log', async () => {
    // One more complete sign-in with every kind of secret on the wire: enrolment, recovery code, refresh.
    const api = new ApiClient(platform.baseUrl);
    const user = await createUser(platform, 'clinician', teamId);
    const step1 = await api.login(user);
    const code = await freshCode(user.totpSecret);
    const wrong = await wrongCode(user.totpSecret);
    await api.post('/api/auth/mfa', { mfaToken: step1.body.mfaToken, code: wrong });
    const step2 = await api.post<{ accessToken: string }>('/api/auth/mfa', { mfaToken: step1.body.mfaToken, code });
    const recovery = await api.post<{ recoveryCodes: string[] }>(
      '/api/auth/recovery-codes',
      { code: await freshCode(user.totpSecret) },
      step2.body.accessToken,
    );
    const refreshed = await api.request<{ accessToken: string }>('POST', '/api/auth/refresh', { cookie: step2.refreshCookie });
    await api.post('/api/auth/password', { currentPassword: user.password, newPassword: 'another-Long-passphrase-9' }, refreshed.body.accessToken);
    remember(
      user.password,
      user.totpSecret,
      step1.body.mfaToken,
      code,
      wrong,
      step2.body.accessToken,
      step2.refreshCookie,
      refreshed.body.accessToken,
      refreshed.refreshCookie,
    );
    remember(...recovery.body.recoveryCodes, 'another-Long-passphrase-9');

    // pino writes asynchronously: wait for the last request's line.
    const text = await waitFor(
      () => log.join(''),
      (logged) => logged.includes('/api/auth/password'),
      10_000,
      'the log line of the last request',
    );
    expect(text).toContain('/api/auth/mfa'); // the requests were logged...
    expect(secrets.size).toBeGreaterThan(25);
    const leaked = [...secrets].filter((secret) => text.includes(secret));
    expect(leaked).toEqual([]); // ...and none of the secrets
  });
});
