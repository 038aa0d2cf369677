import { describe, expect, it } from 'vitest';
import type { AlertWire } from '$wire/live.dto';
import { byRisk, type RankedPatient } from '../domain/caseload.js';
import type { WireRow } from '../domain/rows.js';
import { CaseloadState } from './caseload.svelte.js';

const T = '2026-12-01T10:00:00.000Z';
const row = (id: string, score: number, extra: Partial<WireRow> = {}): WireRow => ({
  id,
  name: `Patient ${id}`,
  teamId: 'team-1',
  latest: { hr: { value: 70 + score, t: T } },
  news2: { score, risk: score >= 7 ? 'high' : 'low', components: {}, missing: [] },
  alerts: [],
  devices: [],
  ...extra,
});
const alert = (patientId: string, state: AlertWire['state'], priority: AlertWire['priority'] = 'high'): AlertWire => ({
  id: `alert-${patientId}`,
  patientId,
  kind: 'fall',
  priority,
  state,
  openedAt: T,
  lastSeenAt: T,
  count: 1,
  escalationLevel: 0,
});

describe('CaseloadState', () => {
  it('orders by risk on load and when a live row changes', () => {
    const state = new CaseloadState();
    state.load([row('a', 1), row('b', 3)]);
    expect(state.order).toEqual(['b', 'a']);
    state.apply({ rows: [row('a', 8)] });
    expect(state.order).toEqual(['a', 'b']);
    expect(state.rows.get('a')?.latest.hr.value).toBe(78);
  });

  it('holds the order while frozen (pointer over the list) and applies it on release; values change at once', () => {
    const state = new CaseloadState();
    state.load([row('a', 1), row('b', 3)]);
    state.frozen = true;
    state.apply({ rows: [row('a', 9)] });
    expect(state.order).toEqual(['b', 'a']);
    expect(state.rows.get('a')?.news2.score).toBe(9);
    state.frozen = false;
    expect(state.order).toEqual(['a', 'b']);
  });

  it('keeps a fall alert and a tick that arrive while the caseload is being fetched', () => {
    const state = new CaseloadState();
    state.beginLoad();
    state.apply({ alerts: [alert('a', 'open')] }); // live, before the fetched rows exist
    state.apply({ rows: [row('b', 9)] });
    state.load([row('a', 0), row('b', 2)]); // the fetch started before both changes
    expect(state.rows.get('a')?.alerts.map((x) => x.state)).toEqual(['open']);
    expect(state.rows.get('b')?.news2.score).toBe(9);
    expect(state.order).toEqual(['a', 'b']);
  });

  it('adds an opened alert, keeps an acknowledged one, and drops it when resolved', () => {
    const state = new CaseloadState();
    state.load([row('a', 0), row('b', 2)]);
    state.apply({ alerts: [alert('a', 'open')] });
    expect(state.order[0]).toBe('a');
    expect(state.rows.get('a')?.alerts.map((x) => x.state)).toEqual(['open']);
    state.apply({ alerts: [alert('a', 'acknowledged')] });
    expect(state.rows.get('a')?.alerts.map((x) => x.state)).toEqual(['acknowledged']);
    state.apply({ alerts: [alert('a', 'resolved')] });
    expect(state.rows.get('a')?.alerts).toEqual([]);
  });

  it('reads REST rows whose alerts carry `status`', () => {
    const state = new CaseloadState();
    state.load([row('a', 0, { alerts: [{ id: 'x', kind: 'fall', priority: 'high', status: 'open', openedAt: T }] })]);
    expect(state.rows.get('a')?.alerts[0]).toMatchObject({ id: 'x', state: 'open' });
  });

  it('keeps a sparkline of new values only', () => {
    const state = new CaseloadState();
    state.load([row('a', 0)]);
    state.apply({ rows: [row('a', 0)] });
    state.apply({ rows: [row('a', 2, { latest: { hr: { value: 90, t: '2026-12-01T10:00:01.000Z' } } })] });
    expect(state.sparks.get('a')).toMatchObject({ metric: 'hr', values: [70, 90] });
  });

  it('filters by search, team and risk', () => {
    const state = new CaseloadState();
    state.load([row('a', 0), row('b', 8, { teamId: 'team-2' })]);
    state.query = 'patient b';
    expect(state.visible).toEqual(['b']);
    state.query = '';
    state.team = 'team-1';
    expect(state.visible).toEqual(['a']);
    state.team = 'all';
    state.risk = 'high';
    expect(state.visible).toEqual(['b']);
  });

  it('stores nothing for a row that did not change, and keeps the unchanged parts of one that did', () => {
    const state = new CaseloadState();
    state.load([row('a', 1)]);
    const before = state.rows.get('a');
    state.apply({ rows: [row('a', 1)] });
    expect(state.rows.get('a')).toBe(before);
    state.apply({ rows: [row('a', 1, { latest: { hr: { value: 99, t: '2026-12-01T10:00:01.000Z' } } })] });
    const after = state.rows.get('a');
    expect(after).not.toBe(before);
    expect(after?.latest.hr.value).toBe(99);
    expect(after?.news2).toBe(before?.news2);
    expect(after?.devices).toBe(before?.devices);
  });

  it('sorts again only when a row came or its place may have changed (byRisk keys), not for new values', () => {
    let comparisons = 0;
    const state = new CaseloadState((a: RankedPatient, b: RankedPatient) => {
      comparisons++;
      return byRisk(a, b);
    });
    state.load([row('a', 1), row('b', 3)]);
    comparisons = 0;
    state.apply({ rows: [row('a', 1, { latest: { hr: { value: 99, t: '2026-12-01T10:00:01.000Z' } } }), row('b', 3)] });
    expect(comparisons).toBe(0);
    state.apply({ rows: [row('a', 4)] });
    expect(comparisons).toBeGreaterThan(0);
    expect(state.order).toEqual(['a', 'b']);
    comparisons = 0;
    state.apply({ alerts: [alert('b', 'open', 'medium')] });
    expect(comparisons).toBeGreaterThan(0);
    comparisons = 0;
    state.apply({ rows: [row('c', 0)] });
    expect(comparisons).toBeGreaterThan(0);
    expect(state.order).toEqual(['a', 'b', 'c']);
  });

  it('keeps the same visible list while the filtered patients stay the same, so the list is not walked again', () => {
    const state = new CaseloadState();
    state.load([row('a', 0), row('b', 8)]);
    expect(state.visible).toBe(state.order);
    state.risk = 'high';
    const high = state.visible;
    expect(high).toEqual(['b']);
    state.apply({ rows: [row('b', 9), row('a', 1)] });
    expect(state.visible).toBe(high);
    state.apply({ rows: [row('a', 7)] });
    expect(state.visible).toEqual(['b', 'a']);
  });
});
