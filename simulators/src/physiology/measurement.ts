import type { MetricCode } from '@vigil/server/domain/metric-catalogue.js';
import { rngFor, truncatedNormal } from '../random.js';

/**
 * What a home device adds when it measures: noise of its own, and the resolution it displays.
 * Spreads are typical of consumer devices: oximeters ±2 % SpO2 (ISO 80601-2-61 accuracy is an
 * RMS of ≤ 4 %, good devices do better at rest), BP cuffs a few mmHg, clinical thermometers
 * ±0.1 °C, glucometers ±15 % for 95 % of readings (ISO 15197:2013).
 */
interface Precision {
  sd: number;
  /** Noise is clipped at ± limit · sd (see truncatedNormal). */
  limit: number;
  decimals: number;
  /** A relative spread (glucometers) instead of an absolute one. */
  relative?: boolean;
  max?: number;
}

const PRECISION: Record<MetricCode, Precision> = {
  hr: { sd: 1.5, limit: 2, decimals: 0 },
  spo2: { sd: 0.5, limit: 2, decimals: 0, max: 100 },
  rr: { sd: 0.5, limit: 2, decimals: 0 },
  temp: { sd: 0.08, limit: 2, decimals: 1 },
  sbp: { sd: 3, limit: 2, decimals: 0 },
  dbp: { sd: 2.5, limit: 2, decimals: 0 },
  weight: { sd: 0.1, limit: 2, decimals: 1 },
  glucose: { sd: 0.05, limit: 2, decimals: 1, relative: true },
  o2: { sd: 0, limit: 0, decimals: 0 },
  acvpu: { sd: 0, limit: 0, decimals: 0 },
};

/**
 * The value a device reports for `metric` when the body's value is `value`. The noise is a
 * pure function of the key (patient, device, instant), so a run with the same seed repeats.
 */
export function measure(metric: MetricCode, value: number, ...key: ReadonlyArray<string | number>): number {
  const p = PRECISION[metric];
  const sd = p.relative ? p.sd * value : p.sd;
  const noisy = sd > 0 ? truncatedNormal(rngFor(...key, metric), value, sd, p.limit) : value;
  const factor = 10 ** p.decimals;
  const rounded = Math.round(noisy * factor) / factor;
  return p.max === undefined ? rounded : Math.min(p.max, rounded);
}
