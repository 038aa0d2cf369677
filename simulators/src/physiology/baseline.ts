import { type Rng, truncatedNormal } from '../random.js';

/**
 * A virtual patient's resting values, drawn once per patient from plausible distributions for
 * the older adults followed at home. Everything else (circadian rhythm, wander, illness) is a
 * change relative to these.
 *
 * Sources for the centres and spreads:
 * - SpO2: BTS guideline for oxygen use in adults (O'Driscoll et al., Thorax 2017;72:i1–i90),
 *   section 6 on normal values: mean SpO2 ≈ 96–97 % over 65, lower in the recumbent elderly;
 *   for COPD at risk of hypercapnia the target range is 88–92 % (BTS 2017, table 3).
 * - heart rate: resting 60–100/min, lower during sleep (Speed et al., "Measure by measure:
 *   resting heart rate across the 24-hour cycle", PLOS Digit Health 2023).
 * - temperature: 36.5–37.2 °C orally by day.
 * - blood pressure: treated older adults around 130–140/75–85 mmHg.
 *
 * The ranges are truncated on purpose: a `stable` patient must score NEWS2 ≤ 2 whatever its
 * noise does (issue 4, and scenarios/stable.spec.ts checks it), so the resting values keep a
 * margin from the NEWS2 band edges that circadian swing + wander + measurement noise cannot
 * cross. The margins are documented next to each draw.
 */
/** The body's measurable values, by their metric codes (server/src/domain/metric-catalogue.ts). */
export type BodyValue = 'hr' | 'rr' | 'spo2' | 'temp' | 'sbp' | 'dbp' | 'weight' | 'glucose';

export type Baseline = Record<BodyValue, number>;

export interface BaselineProfile {
  /** Chronic hypercapnic lung disease: NEWS2 SpO2 scale 2, lower SpO2, faster breathing. */
  copd: boolean;
  /** Treated diabetes: higher pre-meal glucose. */
  diabetic: boolean;
}

export function drawBaseline(rng: Rng, profile: BaselineProfile): Baseline {
  // hr 63–81: night dip −5, wander −3, noise −3 keeps ≥ 52 (NEWS2 0 from 51); by day the
  // worst case (81 + 5 + 3 + activity 8 + noise 3 + a motion artefact) stays ≤ 110 (1 point).
  const hr = truncatedNormal(rng, 72, 5, 1.8);
  // rr 14–18 (copd 15–17.5): ± 0.8 circadian, ± 0.5 wander, ± 1 noise → within 12–20 (0 points).
  const rr = profile.copd ? truncatedNormal(rng, 16.25, 0.7, 1.8) : truncatedNormal(rng, 16, 1.1, 1.8);
  // spo2 96.8–98.6 on scale 1; rhythm ± 0.3, wander ± 0.3 and noise ± 1 keep it ≥ 95 (at most
  // 1 point). copd 89.6–91.4 on scale 2: the same ± 1.6 keeps it within 88–93 (0 points on air).
  const spo2 = profile.copd ? truncatedNormal(rng, 90.5, 0.5, 1.8) : truncatedNormal(rng, 97.7, 0.5, 1.8);
  // temp 36.6–37.1: circadian ± 0.25, wander ± 0.05, noise ± 0.16 → within 36.1–38.0 (0 points).
  const temp = truncatedNormal(rng, 36.85, 0.14, 1.8);
  // sbp 126–150: ± 6 circadian, ± 3 wander, ± 6 noise → ≥ 111 (0 points).
  const sbp = truncatedNormal(rng, 138, 6.5, 1.8);
  const dbp = truncatedNormal(rng, sbp * 0.58, 4, 1.8);
  const weight = truncatedNormal(rng, 76, 12, 2);
  // Pre-meal glucose: 5–6 non-diabetic, 6.5–9 treated diabetes (never near 3.9, the level 1 alert).
  const glucose = profile.diabetic ? truncatedNormal(rng, 7.6, 0.7, 1.8) : truncatedNormal(rng, 5.4, 0.3, 1.8);
  return { hr, rr, spo2, temp, sbp, dbp, weight, glucose };
}
