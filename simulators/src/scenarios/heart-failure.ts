import { DAY, MINUTE } from '../clock.js';
import type { Effect } from '../physiology/vitals.js';
import { type Scenario, progress } from './scenario.js';

/**
 * Worsening heart failure: fluid retention shows on the morning scale before anything else.
 * The ESC's advice to patients is to contact their team when weight rises by more than 2 kg in
 * 3 days (heartfailurematters.org, "Weight gain", Heart Failure Association of the ESC); here
 * the body gains 2.6 kg over `over` (3 days), so the measured gain passes 2 kg whatever the
 * scale's noise (± 0.2 kg) does. Late in the course congestion adds breathlessness: respiration
 * +2/min, pulse +6/min, SpO2 −1 %.
 */
const GAIN_KG = 2.6;

export const heartFailure: Scenario = {
  name: 'heart-failure',
  summary: 'fluid retention: weight +2.6 kg over --over (3 days), later a little breathless',
  requires: { kinds: ['scale'] },
  defaults: { onset: 15 * MINUTE, over: 3 * DAY },
  effect(ctx, t): Effect {
    const p = progress(t, ctx.onset, ctx.over);
    if (p === 0) return {};
    const late = p * p;
    return { weight: GAIN_KG * p, rr: 2 * late, hr: 6 * late, spo2: -1 * late };
  },
};
