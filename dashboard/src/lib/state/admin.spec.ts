import { describe, expect, it } from 'vitest';
import type { AuditEntry, AuditQuery } from '../domain/admin.js';
import type { Result } from '../services/admin.service.js';
import { AdminDirectory, AuditSearch } from './admin.svelte.js';

const entry = (id: number): AuditEntry => ({
  id,
  at: '2026-12-02T04:00:00.000Z',
  actorId: null,
  actorLabel: 'cli',
  action: 'patient.view',
  patientId: 'p',
  targetType: null,
  targetId: null,
  ip: null,
  details: {},
});

/** A fake audit route over ids 1..total, newest (highest) first, honouring limit and beforeId. */
function auditRoute(total: number) {
  const queries: AuditQuery[] = [];
  const fetchPage = (query: AuditQuery): Promise<Result<{ entries: AuditEntry[] }>> => {
    queries.push(query);
    const ids = Array.from({ length: total }, (_, i) => total - i).filter((id) => query.beforeId === undefined || id < query.beforeId);
    return Promise.resolve({ data: { entries: ids.slice(0, query.limit).map(entry) } });
  };
  return { queries, fetchPage };
}

const NO_FILTERS = { userId: '', patientId: '', from: '', to: '' };

describe('AuditSearch', () => {
  it('pages through the log newest first, and says when there is no more', async () => {
    const route = auditRoute(5);
    const search = new AuditSearch(route.fetchPage, 2);
    await search.search({ ...NO_FILTERS, patientId: 'p' });
    expect(search.entries.map((e) => e.id)).toEqual([5, 4]);
    expect(search.hasMore).toBe(true);
    await search.more();
    await search.more();
    expect(search.entries.map((e) => e.id)).toEqual([5, 4, 3, 2, 1]);
    expect(search.hasMore).toBe(false);
    expect(route.queries.map((q) => [q.patientId, q.beforeId])).toEqual([
      ['p', undefined],
      ['p', 4],
      ['p', 2],
    ]);
  });

  it('starts again from the newest on a new search', async () => {
    const route = auditRoute(5);
    const search = new AuditSearch(route.fetchPage, 2);
    await search.search(NO_FILTERS);
    await search.more();
    await search.search({ ...NO_FILTERS, userId: 'u' });
    expect(search.entries.map((e) => e.id)).toEqual([5, 4]);
    expect(route.queries.at(-1)).toEqual({ limit: 2, userId: 'u' });
  });

  it('keeps only the answer of the latest search when an older one arrives after it', async () => {
    const answers: Array<(r: Result<{ entries: AuditEntry[] }>) => void> = [];
    const search = new AuditSearch(() => new Promise((resolve) => answers.push(resolve)), 2);
    const first = search.search(NO_FILTERS);
    const second = search.search({ ...NO_FILTERS, userId: 'u' });
    answers[1]({ data: { entries: [entry(2)] } });
    answers[0]({ data: { entries: [entry(9), entry(8)] } });
    await Promise.all([first, second]);
    expect(search.entries.map((e) => e.id)).toEqual([2]);
  });

  it('shows an error and keeps what it had', async () => {
    const route = auditRoute(3);
    let fail = false;
    const search = new AuditSearch((q) => (fail ? Promise.resolve({ error: { status: 400, message: 'to: expected a time' } }) : route.fetchPage(q)), 2);
    await search.search(NO_FILTERS);
    fail = true;
    await search.more();
    expect(search.error).toBe('to: expected a time');
    expect(search.entries.map((e) => e.id)).toEqual([3, 2]);
  });
});

describe('AdminDirectory', () => {
  it('names users, teams and patients, and keeps the last good list when a reload fails', async () => {
    let fail = false;
    const directory = new AdminDirectory({
      users: () =>
        Promise.resolve({
          data: [{ id: 'u', name: 'Ane', email: 'a@x.org', role: 'admin', createdAt: '', disabled: false, enrolled: true, lockedUntil: null, teamIds: [] }],
        }),
      teams: () => Promise.resolve(fail ? { error: { status: 503, message: 'database down' } } : { data: [{ id: 't', name: 'Nord', createdAt: '' }] }),
      patients: () => Promise.resolve({ data: [{ id: 'p', name: 'Bo', teamId: 't', spo2Scale: 1, createdAt: '' }] }),
    });
    await directory.refresh();
    expect([directory.userName('u'), directory.teamName('t'), directory.patientName('p'), directory.error]).toEqual(['Ane', 'Nord', 'Bo', undefined]);
    fail = true;
    await directory.refresh();
    expect([directory.teamName('t'), directory.error]).toEqual(['Nord', 'database down']);
    expect(directory.teamName('gone')).toBe('gone');
  });
});
