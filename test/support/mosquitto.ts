import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeMosquittoFiles } from '../../server/src/cli/mosquitto-export.js';
import { CLI_ACTOR } from '../../server/src/domain/actor.js';
import { DEFAULT_SERVER_USER, localMosquittoConf } from '../../server/src/domain/mosquitto-files.js';
import { stopChild } from '../../server/src/embedded/child-process.js';
import { freePort, isListening } from '../../server/src/embedded/net.js';
import { MosquittoExportService } from '../../server/src/services/mosquitto-export.service.js';
import { tempDir } from './embedded.js';
import type { TestPlatform } from './platform.js';
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
  return runMosquitto(
    (port, dataDir) =>
      [
        `listener ${port} 127.0.0.1`,
        'allow_anonymous true',
        'persistence true',
        `persistence_location ${dataDir}/`,
        'max_queued_messages 100000',
        'max_inflight_messages 0',
        ...extraConfig,
      ].join('\n') + '\n',
  );
}

/**
 * Mosquitto on the configuration the project ships (deploy/mosquitto/mosquitto.conf): every
 * queue, flow-control and persistence setting as shipped, the devices' listener on a free port
 * of 127.0.0.1 (`url`) and the servers' listener (1884 in Compose) on another (`serverUrl`),
 * persistence in its own folder, the password file and ACL from `authDir` (as `vigil
 * mosquitto export` writes them; anonymous clients without it). `overrides` replace options.
 */
export async function startShippedMosquitto(
  options: { authDir?: string; overrides?: Record<string, string | number> } = {},
): Promise<TestMosquitto & { serverUrl: string }> {
  const shipped = fs.readFileSync(path.join(ROOT, 'deploy/mosquitto/mosquitto.conf'), 'utf8');
  const auth = options.authDir ? { passwordFile: `${options.authDir}/passwd`, aclFile: `${options.authDir}/acl` } : undefined;
  const serverPort = await freePort();
  const broker = await runMosquitto((port, dataDir) => localMosquittoConf(shipped, { port, serverPort, dataDir, auth, overrides: options.overrides }));
  return Object.assign(broker, { serverUrl: `mqtt://127.0.0.1:${serverPort}` });
}

export type ExportedMosquitto = TestMosquitto & { serverUrl: string; login(url: string): string };

/**
 * The shipped Mosquitto (startShippedMosquitto) with the files `vigil mosquitto export` writes
 * from `from`'s database: every device provisioned there so far connects with its secret, the
 * server as `vigil-server` with a password of the test's own. `login(url)` adds the server's
 * credentials to a broker URL (`serverUrl`: the servers' listener).
 */
export async function startExportedMosquitto(
  from: Pick<TestPlatform, 'app'>,
  options: { overrides?: Record<string, string | number> } = {},
): Promise<ExportedMosquitto> {
  const files = tempDir('vigil-mosquitto-auth-');
  const user = DEFAULT_SERVER_USER;
  const password = randomBytes(18).toString('base64url');
  try {
    writeMosquittoFiles(files.path, await from.app.get(MosquittoExportService).export(CLI_ACTOR, { user, password }));
    handToBroker(files.path, ['passwd', 'acl']);
    const broker = await startShippedMosquitto({ authDir: files.path, overrides: options.overrides });
    const removeBroker = broker.remove;
    return Object.assign(broker, {
      login(url: string) {
        const withCredentials = new URL(url);
        withCredentials.username = user;
        withCredentials.password = password;
        return withCredentials.toString();
      },
      async remove() {
        await removeBroker();
        files.remove();
      },
    });
  } catch (error) {
    files.remove();
    throw error;
  }
}

async function runMosquitto(configure: (port: number, dataDir: string) => string): Promise<TestMosquitto> {
  const dir = tempDir('vigil-mosquitto-');
  fs.chmodSync(dir.path, 0o777); // mosquitto drops to its own user when started as root
  const port = await freePort();
  const conf = path.join(dir.path, 'mosquitto.conf');
  fs.writeFileSync(conf, configure(port, dir.path));
  let child: ReturnType<typeof spawn> | undefined;
  const start = async () => {
    const started = (child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' }));
    const up = async () => {
      if (started.exitCode !== null) throw new Error(`mosquitto exited with ${started.exitCode}`);
      return isListening(port);
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
