import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { demoKit } from '../../server/src/domain/demo-ward.js';
import { tempDir } from '../support/embedded.js';
import { startMosquitto, type TestMosquitto } from '../support/mosquitto.js';
import { observe } from '../support/observer.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { ROOT } from '../support/process.js';
import { startTestRedis } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

const CLI = path.join(ROOT, 'simulators/dist/cli.js');

/** Runs the built simulators CLI (`npm test` builds first) with only the given environment. */
function simulate(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, cwd: ROOT, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run simulate', () => {
  let mosquitto: TestMosquitto;
  let dir: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    dir = tempDir('vigil-simulate-');
  });
  afterAll(async () => {
    await mosquitto?.remove();
    dir?.remove();
  });

  it("runs seed demo's ward from its demo.json: every device online, publishing, and offline again after", async () => {
    const patients = [0, 3, 5].map((i) => ({
      id: `patient-${i}`,
      name: `Patient ${i}`,
      spo2Scale: demoKit(i).spo2Scale,
      devices: demoKit(i).kinds.map((kind) => ({ id: `p${i}-${kind}`, kind, secret: 'secret' })),
    }));
    const demoFile = path.join(dir.path, 'demo.json');
    fs.writeFileSync(demoFile, JSON.stringify({ teamId: 'team', users: [], patients }));
    const deviceIds = patients.flatMap((p) => p.devices.map((d) => d.id));
    const observer = await observe(mosquitto.url, ['vigil/v1/devices/#']);

    const run = await simulate(['--demo-file', demoFile, '--broker', mosquitto.url, '--speed', '60', '--duration', '4s', '--status-every', '1'], {
      DATA_DIR: dir.path,
    });
    expect(run).toMatchObject({ code: 0 });
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(new RegExp(`devices ${deviceIds.length}/${deviceIds.length} connected`));
    expect(run.stdout).toContain('deteriorating'); // the mixed ward's listing

    const byTopic = (kind: string) => new Set(observer.messages.filter((m) => m.topic.endsWith(`/${kind}`)).map((m) => m.topic.split('/')[3]));
    expect([...byTopic('status')].sort()).toEqual([...deviceIds].sort());
    // Four simulated minutes: every oximeter and wearable has measured.
    for (const id of deviceIds.filter((d) => /oximeter|wearable/.test(d))) expect(byTopic('readings')).toContain(id);
    const lastStatus = new Map(observer.messages.filter((m) => m.topic.endsWith('/status')).map((m) => [m.topic, JSON.parse(m.payload)]));
    for (const s of lastStatus.values()) expect(s).toMatchObject({ online: false });
    await observer.close();
  });

  it('refuses to provision into a DATA_DIR where no Vigil is (no server, no database, no DATABASE_URL)', async () => {
    const empty = tempDir('vigil-empty-');
    try {
      const run = await simulate(['--patients', '1', '--broker', mosquitto.url, '--duration', '1s'], { DATA_DIR: empty.path });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('there is no Vigil to provision devices in');
      expect(fs.readdirSync(empty.path)).toEqual([]);
    } finally {
      empty.remove();
    }
  });

  describe('provisioning through the operator commands', () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase();
    });
    afterAll(() => database?.drop());

    const query = async <R = Record<string, unknown>>(url: string, text: string, values: unknown[] = []): Promise<R[]> => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(text, values)).rows as R[];
      } finally {
        await client.end();
      }
    };
    const countIn = async (url: string, table: string) => Number((await query<{ n: string }>(url, `SELECT count(*) AS n FROM ${table}`))[0].n);
    const count = (table: string) => countIn(database.url, table);
    const wardFile = () => path.join(dir.path, 'simulated-ward.json');
    const readWards = () => JSON.parse(fs.readFileSync(wardFile(), 'utf8'));
    /** The ward the file keeps for a database, found by that database's installation id. */
    const wardOf = async (url: string) => readWards().databases[(await query<{ id: string }>(url, 'SELECT id FROM installation'))[0].id];

    it('creates the patients and devices a scenario needs, keeps their secrets, and reuses them next time', async () => {
      const env = { DATA_DIR: dir.path, DATABASE_URL: database.url };
      const first = await simulate(['--patients', '2', '--scenario', 'fall', '--broker', mosquitto.url, '--duration', '1s'], env);
      expect(first).toMatchObject({ code: 0 });
      expect(first.stderr).toContain('provisioned 2 patient(s)');
      const ward = await wardOf(database.url);
      expect(fs.statSync(wardFile()).mode & 0o777).toBe(0o600);
      expect(ward.patients).toHaveLength(2);
      for (const patient of ward.patients) {
        expect(patient.devices.map((d: { kind: string }) => d.kind)).toEqual(expect.arrayContaining(['fall_detector', 'alarm_button', 'pulse_oximeter']));
        for (const device of patient.devices) expect(device.secret).toMatch(/^[\w-]{20,}$/);
      }
      expect(await count('patients')).toBe(2);

      // mixed for 3 = deteriorating, stable, fall: the two fall patients fit two of them; one more is created.
      const second = await simulate(['--patients', '3', '--broker', mosquitto.url, '--duration', '1s'], env);
      expect(second).toMatchObject({ code: 0 });
      expect(second.stderr).toContain('provisioned 1 patient(s)');
      expect(await count('patients')).toBe(3);
      expect(await count('devices')).toBe((await wardOf(database.url)).patients.flatMap((p: { devices: unknown[] }) => p.devices).length);
    });

    it('feeds a fresh database its own devices, never the ward of another: every reading is stored, none dead-lettered', async () => {
      // The ward file also holds the first database's ward as a ward file of before (unkeyed):
      // offered to any database, it must be checked, not trusted.
      const first = await wardOf(database.url);
      fs.writeFileSync(wardFile(), JSON.stringify({ ...readWards(), unkeyed: first }));
      const fresh = await createTestDatabase();
      const redis = await startTestRedis();
      let platform: TestPlatform | undefined;
      try {
        platform = await startTestPlatform({
          DATABASE_URL: fresh.url,
          REDIS_URL: redis.url,
          MQTT_URL: mosquitto.url,
          VIGIL_MQTT_CLIENT_ID: 'vigil-fresh-ward',
        });
        const run = await simulate(['--patients', '3', '--scenario', 'deteriorating', '--broker', mosquitto.url, '--speed', '60', '--duration', '6s'], {
          DATA_DIR: dir.path,
          DATABASE_URL: fresh.url,
        });
        expect(run).toMatchObject({ code: 0 });
        expect(run.stderr).toContain(`the ward file held ${first.patients.length} patient(s)`);
        expect(run.stderr).toContain('provisioned 3 patient(s)');
        expect(run.stdout).toContain('broker acked');

        const ward = await wardOf(fresh.url);
        const devices: string[] = ward.patients.flatMap((p: { devices: Array<{ id: string }> }) => p.devices.map((d) => d.id));
        expect(devices.length).toBeGreaterThan(0);
        expect(devices.filter((id) => first.patients.some((p: { devices: Array<{ id: string }> }) => p.devices.some((d) => d.id === id)))).toEqual([]);
        expect(readWards().unkeyed).toBeUndefined();
        expect(await wardOf(database.url)).toEqual(first); // the first database's ward is kept for it

        const stored = await waitFor(
          () => countIn(fresh.url, 'readings'),
          (n) => n > 0,
          30_000,
          'readings stored in the fresh database',
        );
        expect(stored).toBeGreaterThan(0);
        // Only the retained status messages earlier tests' devices left on the broker may be refused.
        const refused = await query<{ topic: string; reason: string }>(fresh.url, 'SELECT topic, reason FROM dead_letters');
        expect(refused.filter((r) => r.reason !== 'unknown_device' || !r.topic.endsWith('/status'))).toEqual([]);
        expect(refused.filter((r) => devices.some((id) => r.topic.includes(id)))).toEqual([]);
        const sources = await query<{ device_id: string }>(fresh.url, 'SELECT DISTINCT device_id FROM readings');
        expect(sources.filter((r) => !devices.includes(r.device_id))).toEqual([]);
      } finally {
        await platform?.close();
        await redis.stop();
        await fresh.drop();
      }
    });
  });
});
