import { SimClock } from '../../simulators/src/clock.js';
import type { DeviceModel } from '../../simulators/src/devices/model.js';
import { WardStats } from '../../simulators/src/status/stats.js';
import { planWard } from '../../simulators/src/ward/plan.js';
import { WardRunner } from '../../simulators/src/ward/ward-runner.js';
import type { TcpProxy } from './tcp-proxy.js';
import { sleep, waitFor } from './wait.js';

const SPEED = 10;

export interface Outage {
  model: DeviceModel;
  stats: WardStats;
  /** Simulated times of the cut and of the restored network. */
  cutAt: number;
  restoredAt: number;
  /** Samples sent but not yet acknowledged when the network went. */
  inFlightAtCut: number;
  /** Samples the device had buffered when the network came back. */
  bufferedAtRestore: number;
  /** Whether the device knew it was offline before the network came back. */
  offlineDuringCut: boolean;
}

/**
 * One simulated pulse oximeter (stable patient) playing at 10× through `proxy`: 10 simulated
 * seconds online, the network cut for `outageMs` simulated, restored, the backfill drained,
 * 5 seconds more, then a clean stop once everything it sent is acknowledged.
 */
export async function playOutage(device: { id: string; secret: string; patientId: string }, proxy: TcpProxy, outageMs = 30_000): Promise<Outage> {
  const start = Date.now() - 10 * 60_000; // in the past, so the clock may run faster than the real one
  const clock = new SimClock({ start, speed: SPEED });
  const plan = planWard(
    [{ id: device.patientId, name: 'Outage', spo2Scale: 1, devices: [{ id: device.id, kind: 'pulse_oximeter', secret: device.secret }] }],
    ['stable'],
    { seed: 5, start, utcOffsetMinutes: 60 },
  );
  const stats = new WardStats();
  const runner = new WardRunner(plan, { brokerUrl: `mqtt://127.0.0.1:${proxy.port}`, clock, stats, seed: 5, tickMs: 50 });
  runner.start();
  try {
    await waitFor(() => stats.connected === 1, Boolean, 10_000, 'first connection');
    await sleep(10_000 / SPEED);
    const inFlightAtCut = stats.inFlight;
    const cutAt = clock.now();
    proxy.cut();
    await sleep(outageMs / SPEED);
    const restoredAt = clock.now();
    const offlineDuringCut = !runner.devices[0].isOnline;
    const bufferedAtRestore = stats.buffered;
    proxy.restore();
    await waitFor(() => stats.connected === 1 && stats.buffered === 0, Boolean, 20_000, 'reconnection and backfill');
    await sleep(5_000 / SPEED);
    await runner.stop();
    await waitFor(() => stats.acked + stats.failed === stats.sent, Boolean, 10_000, 'every message acknowledged');
    return { model: plan[0].devices[0].model, stats, cutAt, restoredAt, inFlightAtCut, bufferedAtRestore, offlineDuringCut };
  } finally {
    await runner.stop();
  }
}

/** The instants of the samples `model` measured from the start of its run up to `last`. */
export function measuredUpTo(model: DeviceModel, last: number): number[] {
  return model
    .outputs(model.start, last)
    .filter((o) => o.type === 'sample')
    .map((o) => o.t); // outputs() is in time order
}
