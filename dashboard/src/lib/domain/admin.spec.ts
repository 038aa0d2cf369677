import { describe, expect, it } from 'vitest';
import { auditQuery, escalationRows, escalationText, isLocked, minutesToTime, nextBeforeId, rosterEntries, rosterRows, timeToMinutes } from './admin.js';

describe('isLocked', () => {
  const now = new Date('2026-12-02T04:00:00Z');
  it.each<[string | null, boolean]>([
    [null, false],
    ['2026-12-02T04:10:00Z', true],
    ['2026-12-02T04:00:00Z', false],
    ['2026-12-02T03:59:00Z', false],
  ])('lockedUntil %s → %s', (lockedUntil, locked) => {
    expect(isLocked({ lockedUntil }, now)).toBe(locked);
  });
});

describe('the escalation chain', () => {
  it('reads levels as rows in minutes and writes them back in the CLI form, in seconds', () => {
    const rows = escalationRows([
      { afterSeconds: 0, role: 'care_staff' },
      { afterSeconds: 120, role: 'clinician' },
      { afterSeconds: 300, userEmail: 'doctor@example.org' },
    ]);
    expect(rows).toEqual([
      { who: 'care_staff', afterMinutes: 0 },
      { who: 'clinician', afterMinutes: 2 },
      { who: 'doctor@example.org', afterMinutes: 5 },
    ]);
    expect(escalationText(rows)).toBe('care_staff@0,clinician@120,doctor@example.org@300');
  });

  it('rounds a fraction of a minute to whole seconds', () => {
    expect(escalationText([{ who: ' clinician ', afterMinutes: 1.5 }])).toBe('clinician@90');
  });
});

describe('the duty roster', () => {
  it.each([
    [0, '00:00'],
    [450, '07:30'],
    [1439, '23:59'],
    [1440, '00:00'],
  ])('%i minutes is %s', (minutes, time) => {
    expect(minutesToTime(minutes)).toBe(time);
  });

  it('reads a time input, with an end at 00:00 as midnight', () => {
    expect(timeToMinutes('07:30')).toBe(450);
    expect(timeToMinutes('00:00')).toBe(0);
    expect(timeToMinutes('00:00', true)).toBe(1440);
    expect(timeToMinutes('7:30')).toBeUndefined();
    expect(timeToMinutes('')).toBeUndefined();
  });

  it('turns rows into entries and names the rows that are no shift', () => {
    const { entries, invalid } = rosterEntries([
      { userId: 'a', weekday: 1, from: '22:00', to: '00:00' },
      { userId: 'a', weekday: 2, from: '00:00', to: '07:00' },
      { userId: 'b', weekday: 3, from: '15:00', to: '07:00' },
      { userId: '', weekday: 3, from: '07:00', to: '15:00' },
      { userId: 'b', weekday: 4, from: '', to: '15:00' },
    ]);
    expect(entries).toEqual([
      { userId: 'a', weekday: 1, fromMinute: 1320, toMinute: 1440 },
      { userId: 'a', weekday: 2, fromMinute: 0, toMinute: 420 },
    ]);
    expect(invalid).toEqual([2, 3, 4]);
  });

  it('shows a stored roster as rows that save back unchanged', () => {
    const stored = [{ userId: 'a', email: 'a@x.org', weekday: 0, fromMinute: 1320, toMinute: 1440 }];
    expect(rosterEntries(rosterRows({ entries: stored })).entries).toEqual([{ userId: 'a', weekday: 0, fromMinute: 1320, toMinute: 1440 }]);
  });
});

describe('the audit search', () => {
  it('sends only the filters set, local times as ISO instants', () => {
    expect(auditQuery({ userId: '', patientId: '', from: '', to: '' }, 50)).toEqual({ limit: 50 });
    const query = auditQuery({ userId: 'u', patientId: 'p', from: '2026-12-01T08:00', to: '2026-12-02T08:00' }, 50, 17);
    expect(query).toEqual({
      limit: 50,
      userId: 'u',
      patientId: 'p',
      from: new Date('2026-12-01T08:00').toISOString(),
      to: new Date('2026-12-02T08:00').toISOString(),
      beforeId: 17,
    });
  });

  it('pages on from the smallest id of a full page, and stops after a short one', () => {
    expect(nextBeforeId([{ id: 9 }, { id: 7 }, { id: 8 }], 3)).toBe(7);
    expect(nextBeforeId([{ id: 9 }, { id: 7 }], 3)).toBeUndefined();
    expect(nextBeforeId([], 3)).toBeUndefined();
  });
});
