import { describe, expect, it } from '@jest/globals';
import { knownWard, type ProvisioningCheck, wardIds } from './ward-check.js';
import type { WardFile } from './ward-file.js';

const T = '00000000-0000-4000-8000-000000000001';
const P1 = '00000000-0000-4000-8000-0000000000a1';
const P2 = '00000000-0000-4000-8000-0000000000a2';
const L1 = '00000000-0000-4000-8000-0000000000b1';
const d = (n: number) => `00000000-0000-4000-8000-0000000000c${n}`;

const ward = (): WardFile => ({
  version: 1,
  teamId: T,
  patients: [
    {
      id: P1,
      name: 'Karen',
      spo2Scale: 1,
      devices: [
        { id: d(1), kind: 'pulse_oximeter', secret: 's1' },
        { id: d(2), kind: 'fall_detector', secret: 's2' },
      ],
    },
    { id: P2, name: 'Jens', spo2Scale: 2, devices: [{ id: d(3), kind: 'pulse_oximeter', secret: 's3' }] },
  ],
  load: { patients: [{ id: L1, devices: [{ id: d(4), secret: 's4' }] }] },
});

const everything: ProvisioningCheck = {
  database: 'db',
  team: true,
  patients: [P1, P2, L1],
  devices: [
    { id: d(1), patient: P1 },
    { id: d(2), patient: P1 },
    { id: d(3), patient: P2 },
    { id: d(4), patient: L1 },
  ],
};

describe('knownWard', () => {
  it.each<
    [
      string,
      Partial<ProvisioningCheck>,
      { patients: string[]; devices: string[]; load: string[]; missing: Array<[string, string[]]>; dropped: [number, number] },
    ]
  >([
    ['a database that knows everything keeps the ward', {}, { patients: [P1, P2], devices: [d(1), d(2), d(3)], load: [d(4)], missing: [], dropped: [0, 0] }],
    [
      'a database without the team (another or a reset one) keeps nothing',
      { team: false, patients: [], devices: [] },
      { patients: [], devices: [], load: [], missing: [], dropped: [3, 4] },
    ],
    [
      'a patient the database does not know is dropped with its devices',
      { patients: [P1, L1] },
      { patients: [P1], devices: [d(1), d(2)], load: [d(4)], missing: [], dropped: [1, 1] },
    ],
    [
      'a revoked device (not in the answer) is dropped and its kind provisioned again',
      { devices: everything.devices.filter((x) => x.id !== d(2)) },
      { patients: [P1, P2], devices: [d(1), d(3)], load: [d(4)], missing: [[P1, ['fall_detector']]], dropped: [0, 1] },
    ],
    [
      'a device relinked to another patient is dropped and provisioned again',
      { devices: everything.devices.map((x) => (x.id === d(3) ? { id: d(3), patient: P1 } : x)) },
      { patients: [P1, P2], devices: [d(1), d(2)], load: [d(4)], missing: [[P2, ['pulse_oximeter']]], dropped: [0, 1] },
    ],
    [
      'a load device the database does not know is dropped (load mode tops the count up)',
      { devices: everything.devices.filter((x) => x.id !== d(4)) },
      { patients: [P1, P2], devices: [d(1), d(2), d(3)], load: [], missing: [], dropped: [0, 1] },
    ],
  ])('%s', (_name, answer, expected) => {
    const known = knownWard(ward(), { ...everything, ...answer });
    expect(known.ward.patients.map((p) => p.id)).toEqual(expected.patients);
    expect(known.ward.patients.flatMap((p) => p.devices.map((x) => x.id))).toEqual(expected.devices);
    expect(known.ward.load.patients.flatMap((p) => p.devices.map((x) => x.id))).toEqual(expected.load);
    expect(known.missing.map((m) => [m.patientId, m.kinds])).toEqual(expected.missing);
    expect([known.dropped.patients, known.dropped.devices]).toEqual(expected.dropped);
    expect(known.ward.teamId).toBe(answer.team === false ? undefined : T);
  });

  it('asks about every id the ward file holds', () => {
    expect(wardIds(ward())).toEqual({ team: T, patients: [P1, P2, L1], devices: [d(1), d(2), d(3), d(4)] });
    expect(wardIds({ version: 1, patients: [], load: { patients: [] } })).toEqual({ patients: [], devices: [] });
  });
});
