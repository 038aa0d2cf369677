import { describe, expect, it } from '@jest/globals';
import {
  news2AlertPriority,
  news2Component,
  NEWS2_PARAMETERS,
  scoreNews2,
  type News2Context,
  type News2Parameter,
  type News2Result,
  type News2Risk,
} from './news2.js';

// Expected points are read off RCP NEWS2 Chart 1. Each boundary is tested on both sides, at the
// printed values and at a device value in the gap between two printed bands (which scores the
// higher of the two bands, see news2.ts).

const CONTEXTS: News2Context[] = [
  { spo2Scale: 1, onOxygen: false },
  { spo2Scale: 1, onOxygen: true },
  { spo2Scale: 2, onOxygen: false },
  { spo2Scale: 2, onOxygen: true },
];
const AIR_SCALE_1: News2Context = { spo2Scale: 1, onOxygen: false };

describe('news2Component', () => {
  // ≤8 → 3 | 9–11 → 1 | 12–20 → 0 | 21–24 → 2 | ≥25 → 3
  it.each([
    [2, 3],
    [8, 3],
    [8.5, 3],
    [9, 1],
    [11, 1],
    [11.5, 1],
    [12, 0],
    [16, 0],
    [20, 0],
    [20.5, 2],
    [21, 2],
    [24, 2],
    [24.5, 3],
    [25, 3],
    [80, 3],
  ])('respiration rate %p → %p', (value, points) => {
    for (const context of CONTEXTS) expect(news2Component('rr', value, context)).toBe(points);
  });

  // Scale 1, on air or oxygen alike: ≤91 → 3 | 92–93 → 2 | 94–95 → 1 | ≥96 → 0
  it.each([
    [50, 3],
    [91, 3],
    [91.5, 3],
    [92, 2],
    [93, 2],
    [93.5, 2],
    [94, 1],
    [95, 1],
    [95.5, 1],
    [96, 0],
    [100, 0],
  ])('SpO2 scale 1 %p → %p', (value, points) => {
    expect(news2Component('spo2', value, { spo2Scale: 1, onOxygen: false })).toBe(points);
    expect(news2Component('spo2', value, { spo2Scale: 1, onOxygen: true })).toBe(points);
  });

  // Scale 2, on air or oxygen alike: ≤83 → 3 | 84–85 → 2 | 86–87 → 1 | 88–92 → 0
  it.each([
    [50, 3],
    [83, 3],
    [83.5, 3],
    [84, 2],
    [85, 2],
    [85.5, 2],
    [86, 1],
    [87, 1],
    [87.5, 1],
    [88, 0],
    [90, 0],
    [92, 0],
  ])('SpO2 scale 2 below target %p → %p', (value, points) => {
    expect(news2Component('spo2', value, { spo2Scale: 2, onOxygen: false })).toBe(points);
    expect(news2Component('spo2', value, { spo2Scale: 2, onOxygen: true })).toBe(points);
  });

  // Scale 2 on air: ≥93 → 0
  it.each([
    [92.5, 0],
    [93, 0],
    [94.5, 0],
    [96.5, 0],
    [97, 0],
    [100, 0],
  ])('SpO2 scale 2 on air %p → %p', (value, points) => {
    expect(news2Component('spo2', value, { spo2Scale: 2, onOxygen: false })).toBe(points);
  });

  // Scale 2 on oxygen: 93–94 → 1 | 95–96 → 2 | ≥97 → 3
  it.each([
    [92, 0],
    [92.5, 1],
    [93, 1],
    [94, 1],
    [94.5, 2],
    [95, 2],
    [96, 2],
    [96.5, 3],
    [97, 3],
    [100, 3],
  ])('SpO2 scale 2 on oxygen %p → %p', (value, points) => {
    expect(news2Component('spo2', value, { spo2Scale: 2, onOxygen: true })).toBe(points);
  });

  // Air → 0 | oxygen → 2; a rollup average above 0 means oxygen for part of the period.
  it.each([
    [0, 0],
    [1, 2],
    [0.5, 2],
  ])('air or oxygen %p → %p', (value, points) => {
    for (const context of CONTEXTS) expect(news2Component('o2', value, context)).toBe(points);
  });

  // ≤90 → 3 | 91–100 → 2 | 101–110 → 1 | 111–219 → 0 | ≥220 → 3
  it.each([
    [40, 3],
    [90, 3],
    [90.5, 3],
    [91, 2],
    [100, 2],
    [100.5, 2],
    [101, 1],
    [110, 1],
    [110.5, 1],
    [111, 0],
    [140, 0],
    [219, 0],
    [219.5, 3],
    [220, 3],
    [300, 3],
  ])('systolic blood pressure %p → %p', (value, points) => {
    for (const context of CONTEXTS) expect(news2Component('sbp', value, context)).toBe(points);
  });

  // ≤40 → 3 | 41–50 → 1 | 51–90 → 0 | 91–110 → 1 | 111–130 → 2 | ≥131 → 3
  it.each([
    [20, 3],
    [40, 3],
    [40.5, 3],
    [41, 1],
    [50, 1],
    [50.5, 1],
    [51, 0],
    [90, 0],
    [90.5, 1],
    [91, 1],
    [110, 1],
    [110.5, 2],
    [111, 2],
    [130, 2],
    [130.5, 3],
    [131, 3],
    [300, 3],
  ])('pulse %p → %p', (value, points) => {
    for (const context of CONTEXTS) expect(news2Component('hr', value, context)).toBe(points);
  });

  // Alert → 0 | new confusion, V, P, U → 3
  it.each([
    [0, 0],
    [1, 3],
    [0.5, 3],
  ])('consciousness %p → %p', (value, points) => {
    for (const context of CONTEXTS) expect(news2Component('acvpu', value, context)).toBe(points);
  });

  // ≤35.0 → 3 | 35.1–36.0 → 1 | 36.1–38.0 → 0 | 38.1–39.0 → 1 | ≥39.1 → 2
  it.each([
    [30, 3],
    [35.0, 3],
    [35.05, 3],
    [35.1, 1],
    [36.0, 1],
    [36.05, 1],
    [36.1, 0],
    [37, 0],
    [38.0, 0],
    [38.05, 1],
    [38.1, 1],
    [39.0, 1],
    [39.05, 2],
    [39.1, 2],
    [45, 2],
  ])('temperature %p → %p', (value, points) => {
    for (const context of CONTEXTS) expect(news2Component('temp', value, context)).toBe(points);
  });

  it.each(NEWS2_PARAMETERS.flatMap((parameter) => [NaN, Infinity, -Infinity].map((value) => [parameter, value] as const)))(
    '%s rejects %p',
    (parameter, value) => {
      expect(() => news2Component(parameter, value, AIR_SCALE_1)).toThrow(RangeError);
    },
  );

  it.each([
    ['o2', -1],
    ['o2', 2],
    ['acvpu', -0.5],
    ['acvpu', 4],
  ] as const)('%s rejects %p, outside the 0–1 flag', (parameter, value) => {
    expect(() => news2Component(parameter, value, AIR_SCALE_1)).toThrow(RangeError);
  });

  // Away from the 0 band the points never fall, and every value on a fine sweep has a band.
  it.each([
    ['rr', 0, 90, AIR_SCALE_1],
    ['spo2', 40, 100, { spo2Scale: 1, onOxygen: false }],
    ['spo2', 40, 100, { spo2Scale: 2, onOxygen: false }],
    ['spo2', 40, 100, { spo2Scale: 2, onOxygen: true }],
    ['sbp', 30, 310, AIR_SCALE_1],
    ['hr', 10, 310, AIR_SCALE_1],
    ['temp', 28, 46, AIR_SCALE_1],
  ] as [News2Parameter, number, number, News2Context][])('%s has no gaps and rises away from normal between %p and %p (%j)', (parameter, from, to, context) => {
    const points: number[] = [];
    for (let hundredths = from * 100; hundredths <= to * 100; hundredths += 1) {
      points.push(news2Component(parameter, hundredths / 100, context));
    }
    const firstNormal = points.indexOf(0);
    const lastNormal = points.lastIndexOf(0);
    expect(firstNormal).toBeGreaterThanOrEqual(0);
    const wrong = points.flatMap((p, i) => {
      const previous = points[i - 1] ?? p;
      const ok = [0, 1, 2, 3].includes(p) && (i <= firstNormal ? p <= previous : i <= lastNormal ? p === 0 : p >= previous);
      return ok ? [] : [`${(from * 100 + i) / 100} → ${p}`];
    });
    expect(wrong).toEqual([]);
  });
});

const NORMAL = { rr: 16, spo2: 97, o2: 0, sbp: 120, hr: 70, acvpu: 0, temp: 37.0 };

describe('scoreNews2', () => {
  // Whole patients, scored by hand from Chart 1 (rr, spo2, o2, sbp, hr, acvpu, temp).
  it.each<[string, Partial<Record<News2Parameter, number>>, 1 | 2, Partial<Record<News2Parameter, number>>, number, News2Risk]>([
    ['all normal', NORMAL, 1, { rr: 0, spo2: 0, o2: 0, sbp: 0, hr: 0, acvpu: 0, temp: 0 }, 0, 'low'],
    ['mild fever and tachypnoea', { ...NORMAL, rr: 22, hr: 95, temp: 38.5 }, 1, { rr: 2, spo2: 0, o2: 0, sbp: 0, hr: 1, acvpu: 0, temp: 1 }, 4, 'low'],
    ['a single red score', { ...NORMAL, rr: 26 }, 1, { rr: 3, spo2: 0, o2: 0, sbp: 0, hr: 0, acvpu: 0, temp: 0 }, 3, 'low-medium'],
    ['a red score plus one', { ...NORMAL, sbp: 88, hr: 92 }, 1, { rr: 0, spo2: 0, o2: 0, sbp: 3, hr: 1, acvpu: 0, temp: 0 }, 4, 'low-medium'],
    ['on oxygen, aggregate 5', { ...NORMAL, rr: 22, o2: 1, hr: 95 }, 1, { rr: 2, spo2: 0, o2: 2, sbp: 0, hr: 1, acvpu: 0, temp: 0 }, 5, 'medium'],
    ['new confusion, aggregate 6', { ...NORMAL, rr: 22, hr: 95, acvpu: 1 }, 1, { rr: 2, spo2: 0, o2: 0, sbp: 0, hr: 1, acvpu: 3, temp: 0 }, 6, 'medium'],
    [
      'sepsis-like, aggregate 7',
      { rr: 22, spo2: 95, o2: 0, sbp: 105, hr: 115, acvpu: 0, temp: 38.5 },
      1,
      { rr: 2, spo2: 1, o2: 0, sbp: 1, hr: 2, acvpu: 0, temp: 1 },
      7,
      'high',
    ],
    [
      'every parameter at its worst',
      { rr: 30, spo2: 85, o2: 1, sbp: 85, hr: 140, acvpu: 1, temp: 34.5 },
      1,
      { rr: 3, spo2: 3, o2: 2, sbp: 3, hr: 3, acvpu: 3, temp: 3 },
      20,
      'high',
    ],
    [
      'COPD at target on air, scale 2',
      { rr: 22, spo2: 89, o2: 0, sbp: 130, hr: 95, acvpu: 0, temp: 37.2 },
      2,
      { rr: 2, spo2: 0, o2: 0, sbp: 0, hr: 1, acvpu: 0, temp: 0 },
      3,
      'low',
    ],
    [
      'the same patient on scale 1',
      { rr: 22, spo2: 89, o2: 0, sbp: 130, hr: 95, acvpu: 0, temp: 37.2 },
      1,
      { rr: 2, spo2: 3, o2: 0, sbp: 0, hr: 1, acvpu: 0, temp: 0 },
      6,
      'medium',
    ],
    [
      'COPD over-oxygenated, scale 2',
      { rr: 18, spo2: 97, o2: 1, sbp: 125, hr: 80, acvpu: 0, temp: 36.8 },
      2,
      { rr: 0, spo2: 3, o2: 2, sbp: 0, hr: 0, acvpu: 0, temp: 0 },
      5,
      'medium',
    ],
    [
      'the same saturation on air, scale 2',
      { rr: 18, spo2: 97, o2: 0, sbp: 125, hr: 80, acvpu: 0, temp: 36.8 },
      2,
      { rr: 0, spo2: 0, o2: 0, sbp: 0, hr: 0, acvpu: 0, temp: 0 },
      0,
      'low',
    ],
  ])('%s', (_name, values, scale, components, score, risk) => {
    expect(scoreNews2(values, scale)).toEqual({ score, risk, components, missing: [] });
  });

  it('lists every parameter as missing when nothing is known', () => {
    expect(scoreNews2({}, 1)).toEqual({ score: 0, risk: 'low', components: {}, missing: [...NEWS2_PARAMETERS] });
  });

  it('scores only what is present and lists the rest in chart order', () => {
    expect(scoreNews2({ temp: 39.5, hr: 120 }, 1)).toEqual({
      score: 4,
      risk: 'low',
      components: { hr: 2, temp: 2 },
      missing: ['rr', 'spo2', 'o2', 'sbp', 'acvpu'],
    });
  });

  it('raises the risk from what is present, even when partial', () => {
    const result = scoreNews2({ rr: 30, acvpu: 1, hr: 135 }, 1);
    expect(result).toMatchObject({ score: 9, risk: 'high', missing: ['spo2', 'o2', 'sbp', 'temp'] });
  });

  it('treats a missing o2 as air for SpO2 scale 2 and reports it missing', () => {
    const result = scoreNews2({ ...NORMAL, o2: undefined, spo2: 97 }, 2);
    expect(result.components.spo2).toBe(0);
    expect(result.components.o2).toBeUndefined();
    expect(result.missing).toEqual(['o2']);
    expect(result.score).toBe(0);
  });

  it('scores SpO2 scale 2 on oxygen only when o2 says so', () => {
    expect(scoreNews2({ spo2: 95, o2: 1 }, 2).components).toEqual({ spo2: 2, o2: 2 });
    expect(scoreNews2({ spo2: 95, o2: 0 }, 2).components).toEqual({ spo2: 0, o2: 0 });
  });

  it('ignores metrics that are not NEWS2 parameters', () => {
    const latest = { ...NORMAL, dbp: 80, weight: 72, glucose: 6 };
    expect(scoreNews2(latest, 1)).toEqual(scoreNews2(NORMAL, 1));
  });

  it('treats a null value as missing', () => {
    const values = { ...NORMAL, temp: null } as unknown as Partial<Record<News2Parameter, number>>;
    expect(scoreNews2(values, 1)).toMatchObject({ score: 0, missing: ['temp'] });
  });

  it('rejects a value that is not a number instead of scoring it', () => {
    expect(() => scoreNews2({ ...NORMAL, hr: NaN }, 1)).toThrow(RangeError);
  });
});

const result = (score: number, risk: News2Risk): News2Result => ({ score, risk, components: {}, missing: [] });

describe('news2AlertPriority', () => {
  it.each<[number, News2Risk, 'high' | 'medium' | 'low' | null]>([
    [0, 'low', null],
    [4, 'low', null],
    [3, 'low-medium', 'low'],
    [4, 'low-medium', 'low'],
    [5, 'medium', 'medium'],
    [6, 'medium', 'medium'],
    [7, 'high', 'high'],
    [20, 'high', 'high'],
  ])('aggregate %p, risk %s → %p', (score, risk, priority) => {
    expect(news2AlertPriority(result(score, risk))).toBe(priority);
  });

  it.each<[Partial<Record<News2Parameter, number>>, 'high' | 'medium' | 'low' | null]>([
    [NORMAL, null],
    [{ ...NORMAL, rr: 22, hr: 95, temp: 38.5 }, null],
    [{ ...NORMAL, acvpu: 1 }, 'low'],
    [{ ...NORMAL, rr: 22, o2: 1, hr: 95 }, 'medium'],
    [{ ...NORMAL, acvpu: 1, rr: 22, hr: 95 }, 'medium'],
    [{ ...NORMAL, acvpu: 1, rr: 22, hr: 115 }, 'high'],
  ])('scores %j to %p', (values, priority) => {
    expect(news2AlertPriority(scoreNews2(values, 1))).toBe(priority);
  });
});
