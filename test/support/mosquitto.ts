import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { stopChild } from '../../server/src/embedded/child-process.js';
import { freePort } from '../../server/src/embedded/net.js';
import { tempDir } from './embedded.js';
import { ROOT } from './process.js';
import { waitFor } from './wait.js';

export interface TestMosquitto {
  url: string;
  port: number;
  /** Stops the broker (SIGTERM); `restart()` starts it again on the same port with its persistence. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** SIGHUP: Mosquitto reads its password and ACL files again. */
  reload(): void;
  /** Removes its folder; call once at the end. */
  remove(): Promise<void>;
}

/**
 * A real Mosquitto (the machine's binary) of the test's own, on a free port, with persistence
 * in a temporary folder, so tests never share topics or sessions with each other or with the
 * machine's broker on 1883. `extraConfig` adds lines (e.g. password_file, acl_file).
 */
export function startMosquitto(extraConfig: string[] = []): Promise<TestMosquitto> {
  return startMosquittoWith((port, data) =>
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${data}/`,
      'max_queued_messages 100000',
      'max_inflight_messages 0',
      ...extraConfig,
    ].join('\n'),
  );
}

/**
 * Mosquitto on the configuration the project ships (deploy/mosquitto/mosquitto.conf), as it
 * is but for where things are: its listener on a free port of 127.0.0.1, the password file and
 * ACL from `authDir` (as `vigil mosquitto export` writes them), persistence in its own folder.
 */
export function startShippedMosquitto(authDir: string): Promise<TestMosquitto> {
  const shipped = fs.readFileSync(path.join(ROOT, 'deploy/mosquitto/mosquitto.conf'), 'utf8');
  return startMosquittoWith((port, data) => {
    const conf = shipped
      .replace(/^listener 1883$/m, `listener ${port} 127.0.0.1`)
      .replaceAll('/mosquitto/auth/', `${authDir}/`)
      .replaceAll('/mosquitto/data/', `${data}/`);
    if (!conf.includes(`listener ${port} `) || conf.split('\n').some((line) => !line.startsWith('#') && line.includes('/mosquitto/')))
      throw new Error('deploy/mosquitto/mosquitto.conf changed shape: adapt startShippedMosquitto');
    return conf;
  });
}

async function startMosquittoWith(config: (port: number, dataDir: string) => string): Promise<TestMosquitto> {
  const dir = tempDir('vigil-mosquitto-');
  fs.chmodSync(dir.path, 0o777); // mosquitto drops to its own user when started as root
  const port = await freePort();
  const conf = path.join(dir.path, 'mosquitto.conf');
  fs.writeFileSync(conf, config(port, dir.path) + '\n');
  let child: ReturnType<typeof spawn> | undefined;
  const start = async () => {
    const started = (child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' }));
    const up = async () => {
      if (started.exitCode !== null) throw new Error(`mosquitto exited with ${started.exitCode}`);
      return listening(port);
    };
    await waitFor(up, Boolean, 10_000, 'mosquitto listening');
  };
  const stop = async () => {
    if (child) await stopChild(child);
  };
  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    stop,
    restart: start,
    reload: () => void child?.kill('SIGHUP'),
    async remove() {
      await stop();
      dir.remove();
    },
  };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Mosquitto started as root reads its password and ACL files as the `mosquitto` user, as the
 * container does as uid 1883: when this test runs as root, the files (and their folder) are
 * handed to that user, as the compose job does.
 */
export function handToBroker(dir: string, files: string[]): void {
  if (process.getuid?.() !== 0) return;
  const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, 'mosquitto'], { encoding: 'utf8' }).trim()));
  for (const target of [dir, ...files.map((file) => path.join(dir, file))]) fs.chownSync(target, uid, gid);
}
