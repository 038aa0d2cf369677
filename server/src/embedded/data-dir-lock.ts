import fs from 'node:fs';
import path from 'node:path';
import { alive } from './child-process.js';

/**
 * PGlite is a single backend on a data folder: two processes opening it would corrupt it.
 * The lock file says who holds the folder (the server or a CLI run) and, for the server,
 * where the CLI can reach it to run commands through it instead of opening the folder.
 */
export interface LockInfo {
  pid: number;
  role: 'server' | 'cli';
  /** Control endpoint of a running server (127.0.0.1 only), guarded by a token in this 0600 file. */
  control?: { port: number; token: string };
  /** The running server's embedded MQTT broker (it may have moved off 1883), for local tools such as the simulators. */
  broker?: string;
}

export const lockFile = (dataDir: string) => path.join(dataDir, 'vigil.lock');

/** The current holder of the folder, or undefined when it is free (stale locks are ignored). */
export function readLock(dataDir: string): LockInfo | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(lockFile(dataDir), 'utf8')) as LockInfo;
    return alive(info.pid) && info.pid !== process.pid ? info : undefined;
  } catch {
    return undefined;
  }
}

export class DataDirLock {
  private constructor(
    private readonly file: string,
    private info: LockInfo,
  ) {}

  /** Takes the folder, waiting up to `waitMs` for another holder; throws naming the holder. */
  static async acquire(dataDir: string, role: LockInfo['role'], waitMs = 0): Promise<DataDirLock> {
    fs.mkdirSync(dataDir, { recursive: true });
    const file = lockFile(dataDir);
    const info: LockInfo = { pid: process.pid, role };
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        fs.writeFileSync(file, JSON.stringify(info), { flag: 'wx', mode: 0o600 });
        return new DataDirLock(file, info);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readLock(dataDir);
      if (!holder) {
        fs.rmSync(file, { force: true }); // stale: its process is gone
        continue;
      }
      if (Date.now() >= deadline) {
        const who = holder.role === 'server' ? 'a running Vigil server' : 'a running vigil command';
        throw new Error(`DATA_DIR ${dataDir} is in use by ${who} (pid ${holder.pid}); stop it or choose another DATA_DIR`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Publishes the control endpoint (and embedded broker) of the running server in the lock file. */
  publish(control: NonNullable<LockInfo['control']>, broker?: string): void {
    this.info = { ...this.info, control, ...(broker ? { broker } : {}) };
    fs.writeFileSync(this.file, JSON.stringify(this.info), { mode: 0o600 });
  }

  release(): void {
    fs.rmSync(this.file, { force: true });
  }
}
