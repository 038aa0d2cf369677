import { HOUR, MINUTE } from '../clock.js';
import { gridTimes } from '../devices/schedule.js';
import type { Effect } from '../physiology/vitals.js';
import { FEVER_HR_PER_DEGREE, FEVER_RR_PER_DEGREE } from '../physiology/vitals.js';
import { type Scenario, type ScenarioContext, progress } from './scenario.js';

/**
 * Sepsis-like deterioration at home: temperature, pulse and respiration rise while blood
 * pressure and SpO2 fall, so that NEWS2 climbs from 0 to ≥ 7 by `onset + over`.
 *
 * Each vital moves from the patient's own value towards a septic one. The end point meets
 * the sepsis-3 bedside criteria (qSOFA: respiratory rate ≥ 22/min, systolic ≤ 100 mmHg;
 * Seymour et al., JAMA 2016;315:762–774) and scores 11 on NEWS2 (RCP 2017, chart 1):
 * RR 27 (3), SpO2 92 % (2), systolic 96 (2), pulse 118 (2), 39.3 °C (2). Respiratory rate and
 * blood pressure lead: their change over time predicted deterioration of ED patients with
 * infection, where heart rate and temperature changes did not (Quinten et al., Scand J Trauma
 * Resusc Emerg Med 2018;26:57). The path eases in (progress^1.3), as deterioration accelerates.
 *
 * Unwell patients are asked to keep the oximeter on and to take extra blood pressures (every
 * 2 hours once febrile), as a telemedicine nurse would; the thermometer goes hourly by itself.
 */
const TARGET = { temp: 39.3, hr: 118, rr: 27, sbp: 96, spo2: 92 };
const EXTRA_BP_EVERY = 2 * HOUR;

function severity(ctx: ScenarioContext, t: number): number {
  return progress(t, ctx.onset, ctx.over) ** 1.3;
}

export const deteriorating: Scenario = {
  name: 'deteriorating',
  summary: 'sepsis-like: pulse, respiration and temperature up, BP and SpO2 down; NEWS2 0 → ≥ 7 over --over',
  requires: { kinds: ['pulse_oximeter', 'wearable', 'thermometer', 'bp_cuff'], spo2Scale: 1 },
  defaults: { onset: 15 * MINUTE, over: 6 * HOUR },
  oximeterWear: 0.95,
  effect(ctx, t): Effect {
    const s = severity(ctx, t);
    if (s === 0) return {};
    const b = ctx.patient.baseline;
    const fever = s * (TARGET.temp - b.temp);
    return {
      fever,
      hr: s * (TARGET.hr - b.hr) - FEVER_HR_PER_DEGREE * fever,
      rr: s * (TARGET.rr - b.rr) - FEVER_RR_PER_DEGREE * fever,
      sbp: s * (TARGET.sbp - b.sbp),
      dbp: s * (TARGET.sbp - b.sbp) * 0.6,
      spo2: s * (TARGET.spo2 - b.spo2),
    };
  },
  extraMeasurements(ctx, kind, from, to) {
    if (kind !== 'bp_cuff') return [];
    const first = ctx.onset + ctx.over / 3; // about when the fever passes 38 °C
    const end = ctx.onset + ctx.over * 2; // and for a while after the deadline
    return gridTimes(first, EXTRA_BP_EVERY, from, Math.min(to, end));
  },
};
