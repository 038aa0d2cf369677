import { LatencyHistogram } from './latency-histogram.js';

/** Counters the status line and the final summary read; devices write them. */
export class WardStats {
  devices = 0;
  connected = 0;
  /** Samples handed to MQTT (live and backfill), malformed payloads included. */
  sent = 0;
  /** Samples whose message the broker acknowledged (PUBACK). */
  acked = 0;
  /** Samples whose message was abandoned (the device powered off or stopped first). */
  failed = 0;
  events = 0;
  /** Successful connections after a device's first. */
  reconnects = 0;
  /** Devices powered off for good (battery-drain). */
  off = 0;
  private latencies = new LatencyHistogram();
  private readonly refusals = new Map<string, string>();
  private readonly buffers = new Set<{ readonly size: number }>();

  get inFlight(): number {
    return this.sent - this.acked - this.failed;
  }

  /** Samples waiting in the devices' offline buffers now. */
  get buffered(): number {
    let n = 0;
    for (const buffer of this.buffers) n += buffer.size;
    return n;
  }

  /** Devices whose last connection attempt the broker refused, with the reason. */
  get refused(): ReadonlyMap<string, string> {
    return this.refusals;
  }

  watchBuffer(buffer: { readonly size: number }): void {
    this.buffers.add(buffer);
  }

  recordAck(samples: number, latencyMs: number): void {
    this.acked += samples;
    this.latencies.record(latencyMs);
  }

  recordRefusal(deviceId: string, reason: string | undefined): void {
    if (reason === undefined) this.refusals.delete(deviceId);
    else this.refusals.set(deviceId, reason);
  }

  /** Ack latencies (ms, one per message) since the last call. */
  takeLatencies(): LatencyHistogram {
    const taken = this.latencies;
    this.latencies = new LatencyHistogram();
    return taken;
  }
}
