import { DEMO_BASE_KINDS, type DeviceKind } from './device-kinds.js';

/** The demo ward's people and kits, shared by the demo seed and the simulators' wards. */

const FIRST = [
  'Karen',
  'Jens',
  'Inge',
  'Poul',
  'Bente',
  'Niels',
  'Kirsten',
  'Henning',
  'Grethe',
  'Erik',
  'Hanne',
  'Ole',
  'Lis',
  'Svend',
  'Birthe',
  'Aage',
  'Ruth',
  'Knud',
  'Else',
  'Bent',
];
const LAST = [
  'Nielsen',
  'Jensen',
  'Hansen',
  'Pedersen',
  'Andersen',
  'Christensen',
  'Larsen',
  'Sørensen',
  'Rasmussen',
  'Jørgensen',
  'Petersen',
  'Madsen',
  'Kristensen',
  'Olsen',
  'Thomsen',
];

/** A Danish-sounding name for simulated patient number `i` (demo and simulators alike). */
export const demoPatientName = (i: number) => `${FIRST[i % FIRST.length]} ${LAST[(i * 7) % LAST.length]}`;

/**
 * The home-care kit of demo patient number `i`: telemedicine devices for everyone, welfare
 * technology for some, oxygen for the COPD patients on SpO2 scale 2.
 */
export function demoKit(i: number): { spo2Scale: 1 | 2; kinds: DeviceKind[] } {
  const copd = i % 6 === 5;
  const kinds: DeviceKind[] = [...DEMO_BASE_KINDS];
  if (i % 2 === 1) kinds.push('glucometer');
  if (i % 3 === 0) kinds.push('fall_detector', 'alarm_button');
  if (i % 4 === 0) kinds.push('bed_sensor', 'door_sensor');
  if (i % 5 === 0) kinds.push('medication_dispenser');
  if (copd) kinds.push('oxygen_concentrator');
  return { spo2Scale: copd ? 2 : 1, kinds };
}
