import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DemoReplay } from '../domain/demo-ward.js';
import { deviceBrokerUrl } from '../domain/urls.js';
import { stopChild } from './child-process.js';

/**
 * The demo's simulated homes: the simulators (simulators/dist/cli.js) as a child process that
 * runs the demo ward's devices against the platform's broker. Its output goes to a log file in
 * DATA_DIR; it stops with the server, and by itself if the server dies (its IPC channel closes).
 */
export interface DemoSimulators {
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

export class SimulatorsNotBuiltError extends Error {}

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../simulators/dist/cli.js');

/** The simulators' options (docs/simulators.md) that play the demo's opening replay. */
function replayArgs(replay: DemoReplay | undefined): string[] {
  if (!replay) return [];
  const { speed, minutes, onsetMinutes, overMinutes } = replay;
  return ['--speed', String(speed), `--start=-${minutes}m`, '--onset', `${onsetMinutes}m`, '--over', `${overMinutes}m`, '--wander-night', 'last'];
}

export function startDemoSimulators(options: {
  demoFile: string;
  brokerUrl: string;
  logFile: string;
  replay?: DemoReplay;
  onExit(code: number | null, signal: NodeJS.Signals | null): void;
}): DemoSimulators {
  if (!fs.existsSync(CLI)) throw new SimulatorsNotBuiltError(`the simulators are not built (${CLI}); run npm run build`);
  const log = fs.openSync(options.logFile, 'w', 0o600);
  let child: ChildProcess;
  try {
    const args = [CLI, '--demo-file', options.demoFile, '--broker', deviceBrokerUrl(options.brokerUrl), '--status-every', '60', ...replayArgs(options.replay)];
    child = spawn(process.execPath, args, { stdio: ['ignore', log, log, 'ipc'] });
  } finally {
    fs.closeSync(log); // the child has its own descriptor now
  }
  child.once('exit', (code, signal) => options.onExit(code, signal));
  child.unref();
  child.channel?.unref();
  return {
    pid: child.pid!,
    logFile: options.logFile,
    stop: () => stopChild(child), // on SIGTERM the devices say goodbye (retained offline status) first
  };
}
