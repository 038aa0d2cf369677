import type { Scenario } from './scenario.js';

/**
 * A pulse oximeter that misbehaves: at `--fault-rate` (default 5 %) of its samples it drops the
 * SpO2 value, reports an implausible value (0 or 127 %, a pulse of 0 or 350), or sends a
 * malformed payload. Vigil must count and dead-letter these and carry on (docs/architecture.md, "Rejected").
 */
export const noisySensor: Scenario = {
  name: 'noisy-sensor',
  summary: 'the oximeter drops SpO2, reports implausible values and malformed payloads at --fault-rate',
  requires: { kinds: ['pulse_oximeter'] },
  defaults: { onset: 0, over: 0 },
  oximeterWear: 0.95,
  faultyDevice: 'pulse_oximeter',
};
