import { MINUTE } from '../clock.js';
import { within } from '../devices/schedule.js';
import type { Effect } from '../physiology/vitals.js';
import { type Scenario, type ScenarioContext, progress } from './scenario.js';

/**
 * A hypoglycaemic episode in treated diabetes: glucose falls over `over` to 2.7 mmol/L, below
 * the 3.0 mmol/L of clinically significant (level 2) hypoglycaemia (International
 * Hypoglycaemia Study Group, Diabetes Care 2017;40:155–157; ADA Standards of Care, table 6.3),
 * with the adrenergic response (pulse +15/min). Feeling shaky, the patient measures, takes
 * fast-acting carbohydrate and re-measures after 15 and 30 minutes (the "15-15 rule"), as
 * glucose returns to their normal over 40 minutes.
 */
const NADIR = 2.7;
const RECOVERY = 40 * MINUTE;
const RECHECKS = [0, 15 * MINUTE, 30 * MINUTE];

const treatedAt = (ctx: ScenarioContext) => ctx.onset + ctx.over;

export const hypoglycaemia: Scenario = {
  name: 'hypoglycaemia',
  summary: 'glucose falls to 2.7 mmol/L over --over, checked when shaky, treated, re-checked',
  requires: { kinds: ['glucometer'] },
  defaults: { onset: 20 * MINUTE, over: 45 * MINUTE },
  effect(ctx, t): Effect {
    const fall = progress(t, ctx.onset, ctx.over);
    if (fall === 0) return {};
    const remaining = 1 - progress(t, treatedAt(ctx), RECOVERY);
    return { glucose: fall * remaining * (NADIR - ctx.patient.baseline.glucose), hr: 15 * fall * remaining };
  },
  extraMeasurements(ctx, kind, from, to) {
    if (kind !== 'glucometer') return [];
    return RECHECKS.map((after) => treatedAt(ctx) + after).filter((t) => within(t, from, to));
  },
};
