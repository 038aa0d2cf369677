import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { DatabaseRepository } from '../../server/src/repositories/database.repository.js';
import { ReadingRepository } from '../../server/src/repositories/reading.repository.js';
import { createEmbeddedBroker } from '../../server/src/embedded/embedded-broker.js';
import { startEmbeddedDatabase } from '../../server/src/embedded/embedded-database.js';
import { freePort } from '../../server/src/embedded/net.js';
import { tempDir } from '../support/embedded.js';
import { cliJson, runCli, startServer } from '../support/process.js';
import type { TestDatabase } from '../support/postgres.js';
import { waitFor } from '../support/wait.js';

// Each test starts the built server on a new or reopened PGlite, which has taken over 45 s on the
// shared 2-core machine under load; a start cut short leaves a half-created data folder behind.
jest.setTimeout(300_000);

/** Holds a TCP port (as another broker would) until released. */
async function occupy(port: number): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(port, '0.0.0.0', resolve));
  return server;
}

describe('start-up refuses bad configuration, naming the variable', () => {
  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ DATABASE_URL: 'nonsense' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'redis//nope' }, 'REDIS_URL'],
  ])('%j', async (env, name) => {
    const server = startServer({ ...env, DATA_DIR: tempDir().path });
    const { code } = await server.exited;
    expect(code).toBe(78);
    expect(server.output()).toMatch(new RegExp(`^vigil: configuration error: ${name}: .+$`, 'm'));
  });

  it('stops when an explicitly chosen broker port is taken', async () => {
    const port = await freePort();
    const blocker = await occupy(port);
    const dir = tempDir();
    try {
      const server = startServer({ DATA_DIR: dir.path, PORT: String(await freePort()), VIGIL_MQTT_PORT: String(port), VIGIL_DEMO: 'off' });
      const { code } = await server.exited;
      expect(code).toBe(1);
      expect(server.output()).toContain(`VIGIL_MQTT_PORT: port ${port} is already in use`);
    } finally {
      blocker.close();
      dir.remove();
    }
  });

  // With setpriv on the PATH redis-server runs through it (tied to the server's life), without it directly.
  it.each([
    ['without setpriv', []],
    ['through setpriv', ['setpriv']],
  ])('says how to get redis-server when it is missing (%s)', async (_, tools) => {
    const bin = tempDir('vigil-path-');
    fs.symlinkSync(process.execPath, path.join(bin.path, 'node'));
    for (const tool of tools) fs.symlinkSync(`/usr/bin/${tool}`, path.join(bin.path, tool));
    const dir = tempDir();
    try {
      const server = startServer({
        PATH: bin.path,
        DATA_DIR: dir.path,
        PORT: String(await freePort()),
        VIGIL_MQTT_PORT: String(await freePort()),
        VIGIL_DEMO: 'off',
      });
      const { code } = await server.exited;
      expect(code).toBe(1);
      expect(server.output()).toContain('redis-server is not installed');
      expect(server.output()).toContain('apt-get install -y redis-server');
      expect(server.output()).toContain('REDIS_URL');
    } finally {
      bin.remove();
      dir.remove();
    }
  });
});

describe('the embedded broker port', () => {
  it('moves to the next free port when the default is taken', async () => {
    const port = await freePort();
    const blocker = await occupy(port);
    try {
      const broker = await createEmbeddedBroker(port, false);
      expect(broker.port).toBeGreaterThan(port);
      expect(broker.movedFrom).toBe(port);
      await broker.stop();
    } finally {
      blocker.close();
    }
  });
});

describe('the embedded platform: one command, persistent, stops cleanly', () => {
  const dir = tempDir('vigil-embedded-');
  let env: Record<string, string>;
  let baseUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    env = { DATA_DIR: dir.path, PORT: String(port), VIGIL_MQTT_PORT: String(await freePort()), VIGIL_DEMO: 'off' };
    baseUrl = `http://127.0.0.1:${port}`;
  });
  afterAll(() => dir.remove());

  let ids: { team: string; patient: string; device: string };

  it('starts on TimescaleDB with Redis and the broker, prints where things are, and takes CLI commands while running', async () => {
    const server = startServer(env);
    try {
      const ready = (await server.waitForReady(baseUrl)) as { details: Record<string, { status: string; dialect?: string }> };
      expect(ready.details.database).toMatchObject({ status: 'up', dialect: 'timescaledb' });
      expect(ready.details.redis.status).toBe('up');
      expect(ready.details.broker.status).toBe('up');
      expect(server.output()).toContain(`Dashboard    http://localhost:${env.PORT}`);
      expect(server.output()).toContain(`MQTT broker  mqtt://localhost:${env.VIGIL_MQTT_PORT} (embedded)`);

      // PGlite is the server's: the CLI goes through the running server.
      const team = await cliJson<{ id: string }>(['team', 'create', '--name', 'Nord'], env);
      const patient = await cliJson<{ id: string }>(['patient', 'create', '--name', 'Karen Nielsen', '--team', team.id, '--spo2-scale', '2'], env);
      const device = await cliJson<{ id: string; secret: string }>(['device', 'create', '--patient', patient.id, '--kind', 'pulse_oximeter'], env);
      expect(device.secret.length).toBeGreaterThanOrEqual(40);
      ids = { team: team.id, patient: patient.id, device: device.id };
      expect(await cliJson(['status'], env)).toMatchObject({ dialect: 'timescaledb', patients: 1, devices: 1 });

      // Mosquitto's files come through the server too, but are written by the CLI, where it runs.
      const out = tempDir('vigil-mosquitto-export-');
      try {
        const passwordFile = path.join(out.path, 'server-password');
        fs.writeFileSync(passwordFile, 'a-server-password\n');
        const exportDir = path.join(out.path, 'broker');
        const exported = await cliJson<{ passwd: string }>(['mosquitto', 'export', '--dir', exportDir, '--server-password-file', passwordFile], env);
        expect(exported).toEqual({ passwd: path.join(exportDir, 'passwd'), acl: path.join(exportDir, 'acl'), devices: 1, skipped: [] });
        expect(fs.readFileSync(exported.passwd, 'utf8')).toMatch(new RegExp(`^${device.id}:\\$7\\$101\\$`, 'm'));
      } finally {
        out.remove();
      }

      // 0: stopped cleanly within its own 10 s budget (past it the server exits 1).
      const { code } = await server.stop('SIGTERM');
      expect(code).toBe(0);
    } finally {
      await server.stop('SIGKILL');
    }
  });

  it('lets the CLI open the stopped data folder itself', async () => {
    expect(await cliJson(['status'], env)).toMatchObject({ dialect: 'timescaledb', patients: 1, devices: 1, readings: 0 });
    expect(fs.existsSync(path.join(dir.path, 'vigil.lock'))).toBe(false);
  });

  it('keeps every reading and record across a restart, and stops on Ctrl-C', async () => {
    // Readings written to the folder while the server is down (ingest has its own tests).
    const database = await startEmbeddedDatabase(dir.path);
    const db = DatabaseRepository.connect(database.url, { max: 1 });
    await db.detectDialect();
    const rows = Array.from({ length: 250 }, (_, i) => ({
      time: new Date(Date.now() - i * 1000),
      patientId: ids.patient,
      deviceId: ids.device,
      metric: 'spo2',
      value: 90 + (i % 8),
    }));
    expect(await new ReadingRepository(db).insertNew(rows)).toHaveLength(250);
    await db.close();
    await database.stop();

    const server = startServer(env);
    try {
      await server.waitForReady(baseUrl);
      expect(await cliJson(['status'], env)).toMatchObject({ patients: 1, devices: 1, readings: 250 });
      // As in a terminal: the SIGINT reaches the whole process group, redis-server included.
      const { code } = await server.interrupt();
      expect(code).toBe(0); // within the 10 s budget, as above
      expect(server.output()).not.toContain('did not stop');
    } finally {
      await server.stop('SIGKILL');
    }
  });

  it('recovers from kill -9: redis-server dies with the server, the stale lock is ignored, the data kept', async () => {
    const first = startServer(env);
    await first.waitForReady(baseUrl);
    const pidFile = path.join(dir.path, 'redis', 'redis.pid');
    const child = Number(fs.readFileSync(pidFile, 'utf8'));
    expect(fs.existsSync(`/proc/${child}`)).toBe(true);
    await first.stop('SIGKILL');
    // The kernel's parent-death signal stops it: no orphan, even with its folder gone.
    await waitFor(
      () => fs.existsSync(`/proc/${child}`),
      (exists) => !exists,
      15_000,
      'redis-server to exit after its server was killed',
    );

    const second = startServer(env);
    try {
      await second.waitForReady(baseUrl);
      expect(await cliJson(['status'], env)).toMatchObject({ patients: 1, devices: 1, readings: 250 });
      expect((await second.stop('SIGTERM')).code).toBe(0);
    } finally {
      await second.stop('SIGKILL');
    }
  });

  it('stops a leftover redis-server on its data folder before starting its own', async () => {
    // One not tied to any server (as a start without setpriv, or a crash of the machine's init, leaves).
    const folder = path.join(dir.path, 'redis');
    const pidFile = path.join(folder, 'redis.pid');
    fs.rmSync(pidFile, { force: true });
    const port = await freePort();
    const leftover = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', folder, '--appendonly', 'yes', '--pidfile', pidFile], {
      stdio: 'ignore',
      detached: true,
    });
    leftover.unref();
    await waitFor(() => fs.existsSync(pidFile), Boolean, 10_000, 'the leftover redis-server to write its pid file');
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    expect(pid).toBe(leftover.pid);

    const leftoverExited = new Promise((resolve) => leftover.once('exit', resolve));
    const server = startServer(env);
    try {
      await server.waitForReady(baseUrl);
      // This test spawned it, so it is reaped here: its exit event, not /proc (a zombie until then).
      await leftoverExited;
      expect(Number(fs.readFileSync(pidFile, 'utf8'))).not.toBe(pid);
      expect((await server.stop('SIGTERM')).code).toBe(0);
    } finally {
      await server.stop('SIGKILL');
      if (leftover.exitCode === null && leftover.signalCode === null) leftover.kill('SIGKILL');
    }
  });
});

describe('operator CLI against DATABASE_URL', () => {
  let database: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    const { createTestDatabase } = await import('../support/postgres.js');
    database = await createTestDatabase();
    env = { DATABASE_URL: database.url, DATA_DIR: tempDir().path };
  });
  afterAll(() => database?.drop());

  it('migrates once, then reports nothing to apply', async () => {
    const first = await cliJson<{ applied: string[] }>(['migrate'], env);
    expect(first.applied.length).toBeGreaterThanOrEqual(3);
    expect(await cliJson(['migrate'], env)).toEqual({ applied: [] });
  });

  it('provisions a team, an enrolled user, a patient and a device, storing no secret in plain text', async () => {
    const team = await cliJson<{ id: string }>(['team', 'create', '--name', 'Syd'], env);
    const user = await cliJson<{ id: string; totpSecret: string }>(
      [
        'user',
        'create',
        '--email',
        'nurse@example.org',
        '--name',
        'Nurse Hansen',
        '--role',
        'clinician',
        '--team',
        team.id,
        '--password',
        'a long enough passphrase',
      ],
      env,
    );
    expect(user.totpSecret).toMatch(/^[A-Z2-7]{32}$/);
    const { generate } = await import('otplib');
    expect(await generate({ secret: user.totpSecret })).toMatch(/^\d{6}$/);
    const patient = await cliJson<{ id: string }>(['patient', 'create', '--name', 'Jens Jensen', '--team', team.id], env);
    const device = await cliJson<{ id: string; secret: string }>(['device', 'create', '--patient', patient.id, '--kind', 'bp_cuff'], env);

    const db = DatabaseRepository.connect(database.url, { max: 1 });
    try {
      const stored = await db.query(
        `SELECT u.password_hash, u.totp_enrolled_at, d.secret_hash, (SELECT count(*) FROM team_members m WHERE m.user_id = u.id) AS teams
           FROM users u, devices d WHERE u.id = $1 AND d.id = $2`,
        [user.id, device.id],
      );
      const row = stored.rows[0];
      expect(row.password_hash).toMatch(/^\$argon2id\$/);
      expect(row.totp_enrolled_at).not.toBeNull();
      expect(row.teams).toBe(1);
      expect(row.secret_hash).not.toContain(device.secret);
      expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
      const audit = await db.query<{ action: string }>(`SELECT action FROM audit_log WHERE actor_label = 'cli' ORDER BY id`);
      expect(audit.rows.map((r) => r.action)).toEqual(['team.create', 'user.create', 'patient.create', 'device.create']);
    } finally {
      await db.close();
    }
    expect(await cliJson(['status'], env)).toMatchObject({ dialect: 'postgresql', patients: 1, devices: 1 });
  });

  it.each([
    [['team', 'create', '--name', ''], 2, '--name: must not be empty'],
    [['user', 'create', '--email', 'not-an-email', '--name', 'X', '--role', 'clinician'], 2, '--email: expected an e-mail address'],
    [['user', 'create', '--email', 'x@example.org', '--name', 'X', '--role', 'boss'], 2, '--role: expected one of admin, clinician, care_staff'],
    [['user', 'create', '--email', 'y@example.org', '--name', 'Y', '--role', 'admin', '--password', 'short'], 2, 'at least 12 characters'],
    [['patient', 'create', '--name', 'P', '--team', '00000000-0000-4000-8000-000000000000'], 1, 'team 00000000-0000-4000-8000-000000000000 not found'],
    [['patient', 'create', '--name', 'P', '--team', 'abc'], 2, '--team: expected a team id'],
    [['device', 'create', '--patient', '00000000-0000-4000-8000-000000000000', '--kind', 'toaster'], 2, '--kind: expected one of'],
    [['team', 'create', '--name', 'syd'], 1, 'a team named "syd" already exists'],
    [['patient', 'create', '--name', 'P'], 2, "required option '--team <id>' not specified"],
  ])('vigil %j exits %d with a clear message', async (args, code, message) => {
    const result = await runCli(['--json', ...args], env);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
  });
});
