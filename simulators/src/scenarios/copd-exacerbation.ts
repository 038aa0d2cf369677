import { HOUR, MINUTE } from '../clock.js';
import type { Effect } from '../physiology/vitals.js';
import { type Scenario, progress } from './scenario.js';

/**
 * An exacerbation of COPD in a patient on NEWS2 SpO2 scale 2 (hypercapnic respiratory
 * failure): over `over` SpO2 drifts from the patient's 88–92 % down to 85 %, breathing
 * quickens to 24/min and the pulse to about 104, with a low fever. Then home oxygen is started
 * (the concentrator reports o2 = 1) and SpO2 recovers into the 88–92 % target range within
 * half an hour while breathing eases a little.
 *
 * Target range and the controlled oxygen: BTS guideline for oxygen use in adults (O'Driscoll
 * et al., Thorax 2017;72:i1–i90, table 3 "COPD and other conditions requiring controlled or
 * low-dose oxygen therapy": aim at 88–92 %). NEWS2 on scale 2 (RCP 2017): before oxygen
 * SpO2 84–85 (2) + RR 21–24 (2) + pulse 91–110 (1) = 5; on oxygen the SpO2 points go, the
 * oxygen gives 2: 5 again, a medium risk that asks for an urgent review.
 */
const TARGET = { spo2: 85, rr: 24, hr: 104, fever: 0.6 };
const RECOVERY = 30 * MINUTE;

export const copdExacerbation: Scenario = {
  name: 'copd-exacerbation',
  summary: 'scale-2 patient: SpO2 drifts to 85 %, RR and pulse rise, then oxygen is started (o2 = 1)',
  requires: { kinds: ['pulse_oximeter', 'oxygen_concentrator'], spo2Scale: 2 },
  defaults: { onset: 15 * MINUTE, over: 12 * HOUR },
  oximeterWear: 0.95,
  effect(ctx, t): Effect {
    const drift = progress(t, ctx.onset, ctx.over);
    if (drift === 0) return {};
    const b = ctx.patient.baseline;
    const oxygenStart = ctx.onset + ctx.over;
    const relief = progress(t, oxygenStart, RECOVERY); // oxygen lifts SpO2 back to the patient's own value
    return {
      fever: drift * TARGET.fever,
      spo2: drift * (TARGET.spo2 - b.spo2) * (1 - relief),
      rr: drift * (TARGET.rr - b.rr) - relief * 2,
      hr: drift * (TARGET.hr - b.hr) - relief * 6,
      o2: t >= oxygenStart ? 1 : 0,
    };
  },
};
