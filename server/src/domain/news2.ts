/**
 * NEWS2, the National Early Warning Score 2 of the Royal College of Physicians (2017).
 *
 * Source: Royal College of Physicians. National Early Warning Score (NEWS) 2: Standardising the
 * assessment of acute-illness severity in the NHS. Updated report of a working party. London:
 * RCP, 2017 (https://www.rcplondon.ac.uk/projects/outputs/national-early-warning-score-news-2):
 * - Chart 1 "The NEWS scoring system", read from the RCP chart as reproduced at
 *   https://scribd.com/document/584338409/NEWS2-Chart-1-The-NEWS-scoring-system-0-0
 * - Chart 4 "Clinical response to the NEWS trigger thresholds", reproduced at
 *   https://scribd.com/document/538260233/NEWS2-Chart-4-Clinical-Response-to-NEWS-Trigger-Thresholds-0
 * Cross-checked, band by band, against independent write-ups that agree with it:
 * - Thorax (BMJ), Table 1 "National Early Warning Score 2 (NEWS2) with risk score for oxygen
 *   saturations alone shown for scale 1 (normocapnic patients) and for scale 2 (hypercapnic
 *   patients)", https://thorax.bmj.com/highwire/markup/192780/expansion
 * - "NEWS2 Score Calculator", https://tools.gera.services/news2-score (every band of every row)
 * - Clinical Medicine (RCP journals), Table 1 "Definitions relating to the National Early
 *   Warning Score 2", https://www.rcpjournals.org/highwire/markup/14242/expansion (cut points:
 *   5 or more; less than 5 with a single 3; 7 or more)
 * - R package cliot, "news2_score: National Early Warning Score 2 (NEWS2)",
 *   https://www.rdocumentation.org/packages/cliot/versions/1.0.0/topics/news2_score
 *   (risk classes Low, Low-Medium, Medium, High)
 *
 * Decimals. The chart prints closed bands at its recording resolution (whole numbers; 0.1 °C),
 * which leave gaps for device values such as RR 20.5, SpO2 91.5 or 36.05 °C. We do not round:
 * a value inside a printed band scores that band, and a value strictly between two printed
 * bands scores the higher of the two. A reading within one recording step of a boundary is so
 * never under-scored (an early warning score exists to not miss deterioration), and every
 * value the chart prints scores exactly as printed. As half-open intervals, e.g. temperature:
 * < 35.1 → 3, [35.1, 36.1) → 1, [36.1, 38.0] → 0, (38.0, 39.0] → 1, > 39.0 → 2.
 *
 * o2 and acvpu are flags: 0 is air / alert; anything above 0 (up to 1) is oxygen / new
 * confusion, V, P or U, so a rollup average where part of the period was on oxygen counts as
 * oxygen. A missing o2 is treated as air for SpO2 scale 2 (on air every SpO2 ≥ 88 scores 0)
 * and is listed in `missing`, so the score is marked partial rather than guessed upwards.
 */

export type News2Parameter = 'rr' | 'spo2' | 'o2' | 'sbp' | 'hr' | 'acvpu' | 'temp';
export type News2Risk = 'low' | 'low-medium' | 'medium' | 'high';
export type Spo2Scale = 1 | 2;

export interface News2Result {
  score: number;
  risk: News2Risk;
  components: Partial<Record<News2Parameter, number>>;
  missing: News2Parameter[];
}

export interface News2Context {
  spo2Scale: Spo2Scale;
  onOxygen: boolean;
}

/** Chart order; `missing` follows it. */
export const NEWS2_PARAMETERS: readonly News2Parameter[] = ['rr', 'spo2', 'o2', 'sbp', 'hr', 'acvpu', 'temp'];

/** A band as the chart prints it, both ends inclusive. */
interface Band {
  readonly min: number;
  readonly max: number;
  readonly points: number;
}

const band = (min: number, max: number, points: number): Band => ({ min, max, points });
const LOW = -Infinity;
const HIGH = Infinity;

// Chart 1, row by row, lowest values first.
const RESPIRATION_RATE = [band(LOW, 8, 3), band(9, 11, 1), band(12, 20, 0), band(21, 24, 2), band(25, HIGH, 3)];
const SPO2_SCALE_1 = [band(LOW, 91, 3), band(92, 93, 2), band(94, 95, 1), band(96, HIGH, 0)];
const SPO2_SCALE_2_BELOW_TARGET = [band(LOW, 83, 3), band(84, 85, 2), band(86, 87, 1), band(88, 92, 0)];
const SPO2_SCALE_2_ON_AIR = [...SPO2_SCALE_2_BELOW_TARGET, band(93, HIGH, 0)];
const SPO2_SCALE_2_ON_OXYGEN = [...SPO2_SCALE_2_BELOW_TARGET, band(93, 94, 1), band(95, 96, 2), band(97, HIGH, 3)];
const SYSTOLIC_BP = [band(LOW, 90, 3), band(91, 100, 2), band(101, 110, 1), band(111, 219, 0), band(220, HIGH, 3)];
const PULSE = [band(LOW, 40, 3), band(41, 50, 1), band(51, 90, 0), band(91, 110, 1), band(111, 130, 2), band(131, HIGH, 3)];
const TEMPERATURE = [band(LOW, 35.0, 3), band(35.1, 36.0, 1), band(36.1, 38.0, 0), band(38.1, 39.0, 1), band(39.1, HIGH, 2)];
const OXYGEN_POINTS = 2;
const NOT_ALERT_POINTS = 3;

/** Bands are in ascending order, the first open below and the last open above. */
function bandPoints(bands: readonly Band[], value: number): number {
  for (let i = 0; i < bands.length; i++) {
    const current = bands[i];
    if (value <= current.max) {
      if (value >= current.min) return current.points;
      return Math.max(current.points, bands[i - 1].points); // between two printed bands
    }
  }
  throw new Error('unreachable: the last band is open above');
}

function flag(parameter: 'o2' | 'acvpu', value: number): boolean {
  if (value < 0 || value > 1) throw new RangeError(`NEWS2 ${parameter} must be between 0 and 1, got ${value}`);
  return value > 0;
}

function spo2Bands({ spo2Scale, onOxygen }: News2Context): readonly Band[] {
  if (spo2Scale === 1) return SPO2_SCALE_1;
  return onOxygen ? SPO2_SCALE_2_ON_OXYGEN : SPO2_SCALE_2_ON_AIR;
}

/** Points (0–3) for one parameter. Throws RangeError for a value that is not a finite number. */
export function news2Component(parameter: News2Parameter, value: number, context: News2Context): number {
  if (!Number.isFinite(value)) throw new RangeError(`NEWS2 ${parameter} must be a finite number, got ${value}`);
  switch (parameter) {
    case 'rr':
      return bandPoints(RESPIRATION_RATE, value);
    case 'spo2':
      return bandPoints(spo2Bands(context), value);
    case 'o2':
      return flag('o2', value) ? OXYGEN_POINTS : 0;
    case 'sbp':
      return bandPoints(SYSTOLIC_BP, value);
    case 'hr':
      return bandPoints(PULSE, value);
    case 'acvpu':
      return flag('acvpu', value) ? NOT_ALERT_POINTS : 0;
    case 'temp':
      return bandPoints(TEMPERATURE, value);
  }
}

/** RCP thresholds and triggers: 7+ high, 5–6 medium, otherwise a 3 in any one parameter low–medium. */
function news2Risk(score: number, components: Partial<Record<News2Parameter, number>>): News2Risk {
  if (score >= 7) return 'high';
  if (score >= 5) return 'medium';
  if (Object.values(components).some((points) => points === 3)) return 'low-medium';
  return 'low';
}

/**
 * Scores the parameters present in `values` (other keys are ignored); absent ones are listed
 * in `missing` and add nothing, so a result with anything missing is a partial score.
 */
export function scoreNews2(values: Partial<Record<News2Parameter, number>>, spo2Scale: Spo2Scale): News2Result {
  const o2 = values.o2;
  const context: News2Context = { spo2Scale, onOxygen: o2 !== undefined && o2 !== null && flag('o2', o2) };
  const components: Partial<Record<News2Parameter, number>> = {};
  const missing: News2Parameter[] = [];
  let score = 0;
  for (const parameter of NEWS2_PARAMETERS) {
    const value = values[parameter];
    if (value === undefined || value === null) {
      missing.push(parameter);
      continue;
    }
    const points = news2Component(parameter, value, context);
    components[parameter] = points;
    score += points;
  }
  return { score, risk: news2Risk(score, components), components, missing };
}

const ALERT_PRIORITY: Record<News2Risk, 'high' | 'medium' | 'low' | null> = {
  high: 'high',
  medium: 'medium',
  'low-medium': 'low',
  low: null,
};

/** The alert a NEWS2 result raises (docs/architecture.md "Alerts", IEC 60601-1-8 priorities), or null. */
export function news2AlertPriority(result: News2Result): 'high' | 'medium' | 'low' | null {
  return ALERT_PRIORITY[result.risk];
}
