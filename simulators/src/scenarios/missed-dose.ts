import { MINUTE } from '../clock.js';
import type { Scenario } from './scenario.js';

/** From `onset` on, the doses the dispenser offers are not taken: it reports each one missed. */
export const missedDose: Scenario = {
  name: 'missed-dose',
  summary: 'doses from the dispenser are no longer taken (med_missed)',
  requires: { kinds: ['medication_dispenser'] },
  defaults: { onset: 5 * MINUTE, over: 0 },
  takesDose: (ctx, doseTime) => doseTime < ctx.onset,
};
