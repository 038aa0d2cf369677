import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { alive, stopChild, tiedToParent } from './child-process.js';
import { freePort } from './net.js';

/**
 * `redis-server` as a child process with its append-only file in DATA_DIR/redis, on a free
 * loopback port (the system Redis keeps 6379) or the given one, stopped by the server after
 * everything that uses it (not by the terminal's Ctrl-C). It never outlives the server:
 * the kernel sends it SIGTERM when the server dies, even by kill -9 (`tiedToParent`), and a
 * start stops a leftover one on the same folder first.
 */
export interface EmbeddedRedis {
  url: string;
  stop(): Promise<void>;
}

export class RedisNotInstalledError extends Error {
  constructor() {
    super('redis-server is not installed. Run scripts/setup.sh (or: sudo apt-get install -y redis-server), ' + 'or set REDIS_URL to an existing Redis.');
  }
}

export async function startEmbeddedRedis(dataDir: string, options: { port?: number } = {}): Promise<EmbeddedRedis> {
  const folder = path.join(dataDir, 'redis');
  fs.mkdirSync(folder, { recursive: true });
  const pidFile = path.join(folder, 'redis.pid');
  await stopLeftover(pidFile);
  const port = options.port ?? (await freePort());
  const run = tiedToParent('redis-server', [
    ...['--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'yes'],
    ...['--dir', folder, '--appendonly', 'yes', '--save', '', '--pidfile', pidFile],
  ]);
  // A process group of its own: Ctrl-C in the terminal signals the server's whole group, and a
  // redis-server in it would stop at once, while the server still flushes into it (it then took
  // the server's whole 10 s budget to give up). It stops when the server stops it, or dies.
  const child = spawn(run.command, run.args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? new RedisNotInstalledError() : error));
    child.once('exit', (code) =>
      reject(run.tied && code === 127 ? new RedisNotInstalledError() : new Error(`redis-server exited with code ${code} before it was ready`)),
    );
  });
  exited.catch(() => undefined);
  const url = `redis://127.0.0.1:${port}`;
  await Promise.race([exited, waitForRedis(url)]);
  return { url, stop: () => stopChild(child) }; // redis fsyncs its append-only file on SIGTERM
}

async function waitForRedis(url: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      client.disconnect();
    }
  }
}

/**
 * A server that was killed outright (SIGKILL, power loss) leaves its redis-server running on
 * the same folder; two of them on one append-only file would corrupt it, so stop the old one.
 * Only a process /proc shows to be redis-server is signalled: the pid file may be stale and
 * its pid reused. Without /proc (not Linux) it cannot be told cheaply, so it is left alone.
 */
async function stopLeftover(pidFile: string): Promise<void> {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0 || !fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('redis-server')) return;
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // no pid file, or that process is gone
  }
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
}
