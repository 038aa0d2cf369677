/**
 * Load mode's generator is written in simulators/src/load/ for issue 3 (ingest). Until it
 * lands, the CLI is wired against this copy of its agreed interface, and loads the module at
 * run time. Once load-generator.ts exists, import it directly and delete this file.
 */
export interface LoadOptions {
  brokerUrl: string;
  devices: Array<{ id: string; secret: string }>;
  ratePerDevice: number;
  metricsPerSample: number;
  samplesPerMessage?: number;
  durationMs?: number;
  totalSamples?: number;
  qos?: 0 | 1;
}

export interface LoadSnapshot {
  elapsedMs: number;
  offered: number;
  sent: number;
  acknowledged: number;
  inFlight: number;
  connected: number;
  reconnects: number;
}

export interface LoadReport extends LoadSnapshot {
  offeredRate: number;
  ackRate: number;
  points: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  errors: number;
}

export type RunLoad = (options: LoadOptions, onProgress?: (s: LoadSnapshot) => void) => Promise<LoadReport>;

export async function loadGenerator(): Promise<RunLoad> {
  const specifier = './load/load-generator.js'; // a variable: the module may not exist yet
  try {
    return ((await import(specifier)) as { runLoad: RunLoad }).runLoad;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new Error('load mode needs the load generator (simulators/src/load/load-generator.ts, issue 3), which is not in this build yet');
  }
}
