import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SignJWT } from 'jose';
import { Server } from 'socket.io';
import { io as connect } from 'socket.io-client';
import { socketAuthMiddleware } from '../../server/src/middleware/socket-auth.js';
import { SessionService } from '../../server/src/services/session.service.js';
import { ApiClient, createUser, startSecurityPlatform } from '../support/auth.js';
import { createTeam, sql, type TestPlatform } from '../support/platform.js';

const SECRET = randomBytes(32).toString('base64url');

describe('sessions: refresh rotation, reuse detection, revocation, and the socket.io handshake', () => {
  let platform: TestPlatform;
  let teamId: string;

  beforeAll(async () => {
    platform = await startSecurityPlatform({ VIGIL_SECRET: SECRET });
    teamId = await createTeam(platform);
  });
  afterAll(() => platform?.close());

  const refresh = (api: ApiClient, cookie: string) => api.request<{ accessToken: string; expiresIn: number }>('POST', '/api/auth/refresh', { cookie });

  it('rotates the refresh token; reusing a rotated one ends the whole session', async () => {
    const user = await createUser(platform, 'clinician', teamId);
    const api = new ApiClient(platform.baseUrl);
    const first = await api.signIn(user);

    const second = await refresh(api, first.refreshCookie);
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ accessToken: expect.any(String), expiresIn: 900 });
    expect(second.refreshCookie).toBeDefined();
    expect(second.refreshCookie).not.toBe(first.refreshCookie);
    const third = await refresh(api, second.refreshCookie!);
    expect(third.status).toBe(200);
    expect((await api.get('/api/auth/me', third.body.accessToken)).status).toBe(200);

    // The first cookie again: copied by someone. The family (every token of the session) is revoked.
    expect((await refresh(api, first.refreshCookie)).status).toBe(401);
    expect((await refresh(api, third.refreshCookie!)).status).toBe(401);
    expect((await api.get('/api/auth/me', third.body.accessToken)).status).toBe(401);
    expect((await api.get('/api/auth/me', first.accessToken)).status).toBe(401);
    const [audit] = await sql<{ action: string; ip: string }>(
      platform,
      `SELECT action, ip FROM audit_log WHERE actor_id = $1 AND action = 'auth.refresh_reuse'`,
      [user.id],
    );
    expect(audit).toEqual({ action: 'auth.refresh_reuse', ip: api.ip });
    // Another session of the same user is not affected.
    const other = await api.signIn(user);
    expect((await refresh(api, other.refreshCookie)).status).toBe(200);
  });

  it('stores refresh tokens as digests only', async () => {
    const user = await createUser(platform, 'clinician', teamId);
    const { refreshCookie } = await new ApiClient(platform.baseUrl).signIn(user);
    const token = refreshCookie.split('=')[1];
    const rows = await sql(platform, 'SELECT t.* FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id WHERE s.user_id = $1', [user.id]);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('logout ends the session: its access token and refresh cookie stop working at once', async () => {
    const user = await createUser(platform, 'care_staff', teamId);
    const api = new ApiClient(platform.baseUrl);
    const session = await api.signIn(user);
    const out = await api.post('/api/auth/logout', undefined, session.accessToken);
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/vigil_refresh=;.*Expires=Thu, 01 Jan 1970/);
    expect((await api.get('/api/auth/me', session.accessToken)).status).toBe(401);
    expect((await refresh(api, session.refreshCookie)).status).toBe(401);
  });

  it('logout with the refresh cookie ends the session also when the access token has expired (an idle tab)', async () => {
    const user = await createUser(platform, 'care_staff', teamId);
    const api = new ApiClient(platform.baseUrl);
    const session = await api.signIn(user);
    const { sid } = JSON.parse(Buffer.from(session.accessToken.split('.')[1], 'base64url').toString()) as { sid: string };
    const expired = await new SignJWT({ sid })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setIssuer('vigil')
      .setAudience('vigil-api')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 1000)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 10)
      .sign(new TextEncoder().encode(SECRET));
    expect((await api.get('/api/auth/me', expired)).status).toBe(401);

    const out = await api.request('POST', '/api/auth/logout', { token: expired, cookie: session.refreshCookie });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/vigil_refresh=;.*Expires=Thu, 01 Jan 1970/);
    expect((await refresh(api, session.refreshCookie)).status).toBe(401);
    expect((await api.get('/api/auth/me', session.accessToken)).status).toBe(401);
    const [audit] = await sql<{ action: string; ip: string; target_id: string }>(
      platform,
      `SELECT action, ip, target_id FROM audit_log WHERE actor_id = $1 AND action = 'auth.logout'`,
      [user.id],
    );
    expect(audit).toEqual({ action: 'auth.logout', ip: api.ip, target_id: sid });

    // The cookie alone does too; without either (or once ended) the answer is still 204 and a cleared cookie.
    const other = await api.signIn(user);
    expect((await api.request('POST', '/api/auth/logout', { cookie: other.refreshCookie })).status).toBe(204);
    expect((await refresh(api, other.refreshCookie)).status).toBe(401);
    const again = await api.request('POST', '/api/auth/logout', { cookie: other.refreshCookie });
    expect(again.status).toBe(204);
    expect(again.headers.get('set-cookie')).toMatch(/vigil_refresh=;/);
    expect((await api.post('/api/auth/logout')).status).toBe(204);
    expect(await sql(platform, `SELECT 1 FROM audit_log WHERE actor_id = $1 AND action = 'auth.logout'`, [user.id])).toHaveLength(2);
  });

  it('a password change ends every session of the user and needs the current password', async () => {
    const user = await createUser(platform, 'clinician', teamId);
    const api = new ApiClient(platform.baseUrl);
    const a = await api.signIn(user);
    const b = await api.signIn(user);
    const newPassword = 'a-brand-new-Passphrase-7';

    const wrongCurrent = await api.post('/api/auth/password', { currentPassword: 'not-my-password', newPassword }, a.accessToken);
    expect(wrongCurrent.status).toBe(400);
    expect(wrongCurrent.body.errors).toEqual([{ field: 'currentPassword', message: 'wrong password' }]);
    const weak = await api.post('/api/auth/password', { currentPassword: user.password, newPassword: 'short' }, a.accessToken);
    expect(weak.status).toBe(400);
    expect(weak.body.errors).toEqual([{ field: 'newPassword', message: expect.stringContaining('at least 12 characters') }]);

    expect((await api.post('/api/auth/password', { currentPassword: user.password, newPassword }, a.accessToken)).status).toBe(204);
    for (const session of [a, b]) {
      expect((await api.get('/api/auth/me', session.accessToken)).status).toBe(401);
      expect((await refresh(api, session.refreshCookie)).status).toBe(401);
    }
    expect((await api.login(user)).status).toBe(401);
    expect((await api.login({ ...user, password: newPassword })).status).toBe(200);
  });

  it('counts wrong current passwords towards the lock (400, then 423), and audits each', async () => {
    const user = await createUser(platform, 'clinician', teamId);
    const api = new ApiClient(platform.baseUrl);
    const { accessToken } = await api.signIn(user);
    const newPassword = 'a-brand-new-Passphrase-8';
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await api.post('/api/auth/password', { currentPassword: `guess-number-${i}`, newPassword }, accessToken)).status);
    }
    expect(statuses).toEqual([400, 400, 400, 400, 423]);
    // Locked: the right current password is refused too, and the session itself goes on.
    const right = await api.post('/api/auth/password', { currentPassword: user.password, newPassword }, accessToken);
    expect(right.status).toBe(423);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await api.get('/api/auth/me', accessToken)).status).toBe(200);
    expect((await api.login(user)).status).toBe(423);
    const actions = (await sql<{ action: string; ip: string }>(platform, 'SELECT action, ip FROM audit_log WHERE actor_id = $1 ORDER BY id', [user.id])).filter(
      (row) => row.action !== 'auth.login',
    );
    expect(actions.map((row) => row.action)).toEqual([
      ...Array(5).fill('auth.password_change_failed'),
      'auth.lockout',
      'auth.login_locked',
      'auth.login_locked',
    ]);
    expect(new Set(actions.map((row) => row.ip))).toEqual(new Set([api.ip]));
  });

  it('refuses forged, tampered and expired access tokens', async () => {
    const user = await createUser(platform, 'clinician', teamId);
    const api = new ApiClient(platform.baseUrl);
    const { accessToken } = await api.signIn(user);
    const [header, payload, signature] = accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sid: string };
    const sign = (key: string, expiry: string | number) =>
      new SignJWT({ sid: claims.sid })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(user.id)
        .setIssuer('vigil')
        .setAudience('vigil-api')
        .setIssuedAt()
        .setExpirationTime(expiry)
        .sign(new TextEncoder().encode(key));

    expect((await api.get('/api/auth/me', await sign(SECRET, '5m'))).status).toBe(200); // the same key signs valid tokens
    expect((await api.get('/api/auth/me', await sign(SECRET, Math.floor(Date.now() / 1000) - 10))).status).toBe(401);
    expect((await api.get('/api/auth/me', await sign(randomBytes(32).toString('base64url'), '5m'))).status).toBe(401);
    const otherUser = Buffer.from(JSON.stringify({ ...claims, sub: '00000000-0000-4000-8000-000000000000' })).toString('base64url');
    expect((await api.get('/api/auth/me', `${header}.${otherUser}.${signature}`)).status).toBe(401);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    expect((await api.get('/api/auth/me', none)).status).toBe(401);
    expect((await api.request('GET', '/api/auth/me', { headers: { authorization: accessToken } })).status).toBe(401); // no "Bearer"
  });

  it('answers 401 without a token on every route that needs one', async () => {
    const api = new ApiClient(platform.baseUrl);
    const { body: doc } = await api.get<{ paths: Record<string, Record<string, { security?: unknown[] }>> }>('/api/docs-json');
    const secured = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, operation]) => JSON.stringify(operation.security ?? []).includes('bearer'))
        .map(([method]) => [method.toUpperCase(), path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000')] as const),
    );
    expect(secured.length).toBeGreaterThanOrEqual(20);
    for (const [method, path] of secured) {
      const response = await api.request(method, path, { body: method === 'GET' ? undefined : {} });
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 401 });
    }
  });

  it('verifies the socket.io handshake with the same check as REST', async () => {
    const user = await createUser(platform, 'clinician', teamId);
    const api = new ApiClient(platform.baseUrl);
    const { accessToken } = await api.signIn(user);
    const server = new Server(0);
    server.use(socketAuthMiddleware(platform.app.get(SessionService)));
    server.on('connection', (socket) => socket.emit('hello', socket.data.actor));
    const url = `http://127.0.0.1:${(server.httpServer.address() as AddressInfo).port}`;
    const attempt = (auth: Record<string, unknown>) =>
      new Promise<{ hello?: { userId: string; role: string }; error?: { message: string; data?: { message: string } } }>((resolve) => {
        const socket = connect(url, { auth, transports: ['websocket'], reconnection: false });
        socket.on('hello', (hello) => (socket.close(), resolve({ hello })));
        socket.on('connect_error', (error) => (socket.close(), resolve({ error: error })));
      });
    try {
      expect((await attempt({ token: accessToken })).hello).toMatchObject({ userId: user.id, role: 'clinician' });
      expect((await attempt({})).error?.message).toBe('unauthorized');
      expect((await attempt({ token: 'nonsense' })).error?.message).toBe('unauthorized');
      await api.post('/api/auth/logout', undefined, accessToken);
      const afterLogout = await attempt({ token: accessToken });
      expect(afterLogout.error?.message).toBe('unauthorized');
      expect(afterLogout.error?.data?.message).toMatch(/session has ended/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
