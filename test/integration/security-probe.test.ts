import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeJwt, SignJWT } from 'jose';
import { APP_CONFIG, type AppConfig } from '../../server/src/config/app.config.js';
import { ApiClient, createUser, freshCode, startSecurityPlatform, type TestUser } from '../support/auth.js';
import { createPatient, createTeam, type TestPlatform, unique } from '../support/platform.js';
import { ROOT } from '../support/process.js';

/** Follow-ups of an outside probe (issue 10), each against the real PostgreSQL and Redis. */

const METRICS_TOKEN = 'metrics-token-for-the-probe-test-0123456789';

type SchemaObject = {
  type?: string;
  format?: string;
  enum?: unknown[];
  anyOf?: SchemaObject[];
  pattern?: string;
  minLength?: number;
  properties?: Record<string, SchemaObject>;
};
type Operation = {
  parameters?: Array<{ name: string; in: 'path' | 'query'; schema: SchemaObject }>;
  requestBody?: { content: { 'application/json': { schema: SchemaObject } } };
};

describe('security follow-ups of the outside probe (real PostgreSQL and Redis)', () => {
  let platform: TestPlatform;
  const log: string[] = [];
  let admin: TestUser;
  let adminToken: string;
  const ids = { team: '', user: '', patient: '', device: '' };

  beforeAll(async () => {
    const logDestination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        log.push(chunk.toString());
        done();
      },
    });
    platform = await startSecurityPlatform({ LOG_LEVEL: 'info', VIGIL_METRICS_TOKEN: METRICS_TOKEN }, { logDestination });
    ids.team = await createTeam(platform);
    ids.patient = await createPatient(platform, ids.team);
    admin = await createUser(platform, 'admin', ids.team);
    ids.user = (await createUser(platform, 'care_staff', ids.team)).id;
    adminToken = (await new ApiClient(platform.baseUrl).signIn(admin)).accessToken;
    const device = await new ApiClient(platform.baseUrl).post<{ device: { id: string } }>(
      '/api/admin/devices',
      { patientId: ids.patient, kind: 'scale' },
      adminToken,
    );
    ids.device = device.body.device.id;
  });
  afterAll(() => platform?.close());

  type Entry = {
    action: string;
    actorId: string | null;
    patientId: string | null;
    targetId: string | null;
    ip: string | null;
    details: Record<string, unknown>;
  };
  const audit = async (query: string) =>
    (await new ApiClient(platform.baseUrl).get<{ entries: Entry[] }>(`/api/admin/audit?${query}&limit=500`, adminToken)).body.entries;

  describe('NUL bytes in REST strings', () => {
    const document = JSON.parse(fs.readFileSync(path.join(ROOT, 'docs/openapi.json'), 'utf8')) as { paths: Record<string, Record<string, Operation>> };
    /** A real id for a path parameter: `{id}` of the collection before it, `{userId}` a user. */
    const idOf = (route: string, param: string): string => {
      const segments = route.split('/');
      const collection = param === 'userId' ? 'users' : segments[segments.indexOf(`{${param}}`) - 1];
      return { teams: ids.team, users: ids.user, patients: ids.patient, devices: ids.device }[collection]!;
    };
    const valid = (name: string, schema: SchemaObject): unknown => {
      if (schema.enum) return schema.enum[0];
      if (schema.anyOf) return valid(name, schema.anyOf[0]);
      if (schema.type === 'boolean') return false;
      if (schema.type === 'number' || schema.type === 'integer') return 1;
      if (schema.format === 'uuid') return { teamId: ids.team, userId: ids.user, patientId: ids.patient }[name] ?? ids.patient;
      if (schema.format === 'email') return `probe-${unique()}@test.example`;
      if (schema.format === 'date-time') return '2026-11-30T08:00:00Z';
      if (schema.pattern === '^\\d{6}$') return '123456';
      return `Valid-${unique()}-Value`.padEnd(schema.minLength ?? 0, 'x');
    };
    const poisoned = (value: unknown, schema: SchemaObject) => {
      const text = schema.format ? `${String(value)}\u0000` : `Null\u0000Byte`;
      return text.padEnd(schema.minLength ?? 0, 'x');
    };

    // Every string field of every body, query and path parameter the API describes (the broker's
    // endpoints answer only the broker's token): one request per field, that field holding a NUL.
    const cases: Array<{ label: string; method: string; route: string; field: string; where: 'body' | 'query' | 'path' }> = [];
    for (const [route, operations] of Object.entries(document.paths)) {
      if (route.startsWith('/api/broker')) continue;
      for (const [method, operation] of Object.entries(operations)) {
        for (const parameter of operation.parameters ?? []) {
          if (parameter.schema.type === 'string')
            cases.push({
              label: `${method.toUpperCase()} ${route} ${parameter.in} ${parameter.name}`,
              method,
              route,
              field: parameter.name,
              where: parameter.in,
            });
        }
        const body = operation.requestBody?.content['application/json'].schema;
        for (const [field, schema] of Object.entries(body?.properties ?? {})) {
          if (schema.type === 'string') cases.push({ label: `${method.toUpperCase()} ${route} body ${field}`, method, route, field, where: 'body' });
        }
      }
    }

    it('covers the admin, patient, audit and auth routes', () => {
      const labels = cases.map((c) => c.label);
      expect(labels).toEqual(
        expect.arrayContaining([
          'POST /api/admin/patients body name',
          'PATCH /api/admin/patients/{id} body name',
          'POST /api/admin/teams body name',
          'POST /api/admin/users body name',
          'POST /api/admin/users body password',
          'GET /api/admin/audit query action',
          'GET /api/patients/{id} path id',
          'POST /api/auth/login body password',
        ]),
      );
    });

    it.each(cases.map((c) => [c.label, c] as const))('%s: a NUL is a 400 naming the field', async (_label, { method, route, field, where }) => {
      const operation = document.paths[route][method];
      const params = Object.fromEntries((operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => [p.name, idOf(route, p.name)]));
      const bodySchema = operation.requestBody?.content['application/json'].schema;
      const body = bodySchema
        ? Object.fromEntries(Object.entries(bodySchema.properties ?? {}).map(([name, schema]) => [name, valid(name, schema)]))
        : undefined;
      const query = new URLSearchParams();
      if (where === 'body') body![field] = poisoned(body![field], bodySchema!.properties![field]);
      if (where === 'path') params[field] = poisoned(params[field], { format: 'uuid' });
      if (where === 'query') {
        const schema = operation.parameters!.find((p) => p.name === field)!.schema;
        query.set(field, poisoned(valid(field, schema), schema));
      }
      const url = route.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name])) + (where === 'query' ? `?${query}` : '');
      const response = await new ApiClient(platform.baseUrl).request<{ errors?: Array<{ field: string }> }>(method.toUpperCase(), url, {
        body,
        token: adminToken,
      });
      expect({ status: response.status, fields: response.body?.errors?.map((e) => e.field) }).toEqual({ status: 400, fields: expect.arrayContaining([field]) });
    });
  });

  describe('refused access', () => {
    type Entry = {
      action: string;
      actorId: string | null;
      patientId: string | null;
      targetId: string | null;
      ip: string | null;
      details: Record<string, unknown>;
    };
    const audit = async (query: string) =>
      (await new ApiClient(platform.baseUrl).get<{ entries: Entry[] }>(`/api/admin/audit?${query}&limit=500`, adminToken)).body.entries;

    it("is audited: another team's clinician asking for this team's patient (404) and for admin routes (403), with who, what, which id and from where", async () => {
      const otherTeam = await createTeam(platform);
      const stranger = await createUser(platform, 'clinician', otherTeam);
      const api = new ApiClient(platform.baseUrl);
      const { accessToken } = await api.signIn(stranger);
      expect((await api.get(`/api/patients/${ids.patient}`, accessToken)).status).toBe(404);
      expect((await api.get('/api/admin/users', accessToken)).status).toBe(403);
      expect((await api.request('PATCH', `/api/admin/patients/${ids.patient}`, { token: accessToken, body: { name: 'Taken Over' } })).status).toBe(403);

      const entries = await audit(`userId=${stranger.id}&action=access.refused`);
      const shown = entries.map(({ targetId, patientId, ip, details }) => ({ targetId, patientId, ip, status: details.status }));
      expect(shown).toEqual(
        expect.arrayContaining([
          { targetId: 'GET /api/patients/:id', patientId: ids.patient, ip: api.ip, status: 404 },
          { targetId: 'GET /api/admin/users', patientId: null, ip: api.ip, status: 403 },
          { targetId: 'PATCH /api/admin/patients/:id', patientId: ids.patient, ip: api.ip, status: 403 },
        ]),
      );
      expect(entries.find((e) => e.targetId === 'GET /api/patients/:id')!.details.params).toEqual({ id: ids.patient });
      // The patient's own audit trail shows the attempt too.
      const about = await audit(`patientId=${ids.patient}&action=access.refused`);
      expect(about.some((e) => e.actorId === stranger.id && e.targetId === 'GET /api/patients/:id')).toBe(true);
    });

    it('is rate-limited per user: 20 entries a minute, then one saying the rest were left out', async () => {
      const prober = await createUser(platform, 'care_staff', await createTeam(platform));
      const api = new ApiClient(platform.baseUrl);
      const { accessToken } = await api.signIn(prober);
      for (let i = 0; i < 30; i++) expect((await api.get(`/api/patients/${ids.patient}`, accessToken)).status).toBe(404);
      const entries = await audit(`userId=${prober.id}`);
      expect(entries.filter((e) => e.action === 'access.refused')).toHaveLength(20);
      expect(entries.filter((e) => e.action === 'access.refused_throttled')).toHaveLength(1);
    });
  });

  describe('lockout cannot be used against the owner', () => {
    const wrong = (user: TestUser, i: number) => ({ email: user.email, password: `wrong-password-${i}-guess` });

    it("a stranger's wrong passwords lock only the stranger's address: the owner signs in from another with password and code", async () => {
      const owner = await createUser(platform, 'care_staff', ids.team);
      const stranger = new ApiClient(platform.baseUrl);
      const statuses = [];
      for (let i = 0; i < 6; i++) statuses.push((await stranger.login(wrong(owner, i))).status);
      expect(statuses).toEqual([401, 401, 401, 401, 423, 423]);
      expect((await stranger.login(owner)).status).toBe(423); // the right password too: the lock says nothing
      const nurse = new ApiClient(platform.baseUrl);
      const step1 = await nurse.login(owner);
      expect(step1.status).toBe(200);
      const step2 = await nurse.post<{ accessToken: string }>('/api/auth/mfa', { mfaToken: step1.body.mfaToken, code: await freshCode(owner.totpSecret) });
      expect(step2.status).toBe(200);
      expect((await nurse.get('/api/auth/me', step2.body.accessToken)).body).toMatchObject({ id: owner.id });
      expect((await stranger.login(owner)).status).toBe(423); // the owner's sign-in does not lift the stranger's lock
    });

    it('many addresses buy no more guesses: each that failed waits a growing delay, a fresh one is not delayed', async () => {
      const owner = await createUser(platform, 'clinician', ids.team);
      const strangers = Array.from({ length: 10 }, () => new ApiClient(platform.baseUrl));
      for (const [i, stranger] of strangers.entries()) expect((await stranger.login(wrong(owner, i))).status).toBe(401);
      // 10 failures on the account: 5 past the limit, a delay of 2^5 s after the latest one.
      const delayed = await strangers[0].login(owner); // the right password, from an address that failed
      expect(delayed.status).toBe(429);
      expect(delayed.body.message).toMatch(/on this account/);
      expect(Number(delayed.headers.get('retry-after'))).toBeGreaterThan(16);
      await expect(new ApiClient(platform.baseUrl).signIn(owner)).resolves.toMatchObject({ accessToken: expect.any(String) });
      const actions = (await audit(`userId=${owner.id}`)).map((e) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['auth.login_delayed', 'auth.login']));
    });

    it('an admin unlock lifts the lock from every address', async () => {
      const owner = await createUser(platform, 'care_staff', ids.team);
      const stranger = new ApiClient(platform.baseUrl);
      for (let i = 0; i < 5; i++) await stranger.login(wrong(owner, i));
      expect((await stranger.login(owner)).status).toBe(423);
      expect((await new ApiClient(platform.baseUrl).post(`/api/admin/users/${owner.id}/unlock`, undefined, adminToken)).status).toBe(204);
      expect((await stranger.login(owner)).status).toBe(200);
    });

    it("/api/auth/me does not share the sign-in routes' limit", async () => {
      const api = new ApiClient(platform.baseUrl);
      const { accessToken } = await api.signIn(await createUser(platform, 'care_staff', ids.team));
      const statuses = [];
      for (let i = 0; i < 25; i++) statuses.push((await api.get('/api/auth/me', accessToken)).status);
      expect(statuses).toEqual(Array(25).fill(200));
      const logins = [];
      for (let i = 0; i < 11; i++) logins.push((await api.post('/api/auth/login', {})).status);
      expect(logins.at(-1)).toBe(429); // the sign-in routes keep theirs
    });
  });

  describe('caching', () => {
    it.each([
      '/api/patients',
      `/api/patients/{patient}`,
      '/api/overview',
      '/api/admin/patients',
      '/api/admin/users',
      '/api/admin/teams',
      '/api/admin/devices',
      '/api/admin/audit',
      '/api/auth/me',
    ])('GET %s is sent with Cache-Control: no-store', async (route) => {
      const response = await new ApiClient(platform.baseUrl).get(route.replace('{patient}', ids.patient), adminToken);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
    });
  });

  describe('access tokens', () => {
    const resign = async (token: string, withExpiry: boolean) => {
      const claims = decodeJwt(token);
      const key = new TextEncoder().encode(platform.app.get<AppConfig>(APP_CONFIG).auth.secret!);
      const jwt = new SignJWT({ sid: claims.sid })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(claims.sub!)
        .setIssuer('vigil')
        .setAudience('vigil-api')
        .setIssuedAt();
      return (withExpiry ? jwt.setExpirationTime('5m') : jwt).sign(key);
    };

    it('refuses a token re-signed without exp (401), and takes the same token with exp', async () => {
      const api = new ApiClient(platform.baseUrl);
      expect((await api.get('/api/auth/me', await resign(adminToken, true))).status).toBe(200);
      expect((await api.get('/api/auth/me', await resign(adminToken, false))).status).toBe(401);
    });
  });

  describe('/metrics', () => {
    it('answers only the scraper presenting VIGIL_METRICS_TOKEN', async () => {
      const api = new ApiClient(platform.baseUrl);
      expect((await api.get('/metrics')).status).toBe(401);
      expect((await api.get('/metrics', 'not-the-metrics-token-0123456789')).status).toBe(401);
      expect((await api.get('/metrics', adminToken)).status).toBe(401);
      const scraped = await fetch(`${platform.baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('vigil_ingest_messages_total');
    });
  });

  // Last: the requests above and here are what the log holds.
  it('writes no token to the log, not even one sent in the query string', async () => {
    const api = new ApiClient(platform.baseUrl);
    const response = await api.get(`/api/patients?access_token=${adminToken}&token=${adminToken}`, adminToken);
    expect(response.status).toBe(200);
    const lines = log.join('');
    expect(lines).toContain('access_token=***'); // the request was logged, masked
    for (const secret of [adminToken, METRICS_TOKEN, admin.password]) expect(lines).not.toContain(secret);
  });
});
