import { topicFor } from '@vigil/server/domain/protocol.js';
import type { Clock } from '../clock.js';
import { Backoff } from '../devices/backoff.js';
import { DeviceRunner } from '../devices/device-runner.js';
import { type DeviceLink, type LinkOptions, mqttLink } from '../devices/mqtt-link.js';
import { rngFor, uniformAt } from '../random.js';
import type { WardStats } from '../status/stats.js';
import type { PlannedPatient } from './plan.js';

export interface WardRunnerOptions {
  brokerUrl: string;
  clock: Clock;
  stats: WardStats;
  seed: number;
  /** Each device's clock is off by up to ± this many ms (0: exact clocks). */
  clockSkewMs?: number;
  /** How often (wall ms) devices catch up with simulated time. */
  tickMs?: number;
  log?: (message: string) => void;
  /** Tests replace the MQTT connection. */
  link?: (options: LinkOptions) => DeviceLink;
}

/** Runs every device of a planned ward against one broker until stopped. */
export class WardRunner {
  readonly devices: DeviceRunner[];
  private timer?: NodeJS.Timeout;
  private stopping?: Promise<void>;

  constructor(
    planned: readonly PlannedPatient[],
    private readonly options: WardRunnerOptions,
  ) {
    const link = options.link ?? mqttLink;
    const { seed } = options;
    this.devices = planned.flatMap(({ devices }) =>
      devices.map(({ model, secret }) => {
        const { id } = model.device;
        return new DeviceRunner({
          model,
          link: link({
            url: options.brokerUrl,
            clientId: id,
            username: id,
            password: secret,
            will: { topic: topicFor(id, 'status'), payload: JSON.stringify({ online: false }) },
          }),
          stats: options.stats,
          backoff: new Backoff(rngFor(seed, 'backoff', id)),
          skewMs: Math.round((uniformAt(seed, id, 'skew') * 2 - 1) * (options.clockSkewMs ?? 0)),
          rssi: Math.round(-45 - 40 * uniformAt(seed, id, 'rssi')),
          log: options.log,
        });
      }),
    );
  }

  start(): void {
    const now = this.options.clock.now();
    for (const device of this.devices) device.start(now);
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 250);
  }

  tick(): void {
    const now = this.options.clock.now();
    for (const device of this.devices) device.tick(now);
  }

  /** Stops every device (each says goodbye); safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.timer);
      this.tick(); // what happened up to now still goes out
      await Promise.all(this.devices.map((device) => device.stop()));
    })();
    return this.stopping;
  }
}
