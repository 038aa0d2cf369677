import { describe, expect, it } from '@jest/globals';
import { isMetricCode, METRIC_CODES, METRICS, type MetricDefinition } from './metric-catalogue.js';

// docs/architecture.md "Metric catalogue", row by row: the published contract.
const contract: [string, string, readonly string[] | null, string | null, [number, number]][] = [
  ['hr', '/min', ['8867-4'], null, [20, 300]],
  ['spo2', '%', ['59408-5', '2708-6'], null, [50, 100]],
  ['rr', '/min', ['9279-1'], null, [2, 80]],
  ['temp', 'Cel', ['8310-5'], null, [30, 45]],
  ['sbp', 'mm[Hg]', ['8480-6'], '85354-9', [40, 300]],
  ['dbp', 'mm[Hg]', ['8462-4'], '85354-9', [20, 200]],
  ['weight', 'kg', ['29463-7'], null, [1, 500]],
  ['glucose', 'mmol/L', ['15074-8'], null, [0.5, 50]],
  ['o2', '1', null, null, [0, 1]],
  ['acvpu', '1', null, null, [0, 1]],
];

describe('metric catalogue', () => {
  it.each(contract)('%s: unit %s, LOINC %j, panel %s, range %j', (code, unit, loinc, panel, range) => {
    expect(isMetricCode(code)).toBe(true);
    const metric: MetricDefinition = METRICS[code as keyof typeof METRICS];
    expect(metric.unit).toBe(unit);
    expect(metric.loinc).toEqual(loinc);
    expect(metric.panel).toBe(panel);
    expect(metric.range).toEqual(range);
    expect(metric.meaning).not.toBe('');
  });

  it('has exactly the codes of the contract, in its order', () => {
    expect(METRIC_CODES).toEqual(contract.map(([code]) => code));
  });

  it.each([['HR'], ['Hr'], [' hr'], ['pulse'], [''], ['toString'], ['constructor'], ['__proto__'], ['hasOwnProperty']])(
    'rejects %j as a metric code',
    (code) => {
      expect(isMetricCode(code)).toBe(false);
    },
  );

  it.each([[42], [null], [undefined], [{}], [['hr']]])('rejects the non-string %j', (value) => {
    expect(isMetricCode(value)).toBe(false);
  });
});
