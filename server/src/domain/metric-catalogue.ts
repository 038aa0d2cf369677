/**
 * The metric catalogue of device protocol v1 (docs/architecture.md, "Device protocol v1").
 *
 * This is a published contract: devices, simulators and outside tools rely on these codes,
 * units and ranges. Add metrics; never rename a code, change a unit or narrow a range within v1.
 *
 * Codes and units were checked against FHIR R4 (v4.0.1):
 * - the vital signs profile, hl7.org/fhir/R4/observation-vitalsigns.html, and its value set
 *   hl7.org/fhir/R4/valueset-observation-vitalsignresult.html (9279-1, 8867-4, 2708-6, 8310-5,
 *   29463-7, and the blood pressure panel 85354-9 with components 8480-6 / 8462-4);
 * - the per-sign profiles hl7.org/fhir/R4/heartrate.html (UCUM '/min'), bp.html (mm[Hg]),
 *   bodytemp.html with valueset-ucum-bodytemp.html (Cel), oxygensat.html (%).
 * SpO2: 59408-5 ("Oxygen saturation in Arterial blood by Pulse oximetry") is the precise code
 * for what a home pulse oximeter measures and is listed first; the R4 oxygensat profile fixes
 * 2708-6 as the coding every SpO2 Observation must carry and allows 59408-5 beside it, so a
 * FHIR export must emit both.
 * Glucose 15074-8 ("Glucose [Moles/volume] in Blood", mmol/L) is not a FHIR vital sign; it is
 * the LOINC code used for blood glucose in the R4 examples (observation-example-f001-glucose).
 * o2 and acvpu are flags (UCUM unity '1') with no LOINC code; they exist to score NEWS2.
 */

export interface MetricDefinition {
  readonly meaning: string;
  /** UCUM code, case-sensitive. */
  readonly unit: string;
  /** LOINC codes, the primary first; null where no LOINC code applies. */
  readonly loinc: readonly [string, ...string[]] | null;
  /** LOINC panel the observation is a component of in FHIR, if any. */
  readonly panel: string | null;
  /** Plausible values, both ends inclusive; anything outside is rejected at ingest. */
  readonly range: readonly [min: number, max: number];
}

export const METRICS = {
  hr: { meaning: 'heart rate', unit: '/min', loinc: ['8867-4'], panel: null, range: [20, 300] },
  spo2: {
    meaning: 'oxygen saturation (pulse oximetry)',
    unit: '%',
    loinc: ['59408-5', '2708-6'],
    panel: null,
    range: [50, 100],
  },
  rr: { meaning: 'respiratory rate', unit: '/min', loinc: ['9279-1'], panel: null, range: [2, 80] },
  temp: { meaning: 'body temperature', unit: 'Cel', loinc: ['8310-5'], panel: null, range: [30, 45] },
  sbp: {
    meaning: 'systolic blood pressure',
    unit: 'mm[Hg]',
    loinc: ['8480-6'],
    panel: '85354-9',
    range: [40, 300],
  },
  dbp: {
    meaning: 'diastolic blood pressure',
    unit: 'mm[Hg]',
    loinc: ['8462-4'],
    panel: '85354-9',
    range: [20, 200],
  },
  weight: { meaning: 'body weight', unit: 'kg', loinc: ['29463-7'], panel: null, range: [1, 500] },
  glucose: { meaning: 'blood glucose', unit: 'mmol/L', loinc: ['15074-8'], panel: null, range: [0.5, 50] },
  o2: { meaning: 'on supplemental oxygen (0 air, 1 oxygen)', unit: '1', loinc: null, panel: null, range: [0, 1] },
  acvpu: {
    meaning: 'consciousness (0 alert, 1 new confusion/V/P/U)',
    unit: '1',
    loinc: null,
    panel: null,
    range: [0, 1],
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricCode = keyof typeof METRICS;

export const METRIC_CODES = Object.keys(METRICS) as readonly MetricCode[];

export function isMetricCode(x: unknown): x is MetricCode {
  return typeof x === 'string' && Object.hasOwn(METRICS, x);
}
