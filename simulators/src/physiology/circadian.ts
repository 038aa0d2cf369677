import { localHour } from '../clock.js';
import type { Baseline } from './baseline.js';

/**
 * Day/night rhythm as offsets from the resting values, at the patient's local time.
 * - Core temperature peaks in the late afternoon and bottoms out around 04:00–06:00, about
 *   0.5 °C peak to trough.
 * - Blood pressure falls during sleep by about 11/8 mmHg in ambulatory adults (Morris et al.,
 *   "Day/night variability in blood pressure", Am J Hypertens 2013;26:822–828).
 * - Heart rate is lowest during sleep and highest in the afternoon (Speed et al., PLOS Digit
 *   Health 2023); respiration follows with a smaller swing; SpO2 dips slightly in sleep.
 */
export type CircadianOffsets = Pick<Baseline, 'hr' | 'rr' | 'spo2' | 'temp' | 'sbp' | 'dbp'>;

const wave = (hour: number, peakHour: number) => Math.cos((2 * Math.PI * (hour - peakHour)) / 24);

export function circadian(t: number, utcOffsetMinutes: number): CircadianOffsets {
  const h = localHour(t, utcOffsetMinutes);
  const day = wave(h, 15); // +1 at 15:00, −1 at 03:00
  return {
    hr: 5 * day,
    rr: 0.8 * day,
    spo2: 0.3 * day,
    temp: 0.25 * wave(h, 17),
    sbp: 6 * day,
    dbp: 4 * day,
  };
}

/** Awake and up: 07:00–22:00 local. */
export function isDaytime(t: number, utcOffsetMinutes: number): boolean {
  const h = localHour(t, utcOffsetMinutes);
  return h >= 7 && h < 22;
}
