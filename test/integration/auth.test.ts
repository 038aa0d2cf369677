import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { CLI_ACTOR } from '../../server/src/domain/actor.js';
import { CryptoRepository } from '../../server/src/repositories/crypto.repository.js';
import { UserAdminService } from '../../server/src/services/user-admin.service.js';
import { ApiClient, createUser, freshCode, startSecurityPlatform, type TestUser, wrongCode } from '../support/auth.js';
import { createTeam, sql, type TestPlatform } from '../support/platform.js';

const LOCKOUT_SECONDS = 3;

describe('two-factor sign-in, lockout, recovery codes and enrolment (real PostgreSQL and Redis)', () => {
  let platform: TestPlatform;
  let teamId: string;

  beforeAll(async () => {
    platform = await startSecurityPlatform({ VIGIL_LOCKOUT_SECONDS: String(LOCKOUT_SECONDS) });
    teamId = await createTeam(platform);
  });
  afterAll(() => platform?.close());

  const auditActions = async (userId: string) =>
    (await sql<{ action: string }>(platform, 'SELECT action FROM audit_log WHERE actor_id = $1 ORDER BY id', [userId])).map((r) => r.action);

  it('gives no access token for the password alone: only an mfaToken that opens nothing', async () => {
    const user = await createUser(platform, 'clinician', teamId);
    const api = new ApiClient(platform.baseUrl);
    const step1 = await api.login(user);
    expect(step1.status).toBe(200);
    expect(Object.keys(step1.body).sort()).toEqual(['enrolmentRequired', 'mfaToken']);
    expect(step1.body.enrolmentRequired).toBe(false);
    expect(step1.refreshCookie).toBeUndefined();
    for (const path of ['/api/auth/me', '/api/patients', '/api/overview']) {
      expect((await api.get(path, step1.body.mfaToken)).status).toBe(401);
    }
    const step2 = await api.post('/api/auth/mfa', { mfaToken: step1.body.mfaToken, code: await freshCode(user.totpSecret) });
    expect(step2.status).toBe(200);
    expect(step2.body).toEqual({ accessToken: expect.any(String), expiresIn: 900 });
    expect(step2.headers.get('set-cookie')).toMatch(/vigil_refresh=.+; Path=\/api\/auth; Expires=.+; HttpOnly; SameSite=Strict/);
    expect((await api.get('/api/auth/me', step2.body.accessToken as string)).body).toMatchObject({ id: user.id, role: 'clinician' });
    // The mfaToken completes one sign-in only.
    const again = await api.post('/api/auth/mfa', { mfaToken: step1.body.mfaToken, code: await freshCode(user.totpSecret) });
    expect(again.status).toBe(401);
    expect(await auditActions(user.id)).toContain('auth.login');
  });

  it('answers a wrong password and an unknown e-mail alike, and audits both', async () => {
    const user = await createUser(platform, 'care_staff', teamId);
    const api = new ApiClient(platform.baseUrl);
    const wrong = await api.login({ email: user.email, password: 'not-the-password-at-all' });
    const unknown = await api.login({ email: `nobody-${Date.now()}@test.example`, password: 'whatever-password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(await auditActions(user.id)).toEqual(['auth.login_failed']);
    const [row] = await sql<{ ip: string; actor_label: string }>(platform, `SELECT ip, actor_label FROM audit_log WHERE actor_id = $1`, [user.id]);
    expect(row).toEqual({ ip: api.ip, actor_label: user.email });
  });

  it('locks the account after five wrong codes; the right code then fails until the lock ends', async () => {
    const user = await createUser(platform, 'clinician', teamId);
    const api = new ApiClient(platform.baseUrl);
    const { body } = await api.login(user);
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await api.post('/api/auth/mfa', { mfaToken: body.mfaToken, code: await wrongCode(user.totpSecret) })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 423]);

    const rightCode = await api.post('/api/auth/mfa', { mfaToken: body.mfaToken, code: await freshCode(user.totpSecret) });
    expect(rightCode.status).toBe(423);
    expect(rightCode.body.message).toMatch(/locked/);
    expect(Number(rightCode.headers.get('retry-after'))).toBeGreaterThan(0);
    // Locked: the right and a wrong password get the same answer, so it reveals nothing.
    const rightPassword = await api.login(user);
    const wrongPassword = await api.login({ email: user.email, password: 'a-wrong-password-here' });
    expect(rightPassword.status).toBe(423);
    expect(wrongPassword.body).toEqual(rightPassword.body);

    await new Promise((r) => setTimeout(r, LOCKOUT_SECONDS * 1000 + 200));
    await expect(api.signIn(user)).resolves.toMatchObject({ accessToken: expect.any(String) });
    const actions = await auditActions(user.id);
    expect(actions.filter((a) => a === 'auth.mfa_failed')).toHaveLength(5);
    expect(actions.filter((a) => a === 'auth.lockout')).toHaveLength(1);
    expect(actions.filter((a) => a === 'auth.login_locked').length).toBeGreaterThanOrEqual(3);
    expect(actions.at(-1)).toBe('auth.login');
  });

  it('counts wrong passwords towards the same lock', async () => {
    const user = await createUser(platform, 'clinician', teamId);
    const api = new ApiClient(platform.baseUrl);
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await api.login({ email: user.email, password: `wrong-password-${i}` })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 423]);
    expect((await api.login(user)).status).toBe(423);
  });

  it('locks an e-mail without an account like a real one: the same 401s, then the same 423', async () => {
    const user = await createUser(platform, 'clinician', teamId);
    const unknownEmail = `Nobody-${Date.now()}@test.example`;
    // Two addresses, so that neither meets the route's rate limit.
    const api = new ApiClient(platform.baseUrl);
    const other = new ApiClient(platform.baseUrl);
    const real = [];
    const unknown = [];
    for (let i = 0; i < 6; i++) {
      real.push(await other.login({ email: user.email, password: `wrong-password-${i}` }));
      unknown.push(await api.login({ email: i % 2 ? unknownEmail : unknownEmail.toLowerCase(), password: `wrong-password-${i}` }));
    }
    expect(real.map((r) => r.status)).toEqual([401, 401, 401, 401, 423, 423]);
    expect(unknown.map((r) => r.status)).toEqual([401, 401, 401, 401, 423, 423]);
    expect(unknown.map((r) => r.body)).toEqual(real.map((r) => r.body));
    unknown.forEach((response, i) => {
      expect(response.headers.get('retry-after') === null).toBe(real[i].headers.get('retry-after') === null);
      expect(Math.abs(Number(response.headers.get('retry-after')) - Number(real[i].headers.get('retry-after')))).toBeLessThanOrEqual(1);
    });
    const audited = await sql<{ action: string; target_id: string | null }>(
      platform,
      `SELECT action, target_id FROM audit_log WHERE lower(actor_label) = lower($1) ORDER BY id`,
      [unknownEmail],
    );
    expect(audited.map((row) => row.action)).toEqual([...Array(5).fill('auth.login_failed'), 'auth.lockout', 'auth.login_locked']);
    expect(audited.every((row) => row.target_id === null)).toBe(true);

    // Locked or not, known or not, a password check's cost is spent before the verdict, so the time taken tells nothing either.
    const passwordChecks = jest.spyOn(platform.app.get(CryptoRepository), 'verifyPassword');
    try {
      expect((await other.login(user)).status).toBe(423);
      expect(passwordChecks).toHaveBeenCalledTimes(1);
      expect((await api.login({ email: unknownEmail, password: 'wrong-password-6' })).status).toBe(423);
      expect(passwordChecks).toHaveBeenCalledTimes(2);
    } finally {
      passwordChecks.mockRestore();
    }

    // When the lock ends, the count starts again, as for an account.
    await new Promise((r) => setTimeout(r, LOCKOUT_SECONDS * 1000 + 200));
    expect((await api.login({ email: unknownEmail, password: 'wrong-password-again' })).status).toBe(401);
    expect((await other.login(user)).status).toBe(200);
  });

  it('accepts a TOTP code once: a replayed code is refused', async () => {
    const user = await createUser(platform, 'clinician', teamId);
    const api = new ApiClient(platform.baseUrl);
    const code = await freshCode(user.totpSecret);
    const first = await api.login(user);
    expect((await api.post('/api/auth/mfa', { mfaToken: first.body.mfaToken, code })).status).toBe(200);
    const second = await api.login(user);
    expect((await api.post('/api/auth/mfa', { mfaToken: second.body.mfaToken, code })).status).toBe(401);
  });

  it('lets each recovery code sign in once, typed in any case and grouping', async () => {
    const user = await createUser(platform, 'clinician', teamId);
    const api = new ApiClient(platform.baseUrl);
    const { accessToken } = await api.signIn(user);
    const issued = await api.post<{ recoveryCodes: string[] }>('/api/auth/recovery-codes', { code: await freshCode(user.totpSecret) }, accessToken);
    expect(issued.status).toBe(200);
    const codes = issued.body.recoveryCodes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z1-9]{4}(-[a-z1-9]{4}){3}$/);

    const useCode = async (code: string) => {
      const { body } = await api.login(user);
      return (await api.post('/api/auth/mfa', { mfaToken: body.mfaToken, code })).status;
    };
    expect(await useCode(codes[0])).toBe(200);
    expect(await useCode(codes[0])).toBe(401);
    expect(await useCode(codes[1].toUpperCase().replaceAll('-', ' '))).toBe(200);
    // Stored as digests only.
    const stored = await sql<{ code_hash: string; used: boolean }>(
      platform,
      'SELECT code_hash, used_at IS NOT NULL AS used FROM recovery_codes WHERE user_id = $1',
      [user.id],
    );
    expect(stored).toHaveLength(10);
    expect(stored.filter((r) => r.used)).toHaveLength(2);
    for (const code of codes) expect(JSON.stringify(stored)).not.toContain(code);
    expect(await auditActions(user.id)).toContain('auth.recovery_code_used');
  });

  it('enrols a user without TOTP: otpauth URI and QR code, then a first valid code signs in with ten recovery codes', async () => {
    const email = `enrol-${Date.now()}@test.example`;
    const password = 'enrolment-Password-42';
    const { user } = await platform.app
      .get(UserAdminService)
      .createUser(CLI_ACTOR, { email, name: 'New Nurse', role: 'care_staff', team: teamId, password, enrolNow: false });
    const api = new ApiClient(platform.baseUrl);
    const { body } = await api.login({ email, password });
    expect(body.enrolmentRequired).toBe(true);
    expect((await api.post('/api/auth/mfa', { mfaToken: body.mfaToken, code: '123456' })).status).toBe(409);

    const offer = await api.post<{ otpauthUri: string; qrCode: string; secret: string }>('/api/auth/enrolment', { mfaToken: body.mfaToken });
    expect(offer.status).toBe(200);
    expect(offer.body.otpauthUri).toMatch(/^otpauth:\/\/totp\/Vigil:.+\?.*secret=/);
    expect(offer.body.otpauthUri).toContain(`secret=${offer.body.secret}`);
    expect(offer.body.qrCode).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]{200,}/);

    const wrong = await api.post('/api/auth/enrolment/confirm', { mfaToken: body.mfaToken, code: await wrongCode(offer.body.secret) });
    expect(wrong.status).toBe(401);
    const confirmed = await api.post<{ accessToken: string; recoveryCodes: string[] }>('/api/auth/enrolment/confirm', {
      mfaToken: body.mfaToken,
      code: await freshCode(offer.body.secret),
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.recoveryCodes).toHaveLength(10);
    expect(confirmed.refreshCookie).toBeDefined();
    expect((await api.get('/api/auth/me', confirmed.body.accessToken)).body).toMatchObject({ id: user.id });

    const enrolled: TestUser = { id: user.id, email, password, totpSecret: offer.body.secret };
    expect((await api.login(enrolled)).body.enrolmentRequired).toBe(false);
    await expect(api.signIn(enrolled)).resolves.toBeDefined();
    expect(await auditActions(user.id)).toEqual(expect.arrayContaining(['auth.enrol', 'auth.recovery_codes', 'auth.login', 'auth.mfa_failed']));
  });

  it('refuses an address after many failed attempts on any accounts, and only that address', async () => {
    const attacker = new ApiClient(platform.baseUrl);
    const other = new ApiClient(platform.baseUrl);
    // 10 unknown e-mails on the login route, then 5 wrong codes on each of two accounts on the mfa route: 20 failures.
    for (let i = 0; i < 10; i++) expect((await attacker.login({ email: `x${i}-${Date.now()}@test.example`, password: 'guess-guess-guess' })).status).toBe(401);
    for (let u = 0; u < 2; u++) {
      const victim = await createUser(platform, 'clinician', teamId);
      const { body } = await other.login(victim);
      for (let i = 0; i < 5; i++) await attacker.post('/api/auth/mfa', { mfaToken: body.mfaToken, code: await wrongCode(victim.totpSecret) });
    }
    const user = await createUser(platform, 'clinician', teamId);
    const { body } = await other.login(user);
    const refused = await attacker.post('/api/auth/enrolment', { mfaToken: body.mfaToken });
    expect(refused.status).toBe(429);
    expect(refused.body.message).toMatch(/failed sign-in attempts from this address/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(60);
    await expect(other.signIn(user)).resolves.toBeDefined();
  });

  it('rate-limits each auth route per address', async () => {
    const api = new ApiClient(platform.baseUrl);
    const statuses = [];
    for (let i = 0; i < 11; i++) statuses.push((await api.post('/api/auth/refresh')).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses[10]).toBe(429);
    // Another address is not affected.
    expect((await new ApiClient(platform.baseUrl).post('/api/auth/refresh')).status).toBe(401);
  });

  it('never limits a refresh with a valid cookie, so staff behind one address can reload freely', async () => {
    const ward = new ApiClient(platform.baseUrl);
    let { refreshCookie: cookie } = await ward.signIn(await createUser(platform, 'clinician', teamId));
    const statuses = [];
    for (let i = 0; i < 15; i++) {
      const refreshed = await ward.request('POST', '/api/auth/refresh', { cookie });
      statuses.push(refreshed.status);
      cookie = refreshed.refreshCookie ?? cookie;
    }
    expect(statuses).toEqual(Array(15).fill(200));
    // Misses from the same address are still counted: ten are answered, the eleventh is refused.
    const misses = [];
    for (let i = 0; i < 11; i++) misses.push((await ward.post('/api/auth/refresh')).status);
    expect(misses).toEqual([...Array(10).fill(401), 429]);
  });
});
