import { METRICS, METRIC_CODES, type MetricCode } from '@vigil/server/domain/metric-catalogue.js';
import type { Sample } from '@vigil/server/domain/protocol.js';

/**
 * What the load generator sends: protocol v1 samples with plausible values of the first
 * `metricsPerSample` catalogue metrics, each device's times strictly increasing so no sample
 * is a duplicate of another. Pure, so the spec checks it against the server's validation.
 */
export function loadMetrics(metricsPerSample: number): MetricCode[] {
  if (!Number.isInteger(metricsPerSample) || metricsPerSample < 1 || metricsPerSample > METRIC_CODES.length) {
    throw new RangeError(`metricsPerSample must be 1 to ${METRIC_CODES.length}`);
  }
  return METRIC_CODES.slice(0, metricsPerSample);
}

/** `count` samples from time `firstT` (epoch ms), 1 ms apart, values inside each metric's range. */
export function loadSamples(metrics: readonly MetricCode[], firstT: number, count: number, seed: number): Sample[] {
  const samples: Sample[] = [];
  for (let i = 0; i < count; i++) {
    const m: Record<string, number> = {};
    for (const code of metrics) {
      const [min, max] = METRICS[code].range;
      // A value that moves with the sample but stays in range (mid-range ± a quarter).
      const wave = ((seed + i) % 21) / 20 - 0.5;
      m[code] = Math.round((min + (max - min) * (0.5 + wave / 2)) * 10) / 10;
    }
    samples.push({ t: firstT + i, m });
  }
  return samples;
}

/** Samples a device should have sent by `elapsedMs` at `ratePerDevice` samples per second. */
export function samplesDue(elapsedMs: number, ratePerDevice: number): number {
  return Math.floor((elapsedMs * ratePerDevice) / 1000);
}
