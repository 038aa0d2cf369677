import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { verify } from 'otplib';
import { freePort } from '../../server/src/embedded/net.js';
import { tempDir } from '../support/embedded.js';
import { startMosquitto } from '../support/mosquitto.js';
import { observe } from '../support/observer.js';
import { startTestPlatform } from '../support/platform.js';
import { createTestDatabase } from '../support/postgres.js';
import { cliJson, runCli, startServer } from '../support/process.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

const alive = (pid: number) => fs.existsSync(`/proc/${pid}`);

/** The pid of the simulators child, from the server's log line "demo: N simulated homes running". */
function simulatorsPid(output: string): number {
  const line = output.split('\n').find((l) => l.includes('simulated homes running'));
  if (!line) throw new Error(`no demo in:\n${output}`);
  return (JSON.parse(line) as { pid: number }).pid;
}

describe('the demo of npm start', () => {
  const dir = tempDir('vigil-demo-');
  afterAll(() => dir.remove());

  it('seeds a ward of 20 on a new database, runs its homes (their readings stored), says how to sign in, and stops them with the server', async () => {
    const startedAt = Date.now();
    const port = await freePort();
    const env = { DATA_DIR: dir.path, PORT: String(port), VIGIL_MQTT_PORT: String(await freePort()) };
    const server = startServer(env);
    try {
      await server.waitForReady(`http://127.0.0.1:${port}`);
      await waitFor(() => server.output().includes('Vigil is running.'), Boolean, 30_000, 'the banner'); // the demo starts after readiness
      const demo = JSON.parse(fs.readFileSync(path.join(dir.path, 'demo.json'), 'utf8')) as {
        users: Array<{ email: string; password: string; totpSecret: string; role: string }>;
        patients: unknown[];
      };
      expect(demo.patients).toHaveLength(20);
      const clinician = demo.users.find((u) => u.role === 'clinician')!;
      expect(server.output()).toContain('20 simulated homes (demo ward just created)');
      expect(server.output()).toContain(`Sign in      ${clinician.email}, password ${clinician.password}`);
      expect(server.output()).toContain('npm run -s vigil -- demo code');

      // The one-time code the banner points to is the clinician's current TOTP.
      const { code } = await cliJson<{ code: string; validForSeconds: number }>(['demo', 'code'], env);
      expect((await verify({ secret: clinician.totpSecret, token: code, epochTolerance: 30 })).valid).toBe(true);
      const outsider = await runCli(['demo', 'code', '--email', 'someone@example.org'], env);
      expect(outsider.code).toBe(1);
      expect(outsider.stderr).toContain('is not a demo user');

      // The simulated homes run as the server's child, logging to DATA_DIR.
      const pid = simulatorsPid(server.output());
      expect(alive(pid)).toBe(true);
      const log = path.join(dir.path, 'demo-simulators.log');
      await waitFor(() => fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('20 patients'), Boolean, 10_000, 'the simulators log');

      // Living data: the demo's devices sign in to the embedded broker and their readings are stored.
      const status = await waitFor(
        () => cliJson<{ readings: number; lastReadingAt: string | null }>(['status'], env),
        (s) => s.readings > 0,
        90_000,
        'readings from the demo homes',
      );
      expect(Date.parse(status.lastReadingAt!)).toBeGreaterThanOrEqual(startedAt); // measured by this run's devices
      expect(fs.readFileSync(log, 'utf8')).not.toContain('cannot connect');

      const stopped = await server.stop('SIGTERM');
      expect(stopped.code).toBe(0); // within the server's 10 s budget (past it, it exits 1)
      expect(alive(pid)).toBe(false);
      expect(fs.readFileSync(log, 'utf8')).toContain('the devices say goodbye');
    } finally {
      await server.stop('SIGKILL');
    }
  });

  it('reuses demo.json on the next start, and can be turned off', async () => {
    const port = await freePort();
    const env = { DATA_DIR: dir.path, PORT: String(port), VIGIL_MQTT_PORT: String(await freePort()) };
    const before = fs.readFileSync(path.join(dir.path, 'demo.json'), 'utf8');
    const again = startServer(env);
    try {
      await again.waitForReady(`http://127.0.0.1:${port}`);
      await waitFor(() => again.output().includes('Vigil is running.'), Boolean, 30_000, 'the banner');
      expect(again.output()).toContain('Demo         20 simulated homes;');
      expect(fs.readFileSync(path.join(dir.path, 'demo.json'), 'utf8')).toBe(before);
      expect(await cliJson(['status'], env)).toMatchObject({ patients: 20 });
      expect((await again.stop('SIGTERM')).code).toBe(0);
    } finally {
      await again.stop('SIGKILL');
    }

    const off = startServer({ ...env, VIGIL_DEMO: 'off' });
    try {
      await off.waitForReady(`http://127.0.0.1:${port}`);
      await waitFor(() => off.output().includes('Vigil is running.'), Boolean, 30_000, 'the banner');
      expect(off.output()).not.toContain('simulated homes');
      expect(off.output()).toContain('Sign in      create a user');
    } finally {
      await off.stop('SIGKILL');
    }
  });
});

describe('the demo with external services', () => {
  it('does not run when DATABASE_URL is set, unless VIGIL_DEMO=on asks for it; then its devices use the external broker', async () => {
    const [database, mosquitto] = await Promise.all([createTestDatabase(), startMosquitto()]);
    const services = { DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL, MQTT_URL: mosquitto.url };
    try {
      const unasked = await startTestPlatform({ ...services, VIGIL_DEMO: '' }); // unset: the default
      expect(unasked.demo).toBeUndefined();
      await unasked.close();

      const observer = await observe(mosquitto.url, ['vigil/v1/devices/+/status']);
      const asked = await startTestPlatform({ ...services, VIGIL_DEMO: 'on' });
      try {
        expect(asked.demo).toMatchObject({ patients: 20, seeded: true });
        // Mosquitto here lets anyone in: the demo's devices come online on it.
        await waitFor(() => new Set(observer.messages.map((m) => m.topic)).size >= 100, Boolean, 20_000, 'demo devices online');
      } finally {
        await asked.close();
        await observer.close();
      }
    } finally {
      await Promise.all([database.drop(), mosquitto.remove()]);
    }
  });
});
