import { DEVICE_KINDS } from '@vigil/server/domain/device-kinds.js';
import type { PatientWorld } from '../scenarios/world.js';
import { batteryLevel } from './battery.js';
import { byTime, type DeviceOutput, type SimDevice } from './output.js';
import { readingOutputs } from './readings.js';
import { eventOutputs } from './routines.js';
import { changes } from './schedule.js';

const BATTERY_STEP = 5;

/**
 * One device of one patient, as pure functions of simulated time: what it does in any window,
 * and its battery. The MQTT side (device-runner.ts) asks it window by window.
 */
export class DeviceModel {
  constructor(
    readonly world: PatientWorld,
    readonly device: SimDevice,
    /** Simulated start of the run. */
    readonly start: number,
  ) {}

  /** Battery percentage at t (whole numbers, as devices report it). */
  battery(t: number): number {
    const level = this.world.batteryOverride(this.device.kind, t) ?? batteryLevel(this.device.kind, this.device.id, this.world.patient.seed, this.start, t);
    return Math.max(0, Math.round(level));
  }

  isOff(t: number): boolean {
    return this.battery(t) === 0;
  }

  /** Everything the device does in (from, to], in time order, up to the moment it powers off. */
  outputs(from: number, to: number): DeviceOutput[] {
    if (this.isOff(from)) return [];
    const offAt = this.isOff(to) ? changes((t) => this.isOff(t), from, to)[0] : undefined;
    const until = offAt ?? to;
    const kind = DEVICE_KINDS[this.device.kind];
    const ctx = { world: this.world, device: this.device, start: this.start };
    const out = [...(kind.metrics.length ? readingOutputs(ctx, from, until) : []), ...eventOutputs(ctx, from, until)];
    for (const t of changes((at) => Math.floor(this.battery(at) / BATTERY_STEP), from, until)) {
      out.push({ type: 'battery', t, level: this.battery(t) });
    }
    if (offAt !== undefined) out.push({ type: 'power-off', t: offAt });
    return out.sort(byTime);
  }
}
