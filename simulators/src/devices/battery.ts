import type { DeviceKind } from '@vigil/server/domain/device-kinds.js';
import { DAY } from '../clock.js';
import { uniformAt } from '../random.js';

/**
 * Battery levels. Rechargeable wearables (oximeter, wristband, fall pendant) drain over days
 * and are put on the charger at 20 %; coin-cell sensors last months; the oxygen concentrator
 * runs on mains. Each device starts somewhere between half and full.
 */
const LIFETIME_DAYS: Record<DeviceKind, number> = {
  pulse_oximeter: 2,
  wearable: 5,
  fall_detector: 14,
  bp_cuff: 120,
  thermometer: 365,
  scale: 365,
  glucometer: 180,
  oxygen_concentrator: Infinity,
  bed_sensor: 365,
  door_sensor: 365,
  medication_dispenser: 60,
  alarm_button: 730,
};

const RECHARGEABLE = new Set<DeviceKind>(['pulse_oximeter', 'wearable', 'fall_detector']);
const RECHARGE_AT = 20;

export function batteryLevel(kind: DeviceKind, deviceId: string, seed: number, start: number, t: number): number {
  const lifetime = LIFETIME_DAYS[kind];
  if (lifetime === Infinity) return 100;
  const initial = 50 + 50 * uniformAt(seed, deviceId, 'battery');
  const used = (100 * Math.max(0, t - start)) / (lifetime * DAY);
  if (!RECHARGEABLE.has(kind)) return Math.max(1, initial - used);
  // Sawtooth: drain to RECHARGE_AT, charged back to 100, drain again.
  const span = 100 - RECHARGE_AT;
  const below = 100 - initial + used; // charge used since "full"
  return 100 - (below % span);
}
