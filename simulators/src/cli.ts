#!/usr/bin/env node
import { loadOperatorConfig, UsageError } from '@vigil/server/config/operator-config.js';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseDuration } from './clock.js';
import { runLoadMode } from './run-load.js';
import { runWard, type WardModeOptions } from './run-ward.js';
import { isScenarioName, SCENARIO_NAMES, SCENARIOS, type ScenarioName } from './scenarios/index.js';

/**
 * `npm run simulate -- …`: virtual home-care devices (ward mode), or a load generator for
 * benchmarks (load mode, with --devices). docs/simulators.md describes both.
 */

const number = (what: string, check: (n: number) => boolean) => (text: string) => {
  const n = Number(text);
  if (!Number.isFinite(n) || !check(n)) throw new InvalidArgumentError(`expected ${what}`);
  return n;
};
const wholeNumber = number('a whole number ≥ 1', (n) => Number.isInteger(n) && n >= 1);
const duration = (text: string) => {
  try {
    return parseDuration(text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};
const scenario = (text: string): ScenarioName | 'mixed' => {
  if (text === 'mixed' || isScenarioName(text)) return text;
  throw new InvalidArgumentError(`expected mixed or one of ${SCENARIO_NAMES.join(', ')}`);
};

const scenarioHelp = SCENARIO_NAMES.map((name) => `  ${name.padEnd(18)} ${SCENARIOS[name].summary}`).join('\n');

const program = new Command('simulate')
  .description('Virtual home-care devices with clinical scenarios, on device protocol v1; or, with --devices, a load generator.')
  .addOption(new Option('--patients <n>', 'patients to simulate (default 20, or every patient of --demo-file)').argParser(wholeNumber))
  .addOption(new Option('--scenario <name>', 'a scenario for every patient, or mixed').default('mixed').argParser(scenario))
  .addOption(
    new Option('--speed <x>', 'simulated seconds per real second (60: an hour in a minute)').default(1).argParser(number('a positive number', (n) => n > 0)),
  )
  .addOption(new Option('--broker <url>', "MQTT broker (default: MQTT_URL, else the running Vigil's embedded broker, else mqtt://localhost:VIGIL_MQTT_PORT)"))
  .addOption(new Option('--seed <n>', 'seed: the same seed plays the same ward').default(1).argParser(number('a whole number', Number.isInteger)))
  .addOption(
    new Option(
      '--start <time>',
      'simulated start, ISO or relative like -3d (default: now; faster than real time: early enough for the scenarios to play out by now)',
    ),
  )
  .addOption(new Option('--onset <duration>', 'when the scenarios begin after the start, e.g. 10m (default: per scenario)').argParser(duration))
  .addOption(
    new Option('--over <duration>', 'how long the scenarios take, e.g. 6h: deteriorating reaches NEWS2 ≥ 7 by then (default: per scenario)').argParser(
      duration,
    ),
  )
  .addOption(
    new Option('--fault-rate <share>', 'noisy-sensor: share of faulty oximeter samples')
      .default(0.05)
      .argParser(number('a share between 0 and 1', (n) => n >= 0 && n <= 1)),
  )
  .addOption(
    new Option('--wander-night <night>', 'wandering: the first night after the onset (next), or the last one before it, sent as backfill at once (last)')
      .choices(['next', 'last'])
      .default('next'),
  )
  .addOption(new Option('--clock-skew <duration>', 'device clocks off by up to ± this, e.g. 90s').default(0).argParser(duration))
  .addOption(new Option('--duration <duration>', 'stop after this long (real time), e.g. 90s or 10m').argParser(duration))
  .addOption(new Option('--demo-file <path>', 'simulate the ward of `vigil seed demo` (its DATA_DIR/demo.json) instead of provisioning one'))
  .addOption(new Option('--ward-file <path>', 'where provisioned patients and device secrets are kept (default DATA_DIR/simulated-ward.json)'))
  .addOption(new Option('--status-every <seconds>', 'seconds between status lines when not on a terminal').argParser(wholeNumber))
  .addOption(new Option('--devices <n>', 'load mode: devices to drive').argParser(wholeNumber))
  .addOption(new Option('--rate <r>', 'load mode: samples per second per device').argParser(number('a positive number', (n) => n > 0)))
  .addOption(new Option('--metrics <k>', 'load mode: metrics per sample').default(2).argParser(wholeNumber))
  .addOption(new Option('--samples-per-message <n>', 'load mode: samples per MQTT message').argParser(wholeNumber))
  .addOption(new Option('--samples <n>', 'load mode: stop after this many samples in all').argParser(wholeNumber))
  .addOption(new Option('--qos <0|1>', 'load mode: MQTT QoS').default(1).argParser(number('0 or 1', (n) => n === 0 || n === 1)))
  .addOption(new Option('--json', 'load mode: print the summary as JSON'))
  .addHelpText('after', `\nScenarios:\n${scenarioHelp}\n`)
  .showHelpAfterError();

/** The parsed options (the parsers and defaults above): the ward mode's, plus the load mode's. */
interface CliOptions extends WardModeOptions {
  devices?: number;
  rate?: number;
  metrics: number;
  samplesPerMessage?: number;
  samples?: number;
  qos: 0 | 1;
  json?: boolean;
}

async function main(): Promise<void> {
  program.parse(process.argv);
  const o = program.opts<CliOptions>();
  const config = loadOperatorConfig(process.env);
  if (o.devices !== undefined) {
    const rate = o.rate ?? program.error('load mode (--devices) needs --rate');
    const report = await runLoadMode(
      {
        devices: o.devices,
        rate,
        metrics: o.metrics,
        samplesPerMessage: o.samplesPerMessage,
        duration: o.duration,
        samples: o.samples,
        qos: o.qos,
        json: Boolean(o.json),
        broker: o.broker,
        wardFile: o.wardFile,
      },
      config,
      o.json ? process.stderr : process.stdout,
    );
    const summary = { devices: o.devices, ratePerDevice: rate, metricsPerSample: o.metrics, ...report };
    process.stdout.write(o.json ? `${JSON.stringify(summary)}\n` : humanSummary(summary));
    return;
  }
  await runWard(
    {
      patients: o.patients,
      scenario: o.scenario,
      speed: o.speed,
      broker: o.broker,
      seed: o.seed,
      start: o.start,
      onset: o.onset,
      over: o.over,
      faultRate: o.faultRate,
      wanderNight: o.wanderNight,
      clockSkew: o.clockSkew,
      duration: o.duration,
      demoFile: o.demoFile,
      wardFile: o.wardFile,
      statusEvery: o.statusEvery,
    },
    config,
    process.stdout,
  );
}

function humanSummary(s: Record<string, unknown> & { latencyMs: Record<string, number> }): string {
  const { latencyMs, ...rest } = s;
  const lines = Object.entries(rest).map(
    ([key, value]) => `${key}: ${typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(1) : String(value)}`,
  );
  lines.push(`latencyMs: p50 ${latencyMs.p50}, p90 ${latencyMs.p90}, p99 ${latencyMs.p99}, max ${latencyMs.max}`);
  return `${lines.join('\n')}\n`;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof UsageError) {
      for (const problem of error.message.split('\n')) process.stderr.write(`simulate: configuration error: ${problem}\n`);
      process.exit(2);
    }
    process.stderr.write(`simulate: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
