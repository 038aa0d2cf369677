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

/** The demo's opening replay: simulated time before the start, played fast until it meets the real clock. */
export interface DemoReplay {
  /** Simulated seconds per real second (VIGIL_DEMO_SPEED). */
  speed: number;
  /** How far before the start the simulated homes begin. */
  minutes: number;
  /** When the scenarios begin after that, and how long they take. */
  onsetMinutes: number;
  overMinutes: number;
  /** Real seconds until the simulated clock meets the real one. */
  catchUpSeconds: number;
}

/**
 * How the demo shows real alerts within two minutes of `npm start`: its homes begin 75 simulated
 * minutes before the start and replay them at `speed`, catching up after 75 min / (speed − 1)
 * (77 s at ×60), then run in real time. The scenarios begin 5 minutes in and take 50, so the
 * deteriorating patient's NEWS2 passes medium to high (its hourly fever check included) and the
 * fall happens inside the replay; the wandering is last night's (the rules read "night" from the
 * event's own time), which the door sensor reports as backfill at once. Speed 1: no replay, the
 * scenarios play out in real time from the start (over hours).
 */
export function demoReplay(speed: number): DemoReplay | undefined {
  if (speed <= 1) return undefined;
  const minutes = 75;
  return { speed, minutes, onsetMinutes: 5, overMinutes: 50, catchUpSeconds: Math.ceil((minutes * 60) / (speed - 1)) };
}
