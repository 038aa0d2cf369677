import path from 'node:path';
import type { AppConfig } from '@vigil/server/config/app.config.js';
import { type LoadReport, type LoadSnapshot, runLoad } from './load/load-generator.js';
import { StatusPrinter, type StatusOutput } from './status/status-printer.js';
import { defaultBroker } from './ward/broker.js';
import { withOperator } from './ward/operator.js';
import { provisionLoadDevices } from './ward/provision.js';
import { WardStore } from './ward/ward-file.js';

export interface LoadModeOptions {
  devices: number;
  rate: number;
  metrics: number;
  samplesPerMessage?: number;
  /** Wall-clock ms; with neither this nor `samples` the run lasts DEFAULT_DURATION. */
  duration?: number;
  samples?: number;
  qos: 0 | 1;
  json: boolean;
  broker?: string;
  wardFile?: string;
}

const DEFAULT_DURATION = 60_000;

/** Load mode: provision N devices, drive them at the given rate, report what was offered and acknowledged. */
export async function runLoadMode(options: LoadModeOptions, config: AppConfig, out: StatusOutput): Promise<LoadReport> {
  const say = (message: string) => process.stderr.write(`${message}\n`);
  const store = new WardStore(options.wardFile ?? path.join(config.dataDir, 'simulated-ward.json'));
  const devices = await withOperator(config, (operator) => provisionLoadDevices(operator, store, options.devices, say));

  const broker = options.broker ?? defaultBroker(config).url;
  const bounded = options.duration === undefined && options.samples === undefined ? { durationMs: DEFAULT_DURATION } : {};
  say(`load: ${devices.length} devices × ${options.rate} samples/s × ${options.metrics} metrics against ${broker}`);
  let latest: LoadSnapshot | undefined;
  const printer = new StatusPrinter(
    out,
    loadStatusLine(() => latest, devices.length),
  );
  printer.start();
  const report = await runLoad(
    {
      brokerUrl: broker,
      devices,
      ratePerDevice: options.rate,
      metricsPerSample: options.metrics,
      samplesPerMessage: options.samplesPerMessage,
      durationMs: options.duration,
      totalSamples: options.samples,
      qos: options.qos,
      ...bounded,
    },
    (snapshot) => (latest = snapshot),
  );
  latest = report;
  printer.stop();
  return report;
}

function loadStatusLine(latest: () => LoadSnapshot | undefined, devices: number): () => string {
  let last: LoadSnapshot | undefined;
  return () => {
    const now = latest();
    if (!now) return `devices 0/${devices} connected · starting`;
    const seconds = last ? Math.max(0.001, (now.elapsedMs - last.elapsedMs) / 1000) : Math.max(0.001, now.elapsedMs / 1000);
    const rate = (key: 'offered' | 'sent' | 'acknowledged') => Math.round((now[key] - (last?.[key] ?? 0)) / seconds);
    const line = [
      `devices ${now.connected}/${devices} connected`,
      `offered ${rate('offered')}/s`,
      `sent ${rate('sent')}/s`,
      `acked ${rate('acknowledged')}/s`,
      `in flight ${now.inFlight}`,
      `reconnects ${now.reconnects}`,
      `total ${now.acknowledged}/${now.offered} acked`,
    ].join(' · ');
    last = now;
    return line;
  };
}
