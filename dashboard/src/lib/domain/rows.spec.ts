import { describe, expect, it } from 'vitest';
import { mergeRow, sameData, toRow, type WireRow } from './rows.js';

const T = '2026-12-01T10:00:00.000Z';
const wire = (extra: Partial<WireRow> = {}): WireRow => ({
  id: 'p1',
  name: 'Karen Blixen',
  teamId: 't1',
  latest: { hr: { value: 70, t: T }, spo2: { value: 96, t: T } },
  news2: { score: 1, risk: 'low', components: { hr: 0, spo2: 1 }, missing: ['rr'] },
  alerts: [{ id: 'x', kind: 'fall', priority: 'high', state: 'open', openedAt: T }],
  devices: [{ id: 'd1', kind: 'wearable', online: true, battery: 80, lastSeen: T }],
  passive: [],
  inhibited: [],
  ...extra,
});

describe('sameData', () => {
  it.each([
    [1, 1, true],
    [1, 2, false],
    [new Date(T), new Date(T), true],
    [new Date(T), T, false],
    [[1, 2], [1, 2], true],
    [[1, 2], [2, 1], false],
    [{ a: 1, b: [new Date(T)] }, { b: [new Date(T)], a: 1 }, true],
    [{ a: 1 }, { a: 1, b: undefined }, false],
    [{ a: undefined }, { b: undefined }, false],
    [[], {}, false],
    [null, {}, false],
  ])('%o and %o → %s', (a, b, expected) => {
    expect(sameData(a, b)).toBe(expected);
  });
});

describe('mergeRow', () => {
  it('is the previous row itself when nothing changed', () => {
    const previous = toRow(wire());
    expect(mergeRow(previous, toRow(wire()))).toBe(previous);
  });

  it('takes a new row as it is when there was none', () => {
    const next = toRow(wire());
    expect(mergeRow(undefined, next)).toBe(next);
  });

  it('replaces only the parts that changed, down to one vital', () => {
    const previous = toRow(wire());
    const merged = mergeRow(previous, toRow(wire({ latest: { hr: { value: 71, t: '2026-12-01T10:00:01.000Z' }, spo2: { value: 96, t: T } } })));
    expect(merged).not.toBe(previous);
    expect(merged.latest.hr).toEqual({ value: 71, t: new Date('2026-12-01T10:00:01.000Z') });
    expect(merged.latest.spo2).toBe(previous.latest.spo2);
    for (const part of ['news2', 'alerts', 'devices', 'passive', 'inhibited'] as const) expect(merged[part]).toBe(previous[part]);
  });

  it('replaces a changed alert list, NEWS2 or device list, and drops a vital no longer sent', () => {
    const previous = toRow(wire());
    const merged = mergeRow(
      previous,
      toRow(
        wire({
          latest: { hr: { value: 70, t: T } },
          news2: { score: 3, risk: 'low-medium', components: { hr: 0, spo2: 3 }, missing: ['rr'] },
          alerts: [{ id: 'x', kind: 'fall', priority: 'high', state: 'acknowledged', openedAt: T }],
          devices: [{ id: 'd1', kind: 'wearable', online: false, battery: 80, lastSeen: T }],
        }),
      ),
    );
    expect(merged.latest).toEqual({ hr: previous.latest.hr });
    expect(merged.latest.hr).toBe(previous.latest.hr);
    expect(merged.news2.score).toBe(3);
    expect(merged.alerts[0].state).toBe('acknowledged');
    expect(merged.devices[0].online).toBe(false);
    expect(merged.passive).toBe(previous.passive);
  });

  it('replaces a renamed or moved patient', () => {
    const previous = toRow(wire());
    expect(mergeRow(previous, toRow(wire({ name: 'Karen Dinesen' }))).name).toBe('Karen Dinesen');
    expect(mergeRow(previous, toRow(wire({ teamId: 't2' }))).teamId).toBe('t2');
  });
});
