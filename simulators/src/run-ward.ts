import path from 'node:path';
import type { AppConfig } from '@vigil/server/config/app.config.js';
import { demoPatientName } from '@vigil/server/domain/demo-ward.js';
import { formatDuration, HOUR, parseStart, SimClock } from './clock.js';
import { assignScenarios, mixedScenarios, SCENARIOS, type ScenarioName, type WanderNight } from './scenarios/index.js';
import { leavesAt } from './scenarios/wandering.js';
import { StatusPrinter, type StatusOutput } from './status/status-printer.js';
import { WardStats } from './status/stats.js';
import { wardStatusLine } from './status/ward-status.js';
import { type Broker, defaultBroker, givenBroker } from './ward/broker.js';
import { readDemoFile } from './ward/demo-file.js';
import { type PlannedPatient, planWard, type WardPatient } from './ward/plan.js';
import { withOperator } from './ward/operator.js';
import { provisionWard } from './ward/provision.js';
import { WardStore } from './ward/ward-file.js';
import { WardRunner } from './ward/ward-runner.js';

export interface WardModeOptions {
  patients?: number;
  scenario: ScenarioName | 'mixed';
  speed: number;
  broker?: string;
  seed: number;
  start?: string;
  onset?: number;
  over?: number;
  faultRate: number;
  wanderNight: WanderNight;
  clockSkew: number;
  /** Wall-clock ms to run; until stopped when absent. */
  duration?: number;
  demoFile?: string;
  wardFile?: string;
  /** Seconds between status lines when the output is not a terminal. */
  statusEvery?: number;
}

const DEFAULT_PATIENTS = 20;

/** Simulates a ward of homes until stopped (a signal, the parent process going, or --duration). */
export async function runWard(options: WardModeOptions, config: AppConfig, out: StatusOutput): Promise<void> {
  const say = (message: string) => process.stderr.write(`${message}\n`);
  const { patients, scenarios } = await wardPatients(options, config, say);

  const now = Date.now();
  const start = options.start ? parseStart(options.start, now) : options.speed > 1 ? now - playTime(scenarios, options) : now;
  const utcOffsetMinutes = -new Date(now).getTimezoneOffset();
  const plan = planWard(patients, scenarios, { ...options, start, utcOffsetMinutes });
  const clock = new SimClock({ start, speed: options.speed });
  const broker = options.broker ? givenBroker(options.broker, config) : defaultBroker(config);

  const stats = new WardStats();
  const printer = new StatusPrinter(
    out,
    wardStatusLine(stats, () => clock.now(), options.speed, broker.embedded ? 'stored' : 'broker'),
    (options.statusEvery ?? (out.isTTY ? 1 : 5)) * 1000,
  );
  const log = (message: string) => printer.log(out.isTTY ? message : `${new Date().toISOString()} ${message}`);
  for (const line of listing(plan, clock, broker)) log(line);
  const runner = new WardRunner(plan, { brokerUrl: broker.url, clock, stats, seed: options.seed, clockSkewMs: options.clockSkew, log });
  runner.start();
  printer.start();

  await stopped(options.duration);
  log('stopping: the devices say goodbye');
  await runner.stop();
  printer.stop();
}

async function wardPatients(
  options: WardModeOptions,
  config: AppConfig,
  say: (message: string) => void,
): Promise<{ patients: WardPatient[]; scenarios: ScenarioName[] }> {
  if (options.demoFile) {
    const patients = readDemoFile(options.demoFile).slice(0, options.patients);
    const scenarios = assignScenarios(
      patients.map((p) => ({ spo2Scale: p.spo2Scale, kinds: p.devices.map((d) => d.kind) })),
      options.scenario,
    );
    if (options.scenario !== 'mixed') {
      const misfits = scenarios.filter((s) => s !== options.scenario).length;
      if (misfits) say(`${misfits} demo patient(s) lack the devices for ${options.scenario} and run stable`);
    }
    return { patients, scenarios };
  }
  const n = options.patients ?? DEFAULT_PATIENTS;
  const scenarios = options.scenario === 'mixed' ? mixedScenarios(n) : new Array<ScenarioName>(n).fill(options.scenario);
  const store = new WardStore(options.wardFile ?? path.join(config.dataDir, 'simulated-ward.json'));
  return withOperator(config, async (operator) => ({ patients: await provisionWard(operator, store, scenarios, demoPatientName, say), scenarios }));
}

/**
 * How far back an accelerated run starts by default: long enough for the slowest scenario in
 * the ward to play out by the time the simulated clock meets the real one (plus an hour).
 */
function playTime(scenarios: readonly ScenarioName[], options: WardModeOptions): number {
  const spans = scenarios.map((name) => {
    const { onset, over } = SCENARIOS[name].defaults;
    return (options.onset ?? onset) + (options.over ?? over);
  });
  return Math.max(0, ...spans) + HOUR;
}

/** What is about to run: the start-up lines. */
function listing(plan: readonly PlannedPatient[], clock: SimClock, broker: Broker): string[] {
  const time = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ') + 'Z';
  const lines = [`${plan.length} patients, ${plan.reduce((n, p) => n + p.devices.length, 0)} devices, broker ${broker.url} (${broker.source})`];
  if (!broker.embedded) {
    lines.push(`acks come from that broker: "broker acked" counts what it took, not what Vigil stored (vigil status counts stored readings)`);
  }
  const catchUp = clock.catchUpAt();
  lines.push(
    `simulated time from ${time(clock.start)}, ×${clock.speed}` + (catchUp ? `, catching up with the real clock at ${time(catchUp)} (then real time)` : ''),
  );
  for (const { world, devices } of plan) {
    const { name, onset, over } = { name: world.scenario.name, ...world.context };
    const timing =
      name === 'stable'
        ? ''
        : name === 'wandering'
          ? ` out of the door ${time(leavesAt(world.context))}`
          : ` from ${time(onset)}${over ? ` over ${formatDuration(over)}` : ''}`;
    lines.push(`  ${world.patient.name.padEnd(22)} ${name}${timing} (${devices.length} devices)`);
  }
  return lines;
}

/** Resolves on SIGINT/SIGTERM, when the parent of a child process goes, or after `duration`. */
export function stopped(duration?: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (process.send) process.once('disconnect', done); // the server that started us is gone
    if (duration !== undefined) setTimeout(done, duration).unref();
  });
}
