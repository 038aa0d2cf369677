/**
 * The vitals a clinician sees, in the order of the NEWS2 chart (RCP 2017): respiration,
 * SpO2, blood pressure, pulse, temperature; then the home-telemedicine measurements.
 * Codes are the metric catalogue's (docs/architecture.md).
 */
export const VITALS = ['rr', 'spo2', 'sbp', 'dbp', 'hr', 'temp', 'weight', 'glucose'] as const;
export type Vital = (typeof VITALS)[number];

/** Flags scored by NEWS2 that are shown as words, not charted. */
export const FLAGS = ['o2', 'acvpu'] as const;

/** The vitals shown on a tile (the sparkline shows the first one with data). */
export const TILE_VITALS = ['rr', 'spo2', 'sbp', 'hr', 'temp'] as const;

/** Decimal places a value is shown with. */
export function decimalsOf(metric: string): number {
  return metric === 'temp' || metric === 'glucose' || metric === 'weight' ? 1 : 0;
}
