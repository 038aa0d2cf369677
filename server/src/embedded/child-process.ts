import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The command line that runs `command` so that it gets `signal` when this process dies, even
 * by SIGKILL: util-linux `setpriv --pdeathsig` sets the kernel's parent-death signal
 * (prctl PR_SET_PDEATHSIG), which survives its exec of `command`. Without setpriv (not Linux,
 * or util-linux missing) the command runs as it is, and only a later start's leftover check
 * stops an orphan. Exit code 127 before the command ran means setpriv could not execute it.
 */
export function tiedToParent(command: string, args: string[], signal: 'TERM' | 'KILL' = 'TERM'): { command: string; args: string[]; tied: boolean } {
  const setpriv = process.platform === 'linux' ? onPath('setpriv') : undefined;
  return setpriv ? { command: setpriv, args: ['--pdeathsig', signal, '--', command, ...args], tied: true } : { command, args, tied: false };
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Whether process `pid` exists (EPERM: it does, but belongs to another user). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM, and SIGKILL if it has not exited `waitMs` later; resolves once it has exited. */
export function stopChild(child: ChildProcess, waitMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), waitMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
