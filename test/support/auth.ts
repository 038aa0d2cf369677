import { generate } from 'otplib';
import { CLI_ACTOR } from '../../server/src/domain/actor.js';
import type { Role } from '../../server/src/domain/roles.js';
import { UserAdminService } from '../../server/src/services/user-admin.service.js';
import type { DestinationStream } from 'pino';
import { startTestPlatform, type TestPlatform, unique } from './platform.js';
import { createTestDatabase } from './postgres.js';
import { startTestRedis } from './redis.js';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  totpSecret: string;
}

/**
 * The platform on a database of its own on the real PostgreSQL and a real redis-server of its
 * own (so rate-limit counters never meet another test's), believing X-Forwarded-For from one
 * proxy hop so each ApiClient can have its own address. `close()` removes all of it.
 */
export async function startSecurityPlatform(env: Record<string, string> = {}, options: { logDestination?: DestinationStream } = {}): Promise<TestPlatform> {
  const [database, redis] = await Promise.all([createTestDatabase(), startTestRedis()]);
  try {
    const platform = await startTestPlatform({ DATABASE_URL: database.url, REDIS_URL: redis.url, VIGIL_TRUST_PROXY: '1', ...env }, options);
    const close = platform.close.bind(platform);
    return Object.assign(platform, {
      async close() {
        await close();
        await Promise.all([database.drop(), redis.stop()]);
      },
    });
  } catch (error) {
    await Promise.all([database.drop(), redis.stop()]);
    throw error;
  }
}

/** A user as the operator CLI creates one: enrolled with the TOTP secret returned. */
export async function createUser(platform: Pick<TestPlatform, 'app'>, role: Role, teamId?: string): Promise<TestUser> {
  const email = `${role}-${unique()}@test.example`;
  const password = `pw-${unique()}-Correct-Horse`;
  const created = await platform.app.get(UserAdminService).createUser(CLI_ACTOR, { email, name: `Test ${role}`, role, team: teamId, password, enrolNow: true });
  return { id: created.user.id, email, password, totpSecret: created.totpSecret! };
}

const STEP_SECONDS = 30;
const lastStep = new Map<string, number>();
const currentStep = () => Math.floor(Date.now() / 1000 / STEP_SECONDS);

/**
 * A valid TOTP code never handed out before for this secret: the server refuses a time step
 * used once (replay protection) and accepts the current step ± 1, so a test signing in twice
 * within 30 s gets the next step's code, and waits only when it is ahead by more than one.
 */
export async function freshCode(secret: string): Promise<string> {
  const step = Math.max(currentStep(), (lastStep.get(secret) ?? 0) + 1);
  while (step > currentStep() + 1) await new Promise((r) => setTimeout(r, 500));
  lastStep.set(secret, step);
  return generate({ secret, epoch: step * STEP_SECONDS });
}

/** A six-digit code that is none of the codes the server would accept right now. */
export async function wrongCode(secret: string): Promise<string> {
  const now = currentStep();
  const valid = new Set(await Promise.all([now - 1, now, now + 1, now + 2].map((step) => generate({ secret, epoch: step * STEP_SECONDS }))));
  for (let n = 0; ; n++) {
    const candidate = String((Number([...valid][0]) + 1 + n * 7919) % 1_000_000).padStart(6, '0');
    if (!valid.has(candidate)) return candidate;
  }
}

export interface Response<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
  /** The refresh cookie set by this response, if any (`name=value`). */
  refreshCookie?: string;
}

/**
 * A client of the test platform from its own address (sent as X-Forwarded-For: the platform
 * runs with VIGIL_TRUST_PROXY=1), so per-address limits of one test do not spill into another.
 */
export class ApiClient {
  private static next = 1;
  readonly ip: string;

  constructor(
    readonly baseUrl: string,
    ip?: string,
  ) {
    this.ip = ip ?? `203.0.113.${ApiClient.next++}`;
  }

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: { body?: unknown; token?: string; cookie?: string; headers?: Record<string, string>; raw?: string } = {},
  ): Promise<Response<T>> {
    const headers: Record<string, string> = { 'x-forwarded-for': this.ip, ...options.headers };
    if (options.body !== undefined || options.raw !== undefined) headers['content-type'] ??= 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.cookie) headers.cookie = options.cookie;
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
    const text = await response.text();
    const refreshCookie = response.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .find((c) => c.startsWith('vigil_refresh=') && c !== 'vigil_refresh=');
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers, refreshCookie };
  }

  get<T = Record<string, unknown>>(path: string, token?: string) {
    return this.request<T>('GET', path, { token });
  }

  post<T = Record<string, unknown>>(path: string, body?: unknown, token?: string) {
    return this.request<T>('POST', path, { body, token });
  }

  /** Step 1 only. */
  async login(user: Pick<TestUser, 'email' | 'password'>): Promise<Response<{ mfaToken: string; enrolmentRequired: boolean; message?: string }>> {
    return this.post('/api/auth/login', { email: user.email, password: user.password });
  }

  /** Both steps with a fresh TOTP code; throws unless signed in. */
  async signIn(user: TestUser): Promise<{ accessToken: string; refreshCookie: string }> {
    const step1 = await this.login(user);
    if (step1.status !== 200) throw new Error(`login: ${step1.status} ${JSON.stringify(step1.body)}`);
    const step2 = await this.post<{ accessToken: string }>('/api/auth/mfa', { mfaToken: step1.body.mfaToken, code: await freshCode(user.totpSecret) });
    if (step2.status !== 200 || !step2.refreshCookie) throw new Error(`mfa: ${step2.status} ${JSON.stringify(step2.body)}`);
    return { accessToken: step2.body.accessToken, refreshCookie: step2.refreshCookie };
  }
}
