import { describe, expect, it } from '@jest/globals';
import type { LiveShare } from '../dtos/live-share.dto.js';
import { fromWire, toWire } from './live-share.js';

describe('live share wire form', () => {
  it('writes each id once and times as offsets from the first row', () => {
    const share: LiveShare = {
      kind: 'readings',
      rows: [
        [10_000, 'p1', 'd1', 'hr', 72],
        [10_000, 'p1', 'd1', 'spo2', 97],
        [9_000, 'p2', 'd2', 'hr', 60.5],
      ],
    };
    expect(toWire(share)).toEqual({
      kind: 'readings.v2',
      base: 10_000,
      patients: ['p1', 'p2'],
      devices: ['d1', 'd2'],
      metrics: ['hr', 'spo2'],
      time: [0, 0, -1_000],
      patient: [0, 0, 1],
      device: [0, 0, 1],
      metric: [0, 1, 0],
      value: [72, 97, 60.5],
    });
  });

  it('reads back what it wrote, rows in their order', () => {
    const share: LiveShare = {
      kind: 'readings',
      rows: [
        [1_796_000_000_123, 'p1', 'd1', 'hr', 72],
        [1_796_000_000_000, 'p2', 'd2', 'temp', 37.1],
        [1_796_000_000_123, 'p1', 'd3', 'hr', 0],
      ],
    };
    expect(fromWire(JSON.parse(JSON.stringify(toWire(share))))).toEqual(share);
    expect(fromWire(toWire({ kind: 'readings', rows: [] }))).toEqual({ kind: 'readings', rows: [] });
  });

  it('passes a changed share through as it is', () => {
    const changed: LiveShare = { kind: 'changed', patientIds: ['p1'] };
    expect(toWire(changed)).toEqual(changed);
    expect(fromWire(changed)).toEqual(changed);
  });

  it('names what is wrong with columns of unequal length or an index past its list', () => {
    const wire = { kind: 'readings.v2' as const, base: 0, patients: ['p'], devices: ['d'], metrics: ['hr'], time: [0], patient: [0], device: [0], metric: [0], value: [1] };
    expect(fromWire({ ...wire, value: [1, 2] })).toEqual({ error: 'column value has 2 rows, time has 1' });
    expect(fromWire({ ...wire, device: [1] })).toEqual({ error: 'row 0 names an id past its list' });
  });
});
