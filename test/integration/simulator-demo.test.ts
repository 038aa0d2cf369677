import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { verify } from 'otplib';
import { freePort } from '../../server/src/embedded/net.js';
import { ApiClient } from '../support/auth.js';
import { tempDir } from '../support/embedded.js';
import { connectLive } from '../support/live.js';
import { startMosquitto } from '../support/mosquitto.js';
import { observe } from '../support/observer.js';
import { startTestPlatform } from '../support/platform.js';
import { createTestDatabase } from '../support/postgres.js';
import { cliJson, runCli, startServer } from '../support/process.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { sleep, waitFor } from '../support/wait.js';

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

  it('seeds a ward of 20 on a new database, runs its homes (their readings stored), raises real alerts into the care-staff inbox, says how to sign in, and stops them with the server', async () => {
    const startedAt = Date.now();
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    // The demo as npm start runs it: its opening replay at the default ×60 catches up after 77 s.
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
      const careStaff = demo.users.find((u) => u.role === 'care_staff')!;
      expect(server.output()).toContain('20 simulated homes (demo ward just created)');
      expect(server.output()).toContain(`Sign in      ${clinician.email}, password ${clinician.password}`);
      expect(server.output()).toContain('npm run -s vigil -- demo code');
      expect(server.output()).toContain('replaying the 75 simulated minutes before now at ×60 (real time after 77 s)');
      expect(server.output()).toContain(`Alerts       reach the care-staff inbox of ${careStaff.email}, password ${careStaff.password}`);

      // The care-staff user signs in with the banner's credentials and listens on the socket at once.
      const api = new ApiClient(baseUrl);
      const { accessToken } = await api.signIn({ id: '', ...careStaff });
      const live = await connectLive(baseUrl, accessToken);

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

      // Who plays what, from the simulators' start-up listing ("  <name>  <scenario> …").
      const patients = demo.patients as Array<{ id: string; name: string }>;
      const playing = (scenario: string) => {
        const line = fs
          .readFileSync(log, 'utf8')
          .split('\n')
          .find((l) => new RegExp(`^\\S+ {3}.+ ${scenario} `).test(l))!;
        return patients.find((p) => line.includes(` ${p.name} `))!.id;
      };
      const [deteriorating, fallen, wanderer] = ['deteriorating', 'fall', 'wandering'].map(playing);

      // Real alerts through the real rules, in the care-staff user's persisted inbox, all raised by this run.
      type Alert = { id: string; patientId: string; kind: string; priority: string; state: string; openedAt: string };
      // Asked once a second, not every 50 ms: the replay keeps the embedded database busy enough.
      const inbox = () => sleep(1000).then(() => api.get<{ alerts: Alert[] }>('/api/alerts?state=open', accessToken).then((r) => r.body.alerts));
      const find = (alerts: Alert[], patientId: string, kind: string) => alerts.find((a) => a.patientId === patientId && a.kind === kind);
      const alerts = await waitFor(
        inbox,
        (list) => find(list, deteriorating, 'news2')?.priority === 'high' && !!find(list, fallen, 'fall') && !!find(list, wanderer, 'door_open'),
        120_000,
        'the demo alerts: NEWS2 high, a fall, a door open at night',
      );
      for (const [patientId, kind] of [
        [deteriorating, 'news2'],
        [fallen, 'fall'],
        [wanderer, 'door_open'],
      ]) {
        const alert = find(alerts, patientId, kind)!;
        expect(alert).toMatchObject({ state: 'open', priority: 'high' });
        // Opened at the simulated time of what raised it: inside this run's replay or since (the database is new).
        expect(Date.parse(alert.openedAt)).toBeGreaterThanOrEqual(startedAt - 76 * 60_000);
      }
      // The NEWS2 alert rose from medium (5–6) to high (≥ 7): the score's own series shows both bands in that order.
      const series = await api.get<{ points: Array<{ risk: string; score: number }> }>(`/api/patients/${deteriorating}/news2`, accessToken);
      const risks = series.body.points.map((p) => p.risk);
      expect(risks.indexOf('medium')).toBeGreaterThanOrEqual(0);
      expect(risks.indexOf('high')).toBeGreaterThan(risks.indexOf('medium'));
      // And the socket's inbox got it live: alert.v1 with the NEWS2 alert at high priority.
      const news2 = find(alerts, deteriorating, 'news2')!;
      await waitFor(
        () => live.of<{ alert: Alert }>('alert.v1').filter((e) => e.alert.id === news2.id),
        (events) => events.some((e) => e.alert.priority === 'high'),
        10_000,
        'alert.v1 of the NEWS2 alert',
      );
      expect(live.invalid).toEqual([]);
      live.close();

      // Living data: after the replay the demo's devices measure in real time.
      await waitFor(
        () => cliJson<{ readings: number; lastReadingAt: string | null }>(['status'], env),
        (s) => s.readings > 0 && Date.parse(s.lastReadingAt!) >= startedAt, // measured by this run's devices
        90_000,
        'readings from the demo homes in real time',
      );
      // Every device is accepted by the broker: no refusal. (A connection reset while the replay and
      // 141 sign-ins share a starved CPU is retried with backoff; the status line shows them all connected.)
      expect(fs.readFileSync(log, 'utf8')).not.toMatch(/cannot connect \((bad user name or password|not authorized|server unavailable)\)/);
      await waitFor(
        () => fs.readFileSync(log, 'utf8'),
        (text) => /devices (\d+)\/\1 connected/.test(text),
        90_000,
        'every demo device connected',
      );

      const stopped = await server.stop('SIGTERM');
      expect(stopped.code).toBe(0); // within the server's 10 s budget (past it, it exits 1)
      expect(alive(pid)).toBe(false);
      expect(fs.readFileSync(log, 'utf8')).toContain('the devices say goodbye');
    } finally {
      await server.stop('SIGKILL');
    }
  }, 240_000);

  it('reuses demo.json on the next start, runs it in real time at VIGIL_DEMO_SPEED=1, and can be turned off', async () => {
    const port = await freePort();
    // The speed knob at 1: no replay (the first test has it), the homes in real time from the start.
    const env = { DATA_DIR: dir.path, PORT: String(port), VIGIL_MQTT_PORT: String(await freePort()), VIGIL_DEMO_SPEED: '1' };
    const before = fs.readFileSync(path.join(dir.path, 'demo.json'), 'utf8');
    const again = startServer(env);
    try {
      await again.waitForReady(`http://127.0.0.1:${port}`);
      await waitFor(() => again.output().includes('Vigil is running.'), Boolean, 30_000, 'the banner');
      expect(again.output()).toContain('Demo         20 simulated homes;');
      expect(again.output()).toContain('in real time (VIGIL_DEMO_SPEED=1)');
      const log = path.join(dir.path, 'demo-simulators.log');
      await waitFor(
        () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : ''),
        (text) => text.includes('simulated time from'),
        10_000,
        'the simulators log',
      );
      expect(fs.readFileSync(log, 'utf8')).toMatch(/simulated time from \S+ \S+, ×1\n/); // no replay: real time from the start
      expect(fs.readFileSync(path.join(dir.path, 'demo.json'), 'utf8')).toBe(before);
      expect(await cliJson(['status'], env)).toMatchObject({ patients: 20 });
      // Ctrl-C, as a newcomer stops `npm start`: the SIGINT reaches redis-server and the homes too.
      expect((await again.interrupt()).code).toBe(0); // within the server's 10 s budget (past it, it exits 1)
      expect(again.output()).not.toContain('did not stop');
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
  }, 120_000);
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
