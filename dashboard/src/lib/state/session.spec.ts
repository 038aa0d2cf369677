import { describe, expect, it } from 'vitest';
import { SessionState } from './session.svelte.js';

function memoryStorage() {
  const map = new Map<string, string>();
  return {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
    map,
  };
}

const ME = { id: 'u', email: 'n@example.org', name: 'Nurse', role: 'clinician', teams: [] };

/** A fake of the three auth routes the session calls. */
function server(options: { refreshOk: boolean }) {
  const calls: string[] = [];
  const fetcher = (async (url: string) => {
    calls.push(url);
    if (url === '/api/auth/refresh')
      return options.refreshOk ? Response.json({ accessToken: `token-${calls.length}`, expiresIn: 900 }) : new Response(null, { status: 401 });
    if (url === '/api/auth/me') return Response.json(ME);
    return new Response(null, { status: 204 });
  }) as typeof fetch;
  return { calls, fetcher };
}

describe('SessionState', () => {
  it('does not try a refresh on a first visit (no marker)', async () => {
    const { calls, fetcher } = server({ refreshOk: true });
    const session = new SessionState(fetcher, memoryStorage());
    await session.restore();
    expect(calls).toEqual([]);
    expect(session.ready).toBe(true);
    expect(session.signedIn).toBe(false);
  });

  it('restores a session after a reload through the refresh cookie', async () => {
    const storage = memoryStorage();
    storage.setItem('vigil.session', '1');
    const { fetcher } = server({ refreshOk: true });
    const session = new SessionState(fetcher, storage);
    await session.restore();
    expect(session.signedIn).toBe(true);
    expect(session.me?.name).toBe('Nurse');
  });

  it('says the session has ended when the cookie no longer holds one', async () => {
    const storage = memoryStorage();
    storage.setItem('vigil.session', '1');
    const session = new SessionState(server({ refreshOk: false }).fetcher, storage);
    await session.restore();
    expect(session.signedIn).toBe(false);
    expect(session.signedOutReason).toBe('expired');
    expect(storage.map.has('vigil.session')).toBe(false);
  });

  it('shares one refresh between concurrent callers', async () => {
    const { calls, fetcher } = server({ refreshOk: true });
    const session = new SessionState(fetcher, memoryStorage());
    const results = await Promise.all([session.refresh(), session.refresh(), session.refresh()]);
    expect(results).toEqual([true, true, true]);
    expect(calls.filter((c) => c === '/api/auth/refresh')).toHaveLength(1);
  });

  it('signs out: token and marker gone, the server told, the reason kept for the sign-in screen', async () => {
    const storage = memoryStorage();
    const { calls, fetcher } = server({ refreshOk: true });
    const session = new SessionState(fetcher, storage);
    await session.begin('token', 900);
    const changes: boolean[] = [];
    session.onChange((signedIn) => changes.push(signedIn));
    await session.signOut();
    expect(session.accessToken).toBeUndefined();
    expect(session.signedOutReason).toBe('signedOut');
    expect(storage.map.has('vigil.session')).toBe(false);
    expect(calls).toContain('/api/auth/logout');
    expect(changes).toEqual([false]);
  });
});
