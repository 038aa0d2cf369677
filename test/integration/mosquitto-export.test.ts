import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { CLI_ACTOR } from '../../server/src/domain/actor.js';
import { mosquittoAcl } from '../../server/src/domain/mosquitto-files.js';
import { topicFor } from '../../server/src/domain/protocol.js';
import { DeviceAdminService } from '../../server/src/services/device-admin.service.js';
import { connectDevice } from '../../simulators/src/devices/mqtt-link.js';
import { countReadings, provisionDevices, publish, type TestDevice } from '../support/devices.js';
import { tempDir } from '../support/embedded.js';
import { handToBroker, startMosquitto, type TestMosquitto } from '../support/mosquitto.js';
import { sql, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { cliJson, runCli } from '../support/process.js';
import { startTestRedis } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

/**
 * `vigil mosquitto export` as the operator runs it, and a real Mosquitto 2.0 of the test's own
 * that knows clients only from the exported password file and ACL (allow_anonymous false),
 * with the Vigil server connected to it as its own user.
 */
jest.setTimeout(60_000);

const SERVER_USER = 'vigil-server';
const SERVER_PASSWORD = 'server-password-0123456789abcdef';
const NOT_AUTHORISED = /not authori[sz]ed/i;

interface ExportReport {
  passwd: string;
  acl: string;
  devices: number;
  skipped: Array<{ id: string; patientId: string | null; kind: string; reason: string }>;
}

describe('an external Mosquitto on the password file and ACL that Vigil exports', () => {
  const files = tempDir('vigil-mosquitto-files-');
  const secrets = tempDir('vigil-server-password-');
  const passwordFile = path.join(secrets.path, 'mqtt-password');
  let database: TestDatabase;
  let redis: { url: string; stop(): Promise<void> };
  let mosquitto: TestMosquitto;
  let platform: TestPlatform;
  let admin: DeviceAdminService;
  let devices: TestDevice[];
  const now = Date.now();

  /** The export, then the files handed to the broker's user (as the compose job does). */
  const exportFiles = async (env: Record<string, string> = {}, args = ['--server-password-file', passwordFile]) => {
    const report = await cliJson<ExportReport>(['mosquitto', 'export', '--dir', files.path, ...args], { DATABASE_URL: database.url, ...env });
    handToBroker(files.path, ['passwd', 'acl']);
    return report;
  };
  const exportAndReload = async () => {
    const report = await exportFiles();
    mosquitto.reload();
    return report;
  };
  /** 'accepted', or why the broker refused the connection. */
  const attempt = (username: string, password: string) =>
    connectDevice(mosquitto.url, { id: username, secret: password }).then(
      (client) => {
        client.end(true);
        return 'accepted';
      },
      (error: Error) => error.message,
    );

  beforeAll(async () => {
    fs.writeFileSync(passwordFile, `${SERVER_PASSWORD}\n`, { mode: 0o600 });
    [database, redis] = await Promise.all([createTestDatabase(), startTestRedis()]);
    // Mosquitto does not start without its password file: export first, here with the
    // server's credentials taken from MQTT_URL, as the compose job does.
    const serverUrl = `mqtt://${SERVER_USER}:${SERVER_PASSWORD}@127.0.0.1:1883`;
    expect(await exportFiles({ MQTT_URL: serverUrl }, [])).toMatchObject({ devices: 0, skipped: [] });
    mosquitto = await startMosquitto(['allow_anonymous false', `password_file ${files.path}/passwd`, `acl_file ${files.path}/acl`]);
    const url = new URL(mosquitto.url);
    url.username = SERVER_USER;
    url.password = SERVER_PASSWORD;
    platform = await startTestPlatform({
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      MQTT_URL: url.toString(),
      VIGIL_MQTT_CLIENT_ID: 'vigil-mosquitto-export-test',
    });
    admin = platform.app.get(DeviceAdminService);
    devices = await provisionDevices(platform, 5);
    expect(await exportAndReload()).toMatchObject({ devices: 5, skipped: [] });
    await waitFor(
      () => attempt(devices[0].id, devices[0].secret),
      (result) => result === 'accepted',
    );
  });
  afterAll(async () => {
    await platform?.close();
    await Promise.all([database?.drop(), mosquitto?.remove(), redis?.stop()]);
    files.remove();
    secrets.remove();
  });

  it('lets a device in with its secret; its readings reach the server, connected as the server user, and are stored', async () => {
    const [device] = devices;
    const client = await connectDevice(mosquitto.url, device);
    try {
      await publish(client, topicFor(device.id, 'readings'), { t: now - 1000, m: { hr: 71, spo2: 96 } });
      await waitFor(
        () => countReadings(platform, device.id),
        (n) => n === 2,
      );
    } finally {
      client.end(true);
    }
  });

  it('refuses a wrong secret, another device’s secret, an unknown device and a wrong server password', async () => {
    const [, a, b] = devices;
    expect(await attempt(a.id, 'not-the-secret')).toMatch(NOT_AUTHORISED);
    expect(await attempt(a.id, b.secret)).toMatch(NOT_AUTHORISED);
    expect(await attempt('00000000-0000-4000-8000-000000000000', a.secret)).toMatch(NOT_AUTHORISED);
    expect(await attempt(SERVER_USER, 'not-the-server-password')).toMatch(NOT_AUTHORISED);
  });

  it('drops what a device publishes under another device’s id: nothing is stored for that device', async () => {
    const [, a, b] = devices;
    const client = await connectDevice(mosquitto.url, a);
    try {
      await publish(client, topicFor(b.id, 'readings'), { t: now - 2000, m: { hr: 150 } });
      await publish(client, topicFor(b.id, 'events'), { t: now - 2000, type: 'fall' });
      // Published after those on the same connection: once it is stored, they would have been.
      await publish(client, topicFor(a.id, 'readings'), { t: now - 2000, m: { hr: 72 } });
      await waitFor(
        () => countReadings(platform, a.id),
        (n) => n === 1,
      );
    } finally {
      client.end(true);
    }
    expect(await countReadings(platform, b.id)).toBe(0);
    expect(
      await sql(platform, 'SELECT 1 FROM events WHERE device_id::text = $1 UNION ALL SELECT 1 FROM dead_letters WHERE device_id::text = $1', [b.id]),
    ).toEqual([]);
  });

  it('delivers commands from the server user to the addressed device only, and from no device', async () => {
    const [, a, b] = devices;
    const [toA, toB] = await Promise.all([connectDevice(mosquitto.url, a), connectDevice(mosquitto.url, b)]);
    const server = await connectDevice(mosquitto.url, { id: SERVER_USER, secret: SERVER_PASSWORD }, { clientId: 'vigil-commands-test' });
    const received = (client: MqttClient) => {
      const payloads: string[] = [];
      client.on('message', (_topic, payload) => payloads.push(payload.toString()));
      return payloads;
    };
    const [atA, atB] = [received(toA), received(toB)];
    try {
      // B may subscribe to A's commands (Mosquitto does not check SUBSCRIBE) but receives none.
      await Promise.all([toA.subscribeAsync(topicFor(a.id, 'commands'), { qos: 1 }), toB.subscribeAsync(topicFor(a.id, 'commands'), { qos: 1 })]);
      await publish(toB, topicFor(a.id, 'commands'), { from: 'device b' });
      await publish(server, topicFor(a.id, 'commands'), { from: 'server' });
      await waitFor(
        () => atA.length,
        (n) => n > 0,
      );
      await new Promise((r) => setTimeout(r, 300));
      expect(atA).toEqual(['{"from":"server"}']);
      expect(atB).toEqual([]);
    } finally {
      for (const client of [toA, toB, server]) client.end(true);
    }
  });

  it('refuses a revoked device after the export and a reload (SIGHUP), closing its open connection', async () => {
    const device = devices[3];
    const [client, bystander] = await Promise.all([connectDevice(mosquitto.url, device), connectDevice(mosquitto.url, devices[0])]);
    try {
      await admin.revokeDevice(CLI_ACTOR, device.id);
      const report = await exportFiles();
      expect(fs.readFileSync(report.passwd, 'utf8')).not.toContain(device.id);
      expect(await attempt(device.id, device.secret)).toBe('accepted'); // the broker keeps its files until the reload
      expect(client.connected).toBe(true);
      mosquitto.reload();
      await waitFor(
        () => client.connected,
        (connected) => !connected,
      );
      expect(await attempt(device.id, device.secret)).toMatch(NOT_AUTHORISED);
      await new Promise((r) => setTimeout(r, 200)); // the same reload would have closed it by now
      expect(bystander.connected).toBe(true); // a reload closes only connections it no longer accepts
    } finally {
      for (const open of [client, bystander]) open.end(true);
    }
  });

  it('after a rotation, the export and a reload: refuses the old secret, closing its open connection, and takes the new one', async () => {
    const device = devices[4];
    const { secret } = await admin.rotateDeviceSecret(CLI_ACTOR, device.id);
    await exportFiles();
    const old = await connectDevice(mosquitto.url, device); // the broker keeps its files until the reload
    try {
      mosquitto.reload();
      await waitFor(
        () => old.connected,
        (connected) => !connected,
      );
    } finally {
      old.end(true);
    }
    expect(await attempt(device.id, device.secret)).toMatch(NOT_AUTHORISED);
    const client = await connectDevice(mosquitto.url, { id: device.id, secret });
    try {
      await publish(client, topicFor(device.id, 'readings'), { t: now - 3000, m: { temp: 37.2 } });
      await waitFor(
        () => countReadings(platform, device.id),
        (n) => n === 1,
      );
    } finally {
      client.end(true);
    }
  });

  it('skips a device that has no Mosquitto hash (provisioned before this version), advising a rotation, which brings it in', async () => {
    const [legacy] = await provisionDevices(platform, 1);
    await sql(platform, 'UPDATE devices SET mosquitto_hash = NULL WHERE id = $1', [legacy.id]);
    const report = await exportAndReload();
    expect(report.skipped).toEqual([
      { id: legacy.id, patientId: legacy.patientId, kind: 'pulse_oximeter', reason: expect.stringContaining('rotate its secret') },
    ]);
    expect(fs.readFileSync(report.passwd, 'utf8')).not.toContain(legacy.id);
    expect(await attempt(legacy.id, legacy.secret)).toMatch(NOT_AUTHORISED);

    const { secret } = await admin.rotateDeviceSecret(CLI_ACTOR, legacy.id);
    expect((await exportAndReload()).skipped).toEqual([]);
    await waitFor(
      () => attempt(legacy.id, secret),
      (result) => result === 'accepted',
    );
  });

  it('writes a password file only its owner reads, one hash per user that may connect and no secret, and the ACL', async () => {
    const report = await exportFiles();
    expect(fs.statSync(report.passwd).mode & 0o777).toBe(0o600);
    const text = fs.readFileSync(report.passwd, 'utf8');
    const entries = text.split('\n').filter((line) => line && !line.startsWith('#'));
    const active = await sql<{ id: string }>(platform, 'SELECT id FROM devices WHERE revoked_at IS NULL');
    expect(entries.map((line) => line.split(':')[0]).sort()).toEqual([SERVER_USER, ...active.map((row) => row.id)].sort());
    expect(report.devices).toBe(active.length);
    for (const line of entries) expect(line.split(':')[1]).toMatch(/^\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/);
    for (const secret of [SERVER_PASSWORD, ...devices.map((device) => device.secret)]) expect(text).not.toContain(secret);
    expect(fs.readFileSync(report.acl, 'utf8')).toBe(mosquittoAcl(SERVER_USER));
  });

  it('refuses to export without the server user’s password, and never takes it on the command line', async () => {
    const result = await runCli(['mosquitto', 'export', '--dir', files.path], { DATABASE_URL: database.url });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--server-password-file');
    const inline = await runCli(['mosquitto', 'export', '--dir', files.path, '--server-password', SERVER_PASSWORD], { DATABASE_URL: database.url });
    expect(inline.code).toBe(2);
    expect(inline.stderr).toContain("unknown option '--server-password'");
  });
});
