import { describe, expect, it } from '@jest/globals';
import { createPatient } from './patient.js';
import { trueVitals } from './vitals.js';

const START = Date.parse('2026-11-30T00:00:00Z');
const patient = (seed: number, spo2Scale: 1 | 2 = 1) =>
  createPatient({ id: `p-${seed}`, name: 'Test', seed, spo2Scale, diabetic: false, utcOffsetMinutes: 60 });

describe('physiology', () => {
  it('draws the same baseline for the same seed and patient, another for another seed', () => {
    expect(patient(1).baseline).toEqual(patient(1).baseline);
    expect(patient(1).baseline).not.toEqual(createPatient({ ...patient(1), seed: 2 }).baseline);
  });

  it('draws COPD patients with a lower SpO2 in the 88–92 % target range', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const { spo2 } = patient(seed, 2).baseline;
      expect(spo2).toBeGreaterThanOrEqual(89);
      expect(spo2).toBeLessThanOrEqual(92);
    }
  });

  it('has a day/night rhythm: lower pulse and temperature at night than in the afternoon', () => {
    const p = patient(3);
    const at = (hourUtc: number) => trueVitals(p, START + hourUtc * 3_600_000);
    // local time is UTC+1: 03:00 local = 02:00 UTC, 16:00 local = 15:00 UTC.
    const night = at(2);
    const afternoon = at(15);
    expect(night.hr).toBeLessThan(afternoon.hr);
    expect(night.temp).toBeLessThan(afternoon.temp);
    expect(night.sbp).toBeLessThan(afternoon.sbp);
  });

  it('raises pulse and respiration with fever (about 7/min and 2/min per °C)', () => {
    const p = patient(4);
    const t = START + 10 * 3_600_000;
    const well = trueVitals(p, t);
    const febrile = trueVitals(p, t, { fever: 2 });
    expect(febrile.temp - well.temp).toBeCloseTo(2, 5);
    expect(febrile.hr - well.hr).toBeCloseTo(14.4, 5);
    expect(febrile.rr - well.rr).toBeCloseTo(4, 5);
  });
});
