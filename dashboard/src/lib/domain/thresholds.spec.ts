import { describe, expect, it } from 'vitest';
import { type Threshold, validateThreshold, zonesOf } from './thresholds.js';

const spo2 = (bounds: Partial<Threshold>): Threshold => ({
  metric: 'spo2',
  redLow: null,
  yellowLow: null,
  yellowHigh: null,
  redHigh: null,
  sustainedSeconds: 0,
  ...bounds,
});

describe('validateThreshold', () => {
  it.each([
    ['low bounds only, rising', spo2({ redLow: 88, yellowLow: 92 }), []],
    ['all four rising', spo2({ redLow: 85, yellowLow: 90, yellowHigh: 99, redHigh: 100 }), []],
    ['red inside yellow', spo2({ redLow: 93, yellowLow: 92 }), [{ field: 'yellowLow', problem: 'order' }]],
    ['equal bounds', spo2({ yellowLow: 92, yellowHigh: 92 }), [{ field: 'yellowHigh', problem: 'order' }]],
    ['outside the plausible range', spo2({ redLow: 40 }), [{ field: 'redLow', problem: 'outOfRange' }]],
    ['not a number', spo2({ redLow: Number.NaN }), [{ field: 'redLow', problem: 'notNumber' }]],
    ['negative sustained time', spo2({ sustainedSeconds: -5 }), [{ field: 'sustainedSeconds', problem: 'outOfRange' }]],
  ])('%s', (_, threshold, expected) => {
    expect(validateThreshold(threshold, [50, 100])).toEqual(expected);
  });
});

describe('zonesOf', () => {
  it('shades red beyond the red bounds and yellow between red and yellow', () => {
    expect(zonesOf({ redLow: 85, yellowLow: 90, yellowHigh: null, redHigh: null })).toEqual([
      [-Infinity, 85, 'red'],
      [85, 90, 'yellow'],
    ]);
    expect(zonesOf({ redLow: null, yellowLow: null, yellowHigh: 100, redHigh: 120 })).toEqual([
      [100, 120, 'yellow'],
      [120, Infinity, 'red'],
    ]);
  });
});
