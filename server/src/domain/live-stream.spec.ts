import { describe, expect, it } from '@jest/globals';
import { chunks, type LiveSample, samplesByPatient, type SharedReading, unsent, valueKey, valueKeys } from './live-stream.js';

const P1 = 'p1';
const P2 = 'p2';
const D1 = 'd1';
const D2 = 'd2';
const T = Date.UTC(2026, 11, 1, 8, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

describe('samplesByPatient', () => {
  it.each<[string, SharedReading[], Record<string, LiveSample[]>]>([
    ['one reading', [[T, P1, D1, 'hr', 72]], { [P1]: [{ t: iso(T), deviceId: D1, m: { hr: 72 } }] }],
    [
      'metrics of one device and time in one sample',
      [
        [T, P1, D1, 'hr', 72],
        [T, P1, D1, 'spo2', 97],
      ],
      { [P1]: [{ t: iso(T), deviceId: D1, m: { hr: 72, spo2: 97 } }] },
    ],
    [
      'two devices at one time stay apart',
      [
        [T, P1, D1, 'hr', 72],
        [T, P1, D2, 'hr', 75],
      ],
      {
        [P1]: [
          { t: iso(T), deviceId: D1, m: { hr: 72 } },
          { t: iso(T), deviceId: D2, m: { hr: 75 } },
        ],
      },
    ],
    [
      'patients apart, order kept',
      [
        [T + 1000, P1, D1, 'hr', 73],
        [T, P2, D2, 'rr', 14],
        [T, P1, D1, 'hr', 72],
      ],
      {
        [P1]: [
          { t: iso(T + 1000), deviceId: D1, m: { hr: 73 } },
          { t: iso(T), deviceId: D1, m: { hr: 72 } },
        ],
        [P2]: [{ t: iso(T), deviceId: D2, m: { rr: 14 } }],
      },
    ],
  ])('%s', (_, readings, expected) => {
    expect(Object.fromEntries(samplesByPatient(readings))).toEqual(expected);
  });

  it('builds samples only for the patients wanted, asking once per patient', () => {
    const asked: string[] = [];
    const readings: SharedReading[] = [
      [T, P1, D1, 'hr', 72],
      [T, P2, D2, 'rr', 14],
      [T + 1000, P1, D1, 'hr', 73],
      [T + 1000, P2, D2, 'rr', 15],
    ];
    const byPatient = samplesByPatient(readings, (patientId) => (asked.push(patientId), patientId === P2));
    expect(Object.fromEntries(byPatient)).toEqual({
      [P2]: [
        { t: iso(T), deviceId: D2, m: { rr: 14 } },
        { t: iso(T + 1000), deviceId: D2, m: { rr: 15 } },
      ],
    });
    expect(asked).toEqual([P1, P2]);
  });
});

describe('unsent: a gap fill and the live data that came meanwhile, each value once', () => {
  const gap: LiveSample[] = [{ t: iso(T), deviceId: D1, m: { hr: 72, spo2: 97 } }];
  it.each<[string, LiveSample[], LiveSample[]]>([
    ['a value the gap fill sent is dropped', [{ t: iso(T), deviceId: D1, m: { hr: 72 } }], []],
    ['a newer value stays', [{ t: iso(T + 1000), deviceId: D1, m: { hr: 73 } }], [{ t: iso(T + 1000), deviceId: D1, m: { hr: 73 } }]],
    ['only the new metric of a sample stays', [{ t: iso(T), deviceId: D1, m: { hr: 72, rr: 15 } }], [{ t: iso(T), deviceId: D1, m: { rr: 15 } }]],
    ['another device at the same time stays', [{ t: iso(T), deviceId: D2, m: { hr: 72 } }], [{ t: iso(T), deviceId: D2, m: { hr: 72 } }]],
  ])('%s', (_, live, expected) => {
    expect(unsent(live, valueKeys(gap))).toEqual(expected);
  });

  it('keys name device, metric and time', () => {
    expect([...valueKeys(gap)]).toEqual([valueKey(D1, 'hr', T), valueKey(D1, 'spo2', T)]);
  });
});

describe('chunks', () => {
  it.each<[number[], number, number[][]]>([
    [[], 2, []],
    [[1, 2, 3], 2, [[1, 2], [3]]],
    [[1, 2], 2, [[1, 2]]],
  ])('%j by %d', (items, size, expected) => {
    expect(chunks(items, size)).toEqual(expected);
  });
});
