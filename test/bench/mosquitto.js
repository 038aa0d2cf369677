// The production broker for the benchmarks that measure the production path (ingest.js, live.js):
// the machine's Mosquitto on deploy/mosquitto/mosquitto.conf as shipped (queues, in-flight
// window, persistence; only the listeners and folders are local), with the password file and
// ACL that `vigil mosquitto export` writes from the run's own database.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const server = (p) => import(path.join(root, 'server/dist', p));

/**
 * Starts Mosquitto with `exported` ({passwd, acl}, from MosquittoExportService). Devices use
 * `brokerUrl`. With `serverListener` the servers get their own listener (`serverPort`, as
 * Compose's 1884: no use_username_as_clientid there, so each server keeps its own client id);
 * without it they share the devices' listener.
 */
export async function startShippedMosquitto(exported, { serverListener = false } = {}) {
  const { localMosquittoConf } = await server('domain/mosquitto-files.js');
  const { freePort, isListening } = await server('embedded/net.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-mosquitto-'));
  fs.chmodSync(dir, 0o777); // mosquitto drops to its own user when started as root
  fs.writeFileSync(path.join(dir, 'passwd'), exported.passwd, { mode: 0o644 });
  fs.writeFileSync(path.join(dir, 'acl'), exported.acl, { mode: 0o644 });
  const port = await freePort();
  const serverPort = serverListener ? await freePort() : port;
  const conf = path.join(dir, 'mosquitto.conf');
  const shipped = fs.readFileSync(path.join(root, 'deploy/mosquitto/mosquitto.conf'), 'utf8');
  fs.writeFileSync(
    conf,
    localMosquittoConf(shipped, {
      port,
      ...(serverListener ? { serverPort } : {}),
      dataDir: dir,
      auth: { passwordFile: path.join(dir, 'passwd'), aclFile: path.join(dir, 'acl') },
    }),
  );
  const mosquitto = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  mosquitto.stderr.on('data', (chunk) => (output = (output + chunk).slice(-4000)));
  const stop = async () => {
    if (mosquitto.exitCode === null) {
      mosquitto.kill('SIGTERM');
      await new Promise((r) => mosquitto.once('exit', r));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await isListening(port)) || !(await isListening(serverPort))) {
    if (mosquitto.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`mosquitto did not start: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { brokerUrl: `mqtt://127.0.0.1:${port}`, serverHost: `127.0.0.1:${serverPort}`, pid: mosquitto.pid, stop };
}

export function mosquittoVersion() {
  try {
    return execFileSync('mosquitto', ['-h'], { encoding: 'utf8' }).split('\n')[0];
  } catch (error) {
    return (error.stdout ?? '').split('\n')[0] || 'mosquitto';
  }
}
