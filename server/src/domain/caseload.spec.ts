import { describe, expect, it } from '@jest/globals';
import { byUrgency, groupByPatient, latestByPatient, news2FromLatest } from './caseload.js';

const t = new Date('2026-11-30T08:00:00Z');

describe('caseload overview rules', () => {
  it('groups the latest values by patient and metric', () => {
    const latest = latestByPatient([
      { patientId: 'a', metric: 'hr', value: 72, time: t, fresh: true },
      { patientId: 'a', metric: 'spo2', value: 97, time: t, fresh: false },
      { patientId: 'b', metric: 'hr', value: 55, time: t, fresh: true },
    ]);
    expect(latest.get('a')).toEqual({ hr: { value: 72, t, fresh: true }, spo2: { value: 97, t, fresh: false } });
    expect(latest.get('b')).toEqual({ hr: { value: 55, t, fresh: true } });
    expect(latest.get('c')).toBeUndefined();
  });

  it('scores NEWS2 from fresh values only and names stale ones missing', () => {
    const result = news2FromLatest(
      {
        hr: { value: 135, t, fresh: true }, // 3
        rr: { value: 22, t, fresh: true }, // 2
        spo2: { value: 85, t, fresh: false }, // stale: would be 3
        weight: { value: 80, t, fresh: true }, // not a NEWS2 parameter
      },
      1,
    );
    expect(result.score).toBe(5);
    expect(result.risk).toBe('medium');
    expect(result.components).toEqual({ hr: 3, rr: 2 });
    expect(result.missing).toEqual(['spo2', 'o2', 'sbp', 'acvpu', 'temp']);
  });

  it('uses the patient SpO2 scale', () => {
    const onAir = { spo2: { value: 89, t, fresh: true }, o2: { value: 0, t, fresh: true } };
    expect(news2FromLatest(onAir, 1).components.spo2).toBe(3);
    expect(news2FromLatest(onAir, 2).components.spo2).toBe(0);
  });

  it('orders by open alert priority, then NEWS2 score, then name', () => {
    const p = (name: string, score: number, priorities: Array<'high' | 'medium' | 'low'>) => ({
      name,
      news2: { score },
      alerts: priorities.map((priority) => ({ priority })),
    });
    const sorted = [p('Bo', 2, []), p('Al', 2, []), p('Cy', 9, []), p('Di', 0, ['low']), p('Ed', 1, ['medium', 'high'])].sort(byUrgency);
    expect(sorted.map((x) => x.name)).toEqual(['Ed', 'Di', 'Cy', 'Al', 'Bo']);
  });
});

describe('groupByPatient', () => {
  it('groups rows by patient and drops the patient id from each', () => {
    const groups = groupByPatient([
      { patientId: 'a', id: 1 },
      { patientId: 'b', id: 2 },
      { patientId: 'a', id: 3 },
    ]);
    expect(groups.get('a')).toEqual([{ id: 1 }, { id: 3 }]);
    expect(groups.get('b')).toEqual([{ id: 2 }]);
  });
});
