import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { io } from 'socket.io-client';
import { APP_CONFIG, type AppConfig } from '../../server/src/config/app.config.js';
import { SessionRepository } from '../../server/src/repositories/session.repository.js';
import { createUser, startSecurityPlatform } from '../support/auth.js';
import { connectLive } from '../support/live.js';
import { createPatient, createTeam, type TestPlatform } from '../support/platform.js';
import { ROOT } from '../support/process.js';
import { FULL } from './fleet.js';

/**
 * Bad input, fuzzed, at every REST operation the OpenAPI document describes (so a new route is
 * fuzzed without touching this file) and at every socket event: generated and mutated bodies,
 * queries and path parameters (wrong types, truncated and binary bodies, duplicate keys, huge
 * and deeply nested values, NUL bytes and lone surrogates, numbers at the edges). No answer may
 * be a 5xx or no answer at all; a 400 (or 413, 415) names each field at fault; and the server still serves
 * afterwards. `npm test`: 25 requests per operation; `npm run test:chaos`: 400.
 */
const RUNS = FULL ? { perOperation: 400, socket: 3000 } : { perOperation: 25, socket: 150 };

type Schema = {
  type?: string;
  format?: string;
  enum?: unknown[];
  anyOf?: Schema[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, Schema>;
  items?: Schema;
};
type Parameter = { name: string; in: 'path' | 'query'; required?: boolean; schema: Schema };
type Operation = { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> } };
const document = JSON.parse(fs.readFileSync(path.join(ROOT, 'docs/openapi.json'), 'utf8')) as { paths: Record<string, Record<string, Operation>> };
const operations = Object.entries(document.paths).flatMap(([route, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({ route, method, operation })),
);

const anyChar = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  fc.constantFrom('\u0000', '\ud800', '\udfff', '%', '/', '..', '"', '\\', '?', '#', '&', '='),
);
const anyString = fc.string({ unit: anyChar, maxLength: 40 });
const edgeNumber = fc.constantFrom(0, -0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 31, -(2 ** 31) - 1, 5e-324);
const deep = fc.integer({ min: 50, max: 800 }).map((depth) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown);
const huge = fc.integer({ min: 10_000, max: 200_000 }).map((n) => 'x'.repeat(n));
/** Anything a JSON body can hold in one field. */
const wrong: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3, stringUnit: anyChar }),
  anyString,
  edgeNumber,
  fc.constantFrom(null, true, false, [], {}, '', ' ', 'NaN', 'Infinity', '2026-13-45T99:99:99Z', '00000000-0000-0000-0000-000000000000'),
  deep,
  huge,
);

const ids = { team: '', patient: '', user: '', other: '' };
/** A value its schema allows (ids of real rows where it names one), often enough to get past the first check. */
function valid(name: string, schema: Schema): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s) => valid(name, s)));
  switch (schema.type) {
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 100_000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1000, max: schema.maximum ?? 100_000, noNaN: true });
    case 'array':
      return fc.array(valid(name, schema.items ?? {}), { maxLength: 3 });
    case 'object':
      return object(schema);
    default:
      break;
  }
  if (schema.format === 'uuid') return fc.constantFrom(ids.team, ids.patient, ids.user, ids.other, '00000000-0000-4000-8000-000000000000');
  if (schema.format === 'email') return fc.emailAddress();
  if (schema.format === 'date-time')
    return fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
  if (schema.pattern === '^\\d+$') return fc.nat({ max: 100_000 }).map(String);
  if (schema.pattern === '^\\d{6}$') return fc.integer({ min: 0, max: 999_999 }).map((n) => String(n).padStart(6, '0'));
  return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 60, 60) });
}
/** Each property valid, wrong or left out; sometimes a key the schema does not have. */
function object(schema: Schema): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.entries(schema.properties ?? {}).map(([name, s]) =>
    fc.oneof(fc.constant(undefined), valid(name, s), wrong).map((value) => [name, value] as const),
  );
  return fc.tuple(fc.tuple(...fields), fc.option(fc.tuple(anyString, wrong), { nil: undefined })).map(([pairs, extra]) => {
    const out: Record<string, unknown> = {};
    for (const [name, value] of pairs) if (value !== undefined) out[name] = value;
    if (extra) out[extra[0]] = extra[1];
    return out;
  });
}
/** A whole request body, as the bytes sent. */
function body(schema: Schema | undefined): fc.Arbitrary<{ text?: string | Buffer; type?: string }> {
  const structured = schema ? object(schema) : fc.dictionary(anyString, wrong, { maxKeys: 3 });
  const text = fc.oneof(
    { weight: 6, arbitrary: structured.map((value) => JSON.stringify(value)) },
    {
      weight: 1,
      arbitrary: fc.tuple(structured, fc.nat()).map(([value, cut]) => JSON.stringify(value).slice(0, cut % Math.max(1, JSON.stringify(value).length))),
    },
    { weight: 1, arbitrary: wrong.map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: fc.constantFrom('NaN', '{"a":NaN}', '{"name":"a","name":"b"}', '{"email":1,"email":"x@y.z"}', '', ' ', 'null', '[]', '"x"', '{') },
    { weight: 1, arbitrary: fc.integer({ min: 1000, max: 100_000 }).map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)) },
    { weight: 1, arbitrary: fc.integer({ min: 100_000, max: 3_000_000 }).map((n) => `{"name":"${'x'.repeat(n)}"}`) },
  );
  return fc.oneof(
    {
      weight: 10,
      arbitrary: fc.record({
        text,
        type: fc.constantFrom('application/json', 'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded'),
      }),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2000 }).map((bytes) => ({ text: Buffer.from(bytes), type: 'application/json' })) },
    { weight: 1, arbitrary: fc.constant({}) },
  );
}
/** A query or path value: valid, or any text (sent percent-encoded, or raw). */
function parameterValue(parameter: Parameter): fc.Arbitrary<{ value: string; raw: boolean } | undefined> {
  const text = fc.oneof(
    valid(parameter.name, parameter.schema).map(String),
    anyString,
    wrong.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))),
  );
  return fc.oneof(
    { weight: parameter.in === 'path' ? 0 : 1, arbitrary: fc.constant(undefined) },
    { weight: 4, arbitrary: text.map((value) => ({ value, raw: false })) },
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%00', '%ff%fe', '%C0%AF', '..%2f..', '%2e%2e').map((value) => ({ value, raw: true })) },
  );
}
const encode = (p: { value: string; raw: boolean }) => (p.raw ? p.value : encodeURIComponent(p.value.isWellFormed() ? p.value : p.value.toWellFormed()));

const SEED = process.env.VIGIL_FUZZ_SEED === undefined ? undefined : Number(process.env.VIGIL_FUZZ_SEED);

/** Vigil's error shape with `errors[].field`, or FHIR's OperationOutcome whose `expression` names the parameters (hl7.org/fhir/R4/operationoutcome.html). */
function namesFields(text: string): boolean {
  let parsed: { message?: unknown; errors?: Array<{ field?: unknown; message?: unknown }>; resourceType?: string; issue?: Array<{ expression?: unknown[] }> };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    return false;
  }
  if (parsed.resourceType === 'OperationOutcome') {
    return Array.isArray(parsed.issue) && parsed.issue.length > 0 && parsed.issue.every((i) => Array.isArray(i.expression) && i.expression.length > 0);
  }
  return (
    typeof parsed.message === 'string' &&
    Array.isArray(parsed.errors) &&
    parsed.errors.length > 0 &&
    parsed.errors.every((e) => typeof e.field === 'string' && e.field !== '' && typeof e.message === 'string')
  );
}

describe('REST and socket input, fuzzed (no 5xx, every 400 names its fields)', () => {
  let platform: TestPlatform;
  let signingKey: Uint8Array;
  const tokens = { admin: '', clinician: '' };

  /** An access token of a fresh session, as a sign-in would hand out (without the sign-in's TOTP wait). */
  const tokenFor = async (userId: string) => {
    const session = await platform.app.get(SessionRepository).create({ userId, lifetimeSeconds: 3600 });
    return new SignJWT({ sid: session.id })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setIssuer('vigil')
      .setAudience('vigil-api')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(signingKey);
  };
  /** The fuzzer may sign out its own admin: start the next operation with one whose token works. */
  const freshAdmin = async () => {
    const me = await fetch(`${platform.baseUrl}/api/auth/me`, { headers: { authorization: `Bearer ${tokens.admin}` } });
    if (me.status !== 200) tokens.admin = await tokenFor((await createUser(platform, 'admin', ids.team)).id);
  };

  beforeAll(async () => {
    platform = await startSecurityPlatform();
    signingKey = new TextEncoder().encode(platform.app.get<AppConfig>(APP_CONFIG).auth.secret);
    ids.team = await createTeam(platform);
    ids.patient = await createPatient(platform, ids.team);
    ids.other = await createPatient(platform, await createTeam(platform));
    const clinician = await createUser(platform, 'clinician', ids.team);
    ids.user = clinician.id;
    tokens.clinician = await tokenFor(clinician.id);
  });
  afterAll(() => platform?.close());

  it('derives the operations from docs/openapi.json', () => {
    expect(operations.length).toBeGreaterThan(50);
    expect(operations.map((o) => `${o.method.toUpperCase()} ${o.route}`)).toEqual(
      expect.arrayContaining(['POST /api/admin/users', 'GET /api/patients/{id}/readings']),
    );
  });

  it.each(operations.map((o) => [`${o.method.toUpperCase()} ${o.route}`, o] as const))('%s', async (_label, { route, method, operation }) => {
    await freshAdmin();
    const parameters = operation.parameters ?? [];
    const request = fc.record({
      path: fc.tuple(...parameters.filter((p) => p.in === 'path').map((p) => parameterValue(p).map((v) => [p.name, v!] as const))),
      query: fc.tuple(...parameters.filter((p) => p.in === 'query').map((p) => parameterValue(p).map((v) => [p.name, v] as const))),
      extraQuery: fc.array(fc.tuple(anyString, anyString), { maxLength: 2 }),
      body: body(operation.requestBody?.content['application/json']?.schema),
      auth: fc.constantFrom('admin', 'admin', 'admin', 'clinician', 'none', 'garbage'),
      ip: fc.integer({ min: 1, max: 250 }),
    });
    // Every faulty answer of the operation, shortened: a failure lists them all rather than the first huge input.
    const faults: string[] = [];
    for (const r of fc.sample(request, { numRuns: RUNS.perOperation, seed: SEED })) {
      let url = route;
      for (const [name, value] of r.path) url = url.replace(`{${name}}`, encode(value));
      const query = [
        ...r.query.filter(([, v]) => v !== undefined).map(([name, v]) => `${name}=${encode(v!)}`),
        ...r.extraQuery.map(([k, v]) => `${encodeURIComponent(k.toWellFormed())}=${encodeURIComponent(v.toWellFormed())}`),
      ];
      const headers: Record<string, string> = { 'x-forwarded-for': `198.51.100.${r.ip}` };
      if (r.auth === 'admin' || r.auth === 'clinician') headers.authorization = `Bearer ${tokens[r.auth]}`;
      if (r.auth === 'garbage') headers.authorization = 'Bearer not.a.token';
      if (r.body.type) headers['content-type'] = r.body.type;
      const target = `${url}${query.length ? `?${query.join('&')}` : ''}`;
      const label = `${method.toUpperCase()} ${target.slice(0, 120)} body ${String(r.body.text ?? '').slice(0, 60)}`;
      const response = await fetch(`${platform.baseUrl}${target}`, {
        method: method.toUpperCase(),
        headers,
        body: method === 'get' ? undefined : r.body.text,
      }).catch((error: unknown) => String(error));
      if (typeof response === 'string') {
        faults.push(`${label}: no answer (${response})`);
        continue;
      }
      const text = await response.text();
      const fault = `${label}: ${response.status} ${text.slice(0, 160)}`;
      // The readiness report answers 503 when a dependency is down: that is its job, not a fault.
      if (response.status >= 500 && route !== '/api/ready') faults.push(fault);
      // A refusal of the input (bad, too large, of a type not taken) names each field at fault.
      else if ([400, 413, 415, 422].includes(response.status) && !namesFields(text)) faults.push(fault);
      // 431: Node's HTTP parser refuses a request line and headers past 16 KiB (a huge path or query) before the app sees it.
      else if (response.status >= 400 && response.status !== 431 && !text.startsWith('{')) faults.push(fault);
    }
    expect(faults).toEqual([]);
    // Still serving.
    expect((await fetch(`${platform.baseUrl}/api/health`)).status).toBe(200);
  });

  it('socket events and handshakes: every ack says ok, not found, or which field is wrong; the server keeps serving', async () => {
    // A clinician of the patient's team the REST fuzzing above cannot have disabled or moved.
    const clinician = await createUser(platform, 'clinician', ids.team);
    const client = await connectLive(platform.baseUrl, await tokenFor(clinician.id));
    // Under the 16 KiB a socket.io message may hold (LiveIoAdapter's maxHttpBufferSize); a larger one closes the connection, below.
    const small = wrong.filter((value) => (JSON.stringify(value)?.length ?? 0) < 12_000);
    const watchLike = fc.oneof(
      fc.record({ patientId: fc.oneof(fc.constantFrom(ids.patient, ids.other), small), since: fc.option(small, { nil: undefined }) }, { requiredKeys: [] }),
      fc.record({ teamId: fc.oneof(fc.constant(ids.team), small) }, { requiredKeys: [] }),
      small,
      fc.uint8Array({ maxLength: 100 }).map((bytes) => Buffer.from(bytes)),
    );
    try {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('watch' as const, 'unwatch' as const), watchLike, async (event, payload) => {
          const ack = await client.socket.timeout(10_000).emitWithAck(event, payload as never);
          const answer = ack as { ok?: boolean; error?: unknown };
          const fine =
            answer.ok === true || answer.error === 'not found' || (typeof answer.error === 'string' && /^invalid body: (\w[\w.]*|body): /.test(answer.error));
          expect(fine ? 'answered' : { event, payload: JSON.stringify(payload)?.slice(0, 200), answer }).toBe('answered');
        }),
        { numRuns: RUNS.socket, endOnFailure: true },
      );
      // Events the server does not have, with any arguments, and no ack: ignored, and the connection still answers.
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(anyString, fc.constantFrom('connect', 'disconnect', 'error', '__proto__', 'constructor')),
          fc.array(small, { maxLength: 3 }).filter((args) => JSON.stringify(args).length < 12_000),
          async (event, args) => {
            try {
              (client.socket as unknown as { emit(name: string, ...rest: unknown[]): void }).emit(event, ...args);
            } catch {
              // socket.io-client refuses reserved event names itself
            }
            expect(await client.socket.timeout(10_000).emitWithAck('unwatch', { patientId: ids.patient })).toEqual({ ok: true });
          },
        ),
        { numRuns: RUNS.socket, endOnFailure: true },
      );
      expect(await client.watch({ patientId: ids.patient })).toEqual({ ok: true });
      // Past the message limit the server closes the connection (engine.io's refusal); a new one is served.
      const closed = new Promise<string>((resolve) => client.socket.once('disconnect', (reason) => resolve(reason)));
      client.socket.emit('watch', { patientId: 'x'.repeat(20_000) }, () => undefined);
      expect(await closed).toBe('transport close');
    } finally {
      client.close();
    }
    const again = await connectLive(platform.baseUrl, await tokenFor(clinician.id));
    try {
      expect(await again.watch({ patientId: ids.patient })).toEqual({ ok: true });
    } finally {
      again.close();
    }
    // Handshakes with any auth: refused, never a crash.
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ token: small }),
          small.filter((v) => typeof v === 'object' && v !== null && !Array.isArray(v)),
        ),
        async (auth) => {
          const socket = io(platform.baseUrl, {
            path: '/socket.io',
            transports: ['websocket'],
            reconnection: false,
            forceNew: true,
            auth: auth as Record<string, unknown>,
          });
          const outcome = await new Promise<string>((resolve) => {
            socket.once('connect', () => resolve('connected'));
            socket.once('connect_error', (error) => resolve(`refused: ${error.message}`));
            setTimeout(() => resolve('no answer within 10 s'), 10_000).unref();
          });
          socket.close();
          expect(outcome).toMatch(/^refused: /);
        },
      ),
      { numRuns: Math.ceil(RUNS.socket / 5), endOnFailure: true },
    );
    expect((await fetch(`${platform.baseUrl}/api/health`)).status).toBe(200);
  });
});
