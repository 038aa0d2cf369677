import { type ChildProcess, execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait.js';

/**
 * The built server and CLI as a user runs them (`npm test` builds first). For tests of
 * start-up, signals and the operator CLI, where the process boundary is the point.
 */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = path.join(ROOT, 'server/dist/main.js');
const CLI = path.join(ROOT, 'server/dist/cli/vigil.js');

/** Only what the test passes, plus PATH and HOME: nothing leaks in from the developer's shell. */
const baseEnv = (env: Record<string, string>) => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env });

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: baseEnv(env), cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Runs a CLI command with --json and returns its parsed output; throws with stderr on failure. */
export async function cliJson<T = Record<string, unknown>>(args: string[], env: Record<string, string>): Promise<T> {
  const result = await runCli(['--json', ...args], env);
  if (result.code !== 0) throw new Error(`vigil ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

export interface ServerProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (and signal) once the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Polls GET /api/ready until it answers 200; throws with the output if the process dies or time runs out. */
  waitForReady(baseUrl: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Sends `signal` and resolves with the exit code and how long the exit took. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>;
  /** Ctrl-C in a terminal: SIGINT to the server's whole process group (its redis-server and demo simulators too), then as `stop`. */
  interrupt(): Promise<{ code: number | null; ms: number }>;
}

export function startServer(env: Record<string, string>, execPath = process.execPath): ServerProcess {
  // A process group of its own, as a terminal gives the command it runs, so `interrupt` reaches what it starts.
  const child = spawn(execPath, [MAIN], { env: baseEnv(env), cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let done = false;
  void exited.then(() => (done = true));
  return {
    child,
    output: () => output,
    exited,
    async waitForReady(baseUrl, timeoutMs = 120_000) {
      const ready = async () => {
        if (done) throw new Error(`the server exited before it was ready:\n${output}`);
        const response = await fetch(`${baseUrl}/api/ready`).catch(() => undefined); // undefined: not listening yet
        return response?.status === 200 ? ((await response.json()) as Record<string, unknown>) : undefined;
      };
      try {
        return (await waitFor(ready, (body) => body !== undefined, timeoutMs, 'GET /api/ready answering 200'))!;
      } catch (error) {
        if (!done) child.kill('SIGKILL');
        throw done ? error : new Error(`${(error as Error).message}:\n${output}`, { cause: error });
      }
    },
    async stop(signal = 'SIGTERM') {
      const started = Date.now();
      if (!done) child.kill(signal);
      const { code } = await exited;
      return { code, ms: Date.now() - started };
    },
    async interrupt() {
      const started = Date.now();
      if (!done) process.kill(-child.pid!, 'SIGINT');
      const { code } = await exited;
      return { code, ms: Date.now() - started };
    },
  };
}
