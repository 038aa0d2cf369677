import { type DeviceEvent, type DeviceStatus, type Sample, topicFor } from '@vigil/server/domain/protocol.js';
import type { WardStats } from '../status/stats.js';
import type { Backoff } from './backoff.js';
import { packSamples } from './messages.js';
import type { DeviceLink } from './mqtt-link.js';
import type { DeviceModel } from './model.js';
import { OfflineBuffer, type Pending } from './offline-buffer.js';
import type { DeviceOutput } from './output.js';

export const FIRMWARE = '1.4.2';

/** Why a broker refuses a CONNECT (MQTT 3.1.1 CONNACK return codes; MQTT 5 reason codes). */
const REFUSALS: Record<number, string> = {
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
  134: 'bad user name or password',
  135: 'not authorized',
  136: 'server unavailable',
};

export interface RunnerOptions {
  model: DeviceModel;
  link: DeviceLink;
  stats: WardStats;
  backoff: Backoff;
  /** The device's clock is off by this much (`--clock-skew`); its timestamps carry it. */
  skewMs?: number;
  /** Radio signal reported in the status message. */
  rssi?: number;
  log?: (message: string) => void;
  wallNow?: () => number;
  timers?: { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(handle: unknown): void };
}

/**
 * A device as it behaves in a home: it measures on its schedule whether or not it is online,
 * publishes at QoS 1 while connected, keeps what it cannot send in an offline buffer and sends
 * it as backfill arrays on reconnect, reconnects with backoff, announces itself with a
 * retained status and leaves a Last Will (`{"online":false}`) for when it vanishes.
 */
export class DeviceRunner {
  readonly buffer = new OfflineBuffer();
  private simTime?: number;
  private state: 'idle' | 'connecting' | 'online' | 'waiting' | 'off' | 'stopped' = 'idle';
  private everConnected = false;
  /** The link is up (counted in stats.connected), whatever state the device is in. */
  private linkUp = false;
  private retry?: unknown;
  private readonly topics: { readings: string; events: string; status: string };
  private readonly wallNow: () => number;
  private readonly timers: NonNullable<RunnerOptions['timers']>;

  constructor(private readonly options: RunnerOptions) {
    const { id } = options.model.device;
    this.topics = { readings: topicFor(id, 'readings'), events: topicFor(id, 'events'), status: topicFor(id, 'status') };
    this.wallNow = options.wallNow ?? Date.now;
    this.timers = options.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms).unref(), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
    options.stats.devices++;
    options.stats.watchBuffer(this.buffer);
    options.link.on('connect', () => this.onConnect());
    options.link.on('close', () => this.onClose());
    options.link.on('error', (error) => this.onError(error));
  }

  get id(): string {
    return this.options.model.device.id;
  }

  get isOnline(): boolean {
    return this.state === 'online';
  }

  /**
   * Begins at simulated time `simNow`: nothing before it is reported, except what the scenario
   * says happened earlier (its history), which waits in the offline buffer and goes out as
   * backfill once connected.
   */
  start(simNow: number): void {
    const since = this.options.model.world.historyFrom();
    this.simTime = since !== undefined && since < simNow ? since : simNow;
    if (this.options.model.isOff(this.simTime)) return this.powerOff();
    this.state = 'connecting';
    this.tick(simNow);
    if (this.state === 'connecting') this.options.link.connect();
  }

  /** Catches up to `simNow`: whatever the device did since the last tick goes out or into the buffer. */
  tick(simNow: number): void {
    if (this.simTime === undefined || simNow <= this.simTime || this.state === 'off' || this.state === 'stopped') return;
    const outputs = this.options.model.outputs(this.simTime, simNow);
    this.simTime = simNow;
    const samples: Sample[] = [];
    for (const output of outputs) {
      if (output.type === 'sample') samples.push({ t: this.stamp(output.t), m: output.m });
      else if (output.type === 'power-off') {
        this.send(samples.splice(0));
        return this.powerOff();
      } else this.handle(output);
    }
    this.send(samples);
  }

  /** Leaves cleanly: a retained `online: false`, then DISCONNECT (so no Last Will). */
  async stop(): Promise<void> {
    if (this.retry !== undefined) this.timers.clearTimeout(this.retry);
    const wasOnline = this.state === 'online';
    this.state = 'stopped';
    if (wasOnline) {
      await Promise.race([this.publishStatus(false).catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
      await this.options.link.end().catch(() => undefined);
    } else {
      this.options.link.drop();
    }
  }

  private handle(output: Exclude<DeviceOutput, { type: 'sample' | 'power-off' }>): void {
    if (output.type === 'battery') {
      if (this.state === 'online') void this.publishStatus(true).catch(() => undefined);
    } else if (output.type === 'event') {
      const event: DeviceEvent = { t: this.stamp(output.t), type: output.event, ...(output.data ? { data: output.data } : {}) };
      if (this.state === 'online') this.publish('events', JSON.stringify(event), 0);
      else this.buffer.push({ kind: 'event', event });
    } else {
      if (this.state === 'online') this.publish('readings', output.payload, 1);
      else this.buffer.push({ kind: 'raw', payload: output.payload });
    }
  }

  /** Live samples of one tick: a single sample as an object, several as one array. */
  private send(samples: Sample[]): void {
    if (!samples.length) return;
    if (this.state !== 'online') {
      for (const sample of samples) this.buffer.push({ kind: 'sample', sample } satisfies Pending);
      return;
    }
    if (samples.length === 1) return this.publish('readings', JSON.stringify(samples[0]), 1);
    for (const message of packSamples(samples)) this.publish('readings', message.payload, message.samples);
  }

  private publish(topic: 'readings' | 'events', payload: string, samples: number): void {
    const { stats } = this.options;
    const sentAt = this.wallNow();
    stats.sent += samples;
    if (topic === 'events') stats.events++;
    this.options.link.publish(this.topics[topic], payload).then(
      () => stats.recordAck(samples, this.wallNow() - sentAt),
      () => (stats.failed += samples),
    );
  }

  private publishStatus(online: boolean): Promise<void> {
    const status: DeviceStatus = online
      ? { t: this.stamp(this.simTime!), online: true, battery: this.options.model.battery(this.simTime!), rssi: this.options.rssi ?? -60, fw: FIRMWARE }
      : { t: this.stamp(this.simTime!), online: false };
    return this.options.link.publish(this.topics.status, JSON.stringify(status), true);
  }

  private onConnect(): void {
    if (this.state === 'stopped' || this.state === 'off') return;
    this.state = 'online';
    this.linkUp = true;
    this.options.stats.connected++;
    this.options.stats.recordRefusal(this.id, undefined);
    if (this.everConnected) this.options.stats.reconnects++;
    this.everConnected = true;
    this.options.backoff.reset();
    void this.publishStatus(true).catch(() => undefined);
    for (const message of this.buffer.drain()) this.publish(message.topic, message.payload, message.samples);
  }

  private onClose(): void {
    if (this.linkUp) this.options.stats.connected--;
    this.linkUp = false;
    if (this.state === 'stopped' || this.state === 'off' || this.state === 'waiting') return;
    this.state = 'waiting';
    const delay = this.options.backoff.next();
    this.retry = this.timers.setTimeout(() => {
      this.retry = undefined;
      if (this.state !== 'waiting') return;
      this.state = 'connecting';
      this.options.link.connect();
    }, delay);
  }

  /** Refused (CONNACK) or unreachable (a socket error code): said once for the ward, counted per device. */
  private onError(error: Error & { code?: number | string }): void {
    const refusal = typeof error.code === 'number' ? REFUSALS[error.code] : undefined;
    const reason = refusal ?? (typeof error.code === 'string' ? error.code : undefined);
    if (!reason) return;
    const first = this.options.stats.refused.size === 0;
    this.options.stats.recordRefusal(this.id, reason);
    if (!first) return;
    const hint =
      refusal === 'server unavailable'
        ? 'the broker does not accept devices yet (is Vigil ready to ingest?)'
        : refusal
          ? 'is the device provisioned in this Vigil, and does the broker authenticate devices against it?'
          : 'is the broker running at that address?';
    this.options.log?.(`device ${this.id} cannot connect (${reason}): ${hint} The devices keep retrying with backoff.`);
  }

  private powerOff(): void {
    this.state = 'off';
    this.options.stats.off++;
    this.options.link.drop();
  }

  private stamp(t: number): string {
    return new Date(t + (this.options.skewMs ?? 0)).toISOString();
  }
}
