import { describe, expect, it } from 'vitest';
import { byRisk, matchesRisk, matchesSearch, type RankedPatient } from './caseload.js';

const patient = (name: string, score: number, alerts: Array<'high' | 'medium' | 'low'> = [], risk: RankedPatient['news2']['risk'] = 'low'): RankedPatient => ({
  id: name,
  name,
  teamId: 't',
  news2: { score, risk },
  alerts: alerts.map((priority) => ({ priority })),
});

describe('byRisk: open high alerts, then NEWS2, then medium alerts, then name', () => {
  it.each([
    ['a high alert outranks any NEWS2', patient('A', 0, ['high']), patient('B', 12)],
    ['two high alerts outrank one', patient('B', 0, ['high', 'high']), patient('A', 9, ['high'])],
    ['a higher NEWS2 outranks medium alerts', patient('B', 5), patient('A', 4, ['medium', 'medium'])],
    ['at equal NEWS2, a medium alert comes first', patient('B', 3, ['medium']), patient('A', 3)],
    ['low alerts do not rank', patient('A', 2), patient('B', 2, ['low', 'low'])],
    ['otherwise by name', patient('Anna', 1), patient('Bo', 1)],
  ])('%s', (_, first, second) => {
    expect([second, first].sort(byRisk).map((p) => p.name)).toEqual([first.name, second.name]);
  });
});

describe('filters', () => {
  it.each([
    ['all', patient('A', 0), true],
    ['high', patient('A', 0, ['high']), true],
    ['high', patient('A', 7, [], 'high'), true],
    ['high', patient('A', 5, ['medium'], 'medium'), false],
    ['medium', patient('A', 5, [], 'medium'), true],
    ['medium', patient('A', 1, ['medium']), true],
    ['medium', patient('A', 3, ['low'], 'low-medium'), false],
  ] as const)('risk %s, %o → %s', (filter, p, expected) => {
    expect(matchesRisk(p, filter)).toBe(expected);
  });

  it('searches names case-insensitively, ignoring surrounding spaces', () => {
    expect(matchesSearch({ name: 'Åse Jensen' }, '  åse ')).toBe(true);
    expect(matchesSearch({ name: 'Åse Jensen' }, 'hansen')).toBe(false);
    expect(matchesSearch({ name: 'Åse Jensen' }, '')).toBe(true);
  });
});
