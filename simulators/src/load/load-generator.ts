import { topicFor } from '@vigil/server/domain/protocol.js';
import type { MqttClient } from 'mqtt';
import { connectDevice } from '../devices/mqtt-link.js';
import { LatencyHistogram } from '../status/latency-histogram.js';
import { loadMetrics, loadSamples, samplesDue } from './load-messages.js';

export interface LoadOptions {
  brokerUrl: string;
  devices: Array<{ id: string; secret: string }>;
  /** Samples per second per device. */
  ratePerDevice: number;
  /** Metrics in each sample (the first N of the catalogue): points = samples × metricsPerSample. */
  metricsPerSample: number;
  /** Samples per message; default 1, more sends backfill arrays. Keep messages under 64 KiB. */
  samplesPerMessage?: number;
  /** Stop offering after this long ... */
  durationMs?: number;
  /** ... or after this many samples in all, whichever comes first (one of the two is required). */
  totalSamples?: number;
  qos?: 0 | 1;
  /** A device waits while this many of its messages are unacknowledged (default 1000), so the generator's memory stays bounded at saturation. */
  maxInFlightPerDevice?: number;
  /** After offering stops, how long to wait for outstanding acknowledgements (default 30 s). */
  drainMs?: number;
}

/** Counts in samples. */
export interface LoadSnapshot {
  elapsedMs: number;
  /** Samples the schedule called for so far. */
  offered: number;
  /** Samples published. */
  sent: number;
  /** Samples whose message was acknowledged (PUBACK; with QoS 0, when written). */
  acknowledged: number;
  /** Samples published and not yet acknowledged. */
  inFlight: number;
  connected: number;
  reconnects: number;
}

export interface LoadReport extends LoadSnapshot {
  /** Samples per second the schedule offered, over the offering period. */
  offeredRate: number;
  /** Samples acknowledged per second, from start to the last acknowledgement. */
  ackRate: number;
  /** Points acknowledged (samples × metricsPerSample). */
  points: number;
  /** Per message, publish → PUBACK. */
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Samples whose publish failed. */
  errors: number;
}

const TICK_MS = 5;
const PROGRESS_MS = 1000;

interface DeviceState {
  id: string;
  client: MqttClient;
  /** Samples taken from the schedule (sent or skipped for backpressure: never more than due). */
  scheduled: number;
  lastT: number;
  inFlightMessages: number;
}

/**
 * A QoS 1 load test against a broker with device credentials (username = device id, password =
 * secret), sending protocol v1 readings at a fixed rate per device and measuring each
 * message's publish → PUBACK time. With Vigil's ingest the PUBACK comes after the commit, so
 * this is publish → commit → acknowledgement. Counts are exact.
 */
export async function runLoad(options: LoadOptions, onProgress?: (snapshot: LoadSnapshot) => void): Promise<LoadReport> {
  if (options.durationMs === undefined && options.totalSamples === undefined) throw new RangeError('give durationMs or totalSamples');
  if (!(options.ratePerDevice > 0)) throw new RangeError('ratePerDevice must be positive');
  const metrics = loadMetrics(options.metricsPerSample);
  const perMessage = Math.max(1, Math.floor(options.samplesPerMessage ?? 1));
  const qos = options.qos ?? 1;
  const maxInFlight = options.maxInFlightPerDevice ?? 1000;
  const latency = new LatencyHistogram();
  const totals = { offered: 0, sent: 0, acknowledged: 0, errors: 0, reconnects: 0 };
  let lastAckAt = 0;

  const devices: DeviceState[] = await Promise.all(
    options.devices.map(async (device) => ({
      id: device.id,
      client: await connect(options.brokerUrl, device, () => totals.reconnects++),
      scheduled: 0,
      lastT: 0,
      inFlightMessages: 0,
    })),
  );

  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const limit = options.totalSamples ?? Number.POSITIVE_INFINITY;
  // totalSamples split exactly: the first (limit mod n) devices take one more.
  const share = (index: number) => (Number.isFinite(limit) ? Math.floor(limit / devices.length) + (index < limit % devices.length ? 1 : 0) : limit);
  const snapshot = (): LoadSnapshot => ({
    elapsedMs: Math.round(elapsed()),
    offered: totals.offered,
    sent: totals.sent,
    acknowledged: totals.acknowledged,
    inFlight: totals.sent - totals.acknowledged - totals.errors,
    connected: devices.filter((d) => d.client.connected).length,
    reconnects: totals.reconnects,
  });

  const send = (device: DeviceState, count: number) => {
    const firstT = Math.max(Date.now(), device.lastT + 1);
    device.lastT = firstT + count - 1;
    const samples = loadSamples(metrics, firstT, count, device.scheduled);
    const body = JSON.stringify(perMessage === 1 ? samples[0] : samples);
    const at = performance.now();
    device.inFlightMessages++;
    totals.sent += count;
    device.client.publish(topicFor(device.id, 'readings'), body, { qos }, (error) => {
      device.inFlightMessages--;
      if (error) {
        totals.errors += count;
        return;
      }
      const now = performance.now();
      latency.record(now - at);
      totals.acknowledged += count;
      lastAckAt = now;
    });
  };

  const progress = onProgress ? setInterval(() => onProgress(snapshot()), PROGRESS_MS) : undefined;
  // Devices start their schedules evenly spread over one sample interval, not in lockstep.
  const phase = (index: number) => (index / devices.length) * (1000 / options.ratePerDevice);
  let offeredFor = 0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const ms = elapsed();
      if ((options.durationMs !== undefined && ms >= options.durationMs) || totals.offered >= limit) {
        offeredFor = Math.min(ms, options.durationMs ?? ms);
        clearInterval(tick);
        return resolve();
      }
      devices.forEach((device, index) => {
        const cap = share(index);
        const due = Math.min(samplesDue(ms + phase(index), options.ratePerDevice), cap);
        // A device behind by a whole message (or with its last, partial one due) sends it.
        while (due - device.scheduled >= perMessage || (due === cap && device.scheduled < due)) {
          const count = Math.min(perMessage, due - device.scheduled);
          device.scheduled += count;
          totals.offered += count;
          if (device.inFlightMessages < maxInFlight && device.client.connected) send(device, count);
        }
      });
    }, TICK_MS);
  });

  // Offering is over: wait for what is in flight.
  const drainUntil = performance.now() + (options.drainMs ?? 30_000);
  while (totals.acknowledged + totals.errors < totals.sent && performance.now() < drainUntil) {
    await new Promise((r) => setTimeout(r, 20));
  }
  clearInterval(progress);
  await Promise.all(devices.map((d) => d.client.endAsync(true)));

  const final = snapshot();
  const ackSeconds = Math.max(lastAckAt - started, 1) / 1000;
  return {
    ...final,
    offeredRate: totals.offered / (Math.max(offeredFor, 1) / 1000),
    ackRate: totals.acknowledged / ackSeconds,
    points: totals.acknowledged * metrics.length,
    latencyMs: { p50: latency.percentile(50), p90: latency.percentile(90), p99: latency.percentile(99), max: latency.max },
    errors: totals.errors,
  };
}

/** Reconnects automatically (counted); a refusal of the first connection fails the run, naming the device. */
async function connect(url: string, device: { id: string; secret: string }, onReconnect: () => void): Promise<MqttClient> {
  const client = await connectDevice(url, device, {
    clientId: `${device.id}-load-${Math.random().toString(36).slice(2, 6)}`, // brokers take only client ids that start with the device id
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
  }).catch((error: Error) => {
    throw new Error(`device ${device.id}: ${error.message}`);
  });
  client.on('reconnect', onReconnect);
  return client;
}
