import { describe, expect, it } from '@jest/globals';
import {
  bandOf,
  batteryDecision,
  type Decision,
  eventOutcome,
  type EventRules,
  higherPriority,
  inhibitions,
  isNight,
  nextEscalation,
  news2Decision,
  noDataDecision,
  onConditionCleared,
  onDuty,
  parseEscalationLevels,
  percentile,
  stepThreshold,
  type Threshold,
  type ThresholdState,
  thresholdInhibited,
  validateThreshold,
  news2Series,
} from './alert-rules.js';
import { scoreNews2 } from './news2.js';

const S = 1000;
const spo2: Threshold = { metric: 'spo2', redLow: 88, yellowLow: 92, sustainedSeconds: 60, clearMargin: 2, clearAfterSeconds: 30 };

/** Runs samples [seconds, value] through one threshold; returns each decision's type/priority. */
function run(threshold: Threshold, samples: Array<[number, number]>): string[] {
  let state: ThresholdState = {};
  return samples.map(([seconds, value]) => {
    const step = stepThreshold(state, { t: seconds * S, value }, threshold);
    state = step.state;
    return describe_(step.decision);
  });
}
const describe_ = (d: Decision) => (d.type === 'raise' ? `raise:${d.priority}` : d.type);

describe('stepThreshold: sustained-for', () => {
  it.each<[string, Array<[number, number]>, string[]]>([
    [
      'a breach one second short opens nothing',
      [
        [0, 90],
        [59, 90],
      ],
      ['none', 'none'],
    ],
    [
      'a breach lasting exactly S opens',
      [
        [0, 90],
        [60, 90],
      ],
      ['none', 'raise:medium'],
    ],
    [
      'a sample back in band restarts the period',
      [
        [0, 90],
        [30, 95],
        [31, 90],
        [90, 90],
        [91, 90],
      ],
      ['none', 'none', 'none', 'none', 'raise:medium'],
    ],
    [
      'red below red low is high',
      [
        [0, 85],
        [60, 85],
      ],
      ['none', 'raise:high'],
    ],
    [
      'once raised, every breaching sample repeats',
      [
        [0, 90],
        [60, 90],
        [61, 91],
      ],
      ['none', 'raise:medium', 'raise:medium'],
    ],
    [
      'an older (backfilled) sample is not evaluated again',
      [
        [0, 90],
        [60, 90],
        [10, 99],
      ],
      ['none', 'raise:medium', 'none'],
    ],
  ])('%s', (_, samples, expected) => {
    expect(run(spo2, samples)).toEqual(expected);
  });

  it('with no sustained period the first breaching sample raises', () => {
    expect(run({ ...spo2, sustainedSeconds: 0 }, [[0, 91]])).toEqual(['raise:medium']);
  });
});

describe('stepThreshold: hysteresis', () => {
  it.each<[string, Array<[number, number]>, string[]]>([
    // raised at 60 s; yellowLow 92 + margin 2 = 94 needed to start clearing; then 30 s inside.
    [
      'inside the band but within the margin does not clear',
      [
        [0, 90],
        [60, 90],
        [70, 93],
        [200, 93],
      ],
      ['none', 'raise:medium', 'none', 'none'],
    ],
    [
      'clears after clear-after inside the margin',
      [
        [0, 90],
        [60, 90],
        [70, 95],
        [99, 95],
        [100, 95],
      ],
      ['none', 'raise:medium', 'none', 'none', 'clear'],
    ],
    [
      'a dip into the margin restarts clear-after',
      [
        [0, 90],
        [60, 90],
        [70, 95],
        [90, 93],
        [95, 95],
        [120, 95],
        [125, 95],
      ],
      ['none', 'raise:medium', 'none', 'none', 'none', 'none', 'clear'],
    ],
  ])('%s', (_, samples, expected) => {
    expect(run(spo2, samples)).toEqual(expected);
  });

  it.each<[number, number, 'red' | 'yellow' | null]>([
    [87.9, 0, 'red'],
    [88, 0, 'yellow'],
    [91.9, 0, 'yellow'],
    [92, 0, null],
    [93, 2, 'yellow'],
    [94, 2, null],
  ])('bandOf(%s, margin %s) = %s', (value, margin, band) => {
    expect(bandOf(value, spo2, margin)).toBe(band);
  });
});

describe('validateThreshold', () => {
  const base = { sustainedSeconds: 0, clearMargin: 0, clearAfterSeconds: 0 };
  it.each<[string, Partial<Threshold>, string[]]>([
    ['full bands in order', { redLow: 40, yellowLow: 50, yellowHigh: 110, redHigh: 130 }, []],
    ['red inside yellow', { redLow: 55, yellowLow: 50 }, ['yellowLow']],
    ['low above high', { yellowLow: 120, yellowHigh: 110 }, ['yellowHigh']],
    ['no band at all', {}, ['bands']],
    ['negative sustained', { yellowHigh: 100, sustainedSeconds: -1 }, ['sustainedSeconds']],
  ])('%s', (_, bands, fields) => {
    expect(validateThreshold({ ...base, ...bands }).map((e) => e.field)).toEqual(fields);
  });
});

describe('NEWS2 bands (RCP 2017 Chart 4)', () => {
  const air = { o2: 0, acvpu: 0, temp: 37 };
  it.each<[string, Record<string, number>, string]>([
    ['all normal → no alert (clears)', { rr: 16, spo2: 97, sbp: 120, hr: 70, ...air }, 'clear'],
    ['a single 3 (RR 26) → low (low–medium)', { rr: 26, spo2: 97, sbp: 120, hr: 70, ...air }, 'raise:low'],
    ['aggregate 5 → medium', { rr: 22, spo2: 94, sbp: 105, hr: 95, ...air }, 'raise:medium'], // 2 + 1 + 1 + 1
    ['aggregate 6 → medium', { rr: 22, spo2: 93, sbp: 105, hr: 95, ...air }, 'raise:medium'], // 2 + 2 + 1 + 1
    ['aggregate 7 → high', { rr: 22, spo2: 93, sbp: 100, hr: 95, ...air }, 'raise:high'], // 2 + 2 + 2 + 1
  ])('%s', (_, values, expected) => {
    expect(describe_(news2Decision(scoreNews2(values, 1)))).toBe(expected);
  });
});

describe('latching (IEC 60601-1-8)', () => {
  it.each<['high' | 'medium' | 'low', 'open' | 'acknowledged', 'latch' | 'resolve']>([
    ['high', 'open', 'latch'],
    ['high', 'acknowledged', 'resolve'],
    ['medium', 'open', 'resolve'],
    ['low', 'open', 'resolve'],
  ])('%s %s alert whose condition ends → %s', (priority, state, outcome) => {
    expect(onConditionCleared({ priority, state })).toBe(outcome);
  });

  it.each([
    ['medium', 'high', 'high'],
    ['high', 'medium', 'high'],
    ['low', 'low', 'low'],
  ] as const)('a repeat at %s over %s keeps %s (rises, never falls)', (existing, repeat, kept) => {
    expect(higherPriority(existing, repeat)).toBe(kept);
  });
});

describe('devices and inhibition', () => {
  const now = 100 * 3600 * S;
  it.each<[string, { kind: string; offline: boolean; lastData: number }, string]>([
    ['a wearable silent for 15 min → no_data', { kind: 'wearable', offline: false, lastData: now - 15 * 60 * S }, 'raise:medium'],
    ['a wearable silent for 14 min 59 s → nothing', { kind: 'wearable', offline: false, lastData: now - (15 * 60 - 1) * S }, 'clear'],
    ['an offline wearable is inhibited (device_offline instead)', { kind: 'wearable', offline: true, lastData: now - 3600 * S }, 'clear'],
    ['an event sensor is not expected to report', { kind: 'door_sensor', offline: false, lastData: now - 48 * 3600 * S }, 'none'],
  ])('%s', (_, device, expected) => {
    expect(describe_(noDataDecision(device, now))).toBe(expected);
  });

  it('readings from a device known to be offline raise no threshold alert', () => {
    const offline = new Set(['d1']);
    expect([thresholdInhibited('d1', offline), thresholdInhibited('d2', offline)]).toEqual([true, false]);
  });

  it.each<[string, { online: boolean }, Array<'device_offline' | 'no_data'>, string[]]>([
    ['offline with its device_offline alert', { online: false }, ['device_offline'], ['device_offline']],
    ['heard from again, its device_offline not yet cleared: not inhibited', { online: true }, ['device_offline'], []],
    ['stale (no_data open)', { online: true }, ['no_data'], ['no_data']],
    ['offline and stale: offline says it', { online: false }, ['no_data', 'device_offline'], ['device_offline']],
    ['offline without an alert (never connected, or passive): nothing held back', { online: false }, [], []],
  ])('the overview’s inhibited: %s', (_, device, kinds, reasons) => {
    const since = new Date(5 * S);
    const alerts = [...kinds.map((kind) => ({ kind, deviceId: 'd1', openedAt: since })), { kind: 'device_offline' as const, deviceId: 'd2', openedAt: since }];
    expect(inhibitions([{ id: 'd1', ...device }], alerts)).toEqual(reasons.map((reason) => ({ reason, deviceId: 'd1', since })));
  });

  it.each<[number | undefined, string]>([
    [15, 'raise:low'],
    [16, 'none'],
    [19, 'none'],
    [20, 'clear'],
    [undefined, 'none'],
  ])('battery %s → %s', (battery, expected) => {
    expect(describe_(batteryDecision(battery))).toBe(expected);
  });
});

describe('night windows (IANA time zones)', () => {
  const copenhagen = { timeZone: 'Europe/Copenhagen', startMinute: 22 * 60, endMinute: 7 * 60 };
  it.each<[string, string, boolean]>([
    ['21:59 local (winter, UTC+1)', '2026-01-15T20:59:00Z', false],
    ['22:00 local', '2026-01-15T21:00:00Z', true],
    ['00:30 local, across midnight', '2026-01-15T23:30:00Z', true],
    ['06:59 local', '2026-01-16T05:59:00Z', true],
    ['07:00 local', '2026-01-16T06:00:00Z', false],
    // 29 March 2026: clocks go 02:00 → 03:00 (UTC+1 → UTC+2).
    ['06:30 local on the spring-forward morning (04:30Z)', '2026-03-29T04:30:00Z', true],
    ['07:30 local on the spring-forward morning (05:30Z, would be 06:30 at UTC+1)', '2026-03-29T05:30:00Z', false],
    // 25 October 2026: clocks go 03:00 → 02:00 (UTC+2 → UTC+1).
    ['06:30 local on the fall-back morning (05:30Z)', '2026-10-25T05:30:00Z', true],
    ['07:00 local on the fall-back morning (06:00Z, would be 08:00 at UTC+2)', '2026-10-25T06:00:00Z', false],
    ['21:30 local in summer (19:30Z, UTC+2)', '2026-07-01T19:30:00Z', false],
    ['22:00 local in summer (20:00Z)', '2026-07-01T20:00:00Z', true],
  ])('%s → %s', (_, iso, night) => {
    expect(isNight(Date.parse(iso), copenhagen)).toBe(night);
  });

  it('a window within one day (13:00–15:00)', () => {
    const nap = { timeZone: 'UTC', startMinute: 13 * 60, endMinute: 15 * 60 };
    expect([
      isNight(Date.parse('2026-01-01T12:59:00Z'), nap),
      isNight(Date.parse('2026-01-01T13:00:00Z'), nap),
      isNight(Date.parse('2026-01-01T15:00:00Z'), nap),
    ]).toEqual([false, true, false]);
  });
});

describe('eventOutcome', () => {
  const rules: EventRules = { timeZone: 'Europe/Copenhagen', startMinute: 22 * 60, endMinute: 7 * 60, bedExitGraceSeconds: 900, doorOpenGraceSeconds: 300 };
  const night = Date.parse('2026-01-16T02:00:00Z'); // 03:00 local
  const day = Date.parse('2026-01-16T11:00:00Z'); // 12:00 local
  it.each<[string, number, unknown]>([
    ['fall', day, { type: 'raise', kind: 'fall', priority: 'high' }],
    ['alarm_button', night, { type: 'raise', kind: 'alarm_button', priority: 'high' }],
    ['med_missed', day, { type: 'raise', kind: 'missed_dose', priority: 'medium' }],
    ['inactivity', day, { type: 'raise', kind: 'inactivity', priority: 'medium' }],
    ['bed_exit', night, { type: 'pending', kind: 'bed_exit', priority: 'medium', dueAt: night + 900 * S }],
    ['bed_exit', day, { type: 'none' }],
    ['door_open', night, { type: 'pending', kind: 'door_open', priority: 'high', dueAt: night + 300 * S }],
    ['door_open', day, { type: 'none' }],
    ['bed_return', night, { type: 'cancel', kinds: ['bed_exit', 'door_open'] }],
    ['door_close', night, { type: 'none' }],
  ])('%s at %s', (type, t, outcome) => {
    expect(eventOutcome({ type, t }, rules)).toEqual(outcome);
  });
});

describe('escalation chains', () => {
  it('parses roles and e-mails @ seconds', () => {
    expect(parseEscalationLevels('care_staff@0, clinician@120,Doc@Example.org@300')).toEqual({
      levels: [
        { role: 'care_staff', afterSeconds: 0 },
        { role: 'clinician', afterSeconds: 120 },
        { userEmail: 'doc@example.org', afterSeconds: 300 },
      ],
      errors: [],
    });
  });

  it.each<[string, string]>([
    ['', 'levels'],
    ['care_staff', 'levels[0]'],
    ['nurse@10', 'levels[0]'],
    ['care_staff@60,clinician@60', 'levels[1]'],
  ])('refuses %j naming %s', (text, field) => {
    expect(parseEscalationLevels(text).errors.map((e) => e.field)).toEqual([field]);
  });

  const levels = parseEscalationLevels('care_staff@0,clinician@120,admin@300').levels;
  it.each<[{ level: number; cycle: number }, number, { level: number; cycle: number; at: number } | null]>([
    [{ level: 0, cycle: 0 }, 0, { level: 1, cycle: 0, at: 120 * S }],
    [{ level: 1, cycle: 0 }, 0, { level: 2, cycle: 0, at: 300 * S }],
    [{ level: 2, cycle: 0 }, 0, null],
    [{ level: 2, cycle: 0 }, 1, { level: 0, cycle: 1, at: 300 * S }],
    [{ level: 0, cycle: 1 }, 1, { level: 1, cycle: 1, at: 420 * S }],
    [{ level: 2, cycle: 1 }, 1, null],
  ])('after %j with %s repeats → %j', (current, repeats, next) => {
    expect(nextEscalation(levels, repeats, 0, current)).toEqual(next);
  });
});

describe('onDuty', () => {
  const roster = [
    { userId: 'night', weekday: 5, fromMinute: 0, toMinute: 7 * 60 }, // Friday 00:00–07:00
    { userId: 'day', weekday: 5, fromMinute: 7 * 60, toMinute: 15 * 60 },
  ];
  it.each<[string, string[]]>([
    ['2026-01-16T02:00:00Z', ['night']], // Friday 03:00 Copenhagen
    ['2026-01-16T06:00:00Z', ['day']], // Friday 07:00
    ['2026-01-16T20:00:00Z', []], // Friday 21:00: nobody rostered
  ])('at %s → %j', (iso, expected) => {
    expect(onDuty(['night', 'day', 'other'], roster, Date.parse(iso), 'Europe/Copenhagen')).toEqual(expected);
  });
  it('with no roster every member is on duty', () => {
    expect(onDuty(['a', 'b'], [], 0, 'UTC')).toEqual(['a', 'b']);
  });
});

describe('percentile', () => {
  it.each<[number[], number, number | null]>([
    [[], 50, null],
    [[5], 90, 5],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50, 5],
    [[10, 1, 9, 2, 8, 3, 7, 4, 6, 5], 90, 9],
  ])('%j p%s = %s', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });
});

describe('news2Series', () => {
  const at = (minutes: number) => new Date(Date.UTC(2026, 0, 1, 12, minutes));
  const fresh = 30 * 60 * S;
  it('scores the fresh latest values after each sample, stale ones missing, unchanged points left out', () => {
    const samples = [
      { t: at(0), metric: 'rr', value: 26 }, // seeds only (before from)
      { t: at(10), metric: 'spo2', value: 97 },
      { t: at(20), metric: 'spo2', value: 97 }, // same result: left out
      { t: at(45), metric: 'hr', value: 120 }, // rr (minute 0) is now stale
    ];
    const points = news2Series(samples, 1, fresh, at(5), scoreNews2).map((p) => [p.t.getUTCMinutes(), p.score, p.risk, p.missing.includes('rr')]);
    expect(points).toEqual([
      [10, 3, 'low-medium', false], // rr 26 → 3
      [45, 2, 'low', true], // rr is stale (missing); spo2 of minute 20 still fresh (0) and hr 120 → 2
    ]);
  });
});
