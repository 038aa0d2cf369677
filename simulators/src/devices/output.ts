import type { DeviceKind } from '@vigil/server/domain/device-kinds.js';
import type { EventType } from '@vigil/server/domain/protocol.js';

/** What a simulated device does at an instant, before it becomes an MQTT message. */
export type DeviceOutput =
  | { type: 'sample'; t: number; m: Record<string, number> }
  | { type: 'event'; t: number; event: EventType; data?: Record<string, unknown> }
  /** A payload that is not a valid protocol message (noisy-sensor). */
  | { type: 'malformed'; t: number; payload: string }
  /** The battery crossed a 5 % step: the device republishes its status. */
  | { type: 'battery'; t: number; level: number }
  /** The battery is empty: the device drops off without a goodbye (its Last Will fires). */
  | { type: 'power-off'; t: number };

export interface SimDevice {
  id: string;
  kind: DeviceKind;
}

export const byTime = (a: { t: number }, b: { t: number }) => a.t - b.t;
