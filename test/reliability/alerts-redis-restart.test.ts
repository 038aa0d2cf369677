import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { CLI_ACTOR } from '../../server/src/domain/actor.js';
import { topicFor } from '../../server/src/domain/protocol.js';
import { DeviceAdminService } from '../../server/src/services/device-admin.service.js';
import { connectDevice } from '../../simulators/src/devices/mqtt-link.js';
import { ApiClient, createUser } from '../support/auth.js';
import { publish } from '../support/devices.js';
import { createPatient, createTeam, sql, startTestPlatform } from '../support/platform.js';
import { createTestDatabase } from '../support/postgres.js';
import { startTestRedis } from '../support/redis.js';
import { sleep, waitFor } from '../support/wait.js';
import { FULL, SIZE } from './fleet.js';

jest.setTimeout(FULL ? 1_200_000 : 300_000);

/**
 * Alerts while Redis (BullMQ's store: delivery and escalation jobs) restarts: alarm-button
 * presses before, during and after each restart of a redis-server of the test's own (its
 * append-only file kept), each on a patient of its own. Every press opens one alert (expected =
 * presses), each alert reaches its team's webhook once and its first escalation level in-app
 * once, and the second level, planned before the restart for a time after it, still fires,
 * once and not early.
 */
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

/** Presses per phase (before Redis goes, while it is away) of each round, and after the last. */
const PRESSES = FULL ? 4 : 1;
/** Level 1 of the chain: long enough that a level planned before a restart falls due after Redis is back. */
const LEVEL1_SECONDS = Math.ceil(SIZE.faultMs / 1000) + 10;

describe('alerts while Redis restarts', () => {
  it('none lost, none doubled, and a pending escalation still fires', async () => {
    const [database, redis] = await Promise.all([createTestDatabase(), startTestRedis()]);
    cleanup.push(
      () => database.drop(),
      () => redis.stop(),
    );
    const platform = await startTestPlatform({
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      VIGIL_TRUST_PROXY: '1',
      VIGIL_ALERT_SWEEP_MS: '200',
      VIGIL_WEBHOOK_BACKOFF_MS: '200',
    });
    cleanup.push(() => platform.close());

    const hooks = new Map<string, number>(); // alert id → webhook deliveries received
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const { alert } = JSON.parse(body) as { alert: { id: string } };
        hooks.set(alert.id, (hooks.get(alert.id) ?? 0) + 1);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => receiver.close());

    const teamId = await createTeam(platform);
    const [clinician, careStaff] = [await createUser(platform, 'clinician', teamId), await createUser(platform, 'care_staff', teamId)];
    const api = new ApiClient(platform.baseUrl);
    const { accessToken } = await api.signIn(clinician);
    const settings = await api.request('PATCH', `/api/teams/${teamId}/alert-settings`, {
      body: { escalation: `care_staff@0,clinician@${LEVEL1_SECONDS}` },
      token: accessToken,
    });
    expect(settings.status).toBe(200);
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    expect((await api.request('POST', `/api/teams/${teamId}/webhooks`, { body: { url }, token: accessToken })).status).toBe(201);

    // Patients with an alarm button each, provisioned up front (provisioning itself announces devices through Redis).
    const clients: MqttClient[] = [];
    cleanup.push(() => clients.forEach((client) => client.end(true)));
    const buttons: Array<{ patientId: string; deviceId: string; client: MqttClient }> = [];
    for (let i = 0; i < PRESSES * (2 * SIZE.rounds + 1); i++) {
      const patientId = await createPatient(platform, teamId);
      const { device, secret } = await platform.app.get(DeviceAdminService).createDevice(CLI_ACTOR, { patient: patientId, kind: 'alarm_button' });
      const client = await connectDevice(platform.urls.broker, { id: device.id, secret }, { reconnectPeriod: 200 });
      clients.push(client);
      buttons.push({ patientId, deviceId: device.id, client });
    }
    /** The next PRESSES buttons pressed, each once (the broker acknowledges after the event is stored). */
    const presses: string[] = [];
    const pressMany = async () => {
      for (const button of buttons.splice(0, PRESSES)) {
        await publish(button.client, topicFor(button.deviceId, 'events'), { t: Date.now(), type: 'alarm_button', data: {} });
        presses.push(button.patientId);
      }
    };

    const alerts = () =>
      sql<{ id: string; patient: string; count: number; level: number; opened: Date }>(
        platform,
        `SELECT id, patient_id AS patient, count, escalation_level AS level, opened_at AS opened FROM alerts WHERE patient_id = ANY($1) ORDER BY opened_at`,
        [presses],
      );
    let pendingAtRestart = 0;
    for (let round = 0; round < SIZE.rounds; round++) {
      await pressMany();
      await sleep(SIZE.runMs);
      // Level 1 of these is still ahead when Redis goes: it must survive the restart.
      pendingAtRestart += (await alerts()).filter((a) => a.level === 0).length;
      await redis.down();
      await pressMany();
      await sleep(SIZE.faultMs);
      await redis.up();
    }
    await pressMany();

    const expected = presses.length;
    expect(buttons).toEqual([]);
    expect(pendingAtRestart).toBeGreaterThan(0);
    // Every alert reaches level 1 of the chain (the last level): its escalation fired.
    const opened = await waitFor(
      alerts,
      (rows) => rows.length === expected && rows.every((a) => a.level === 1),
      (LEVEL1_SECONDS + 120) * 1000,
      'every alert escalated to level 1',
    );
    expect(new Set(opened.map((a) => a.patient)).size).toBe(expected); // one alert per press, none missed
    expect(opened.every((a) => a.count === 1)).toBe(true); // none counted twice
    await waitFor(
      () => [...hooks.values()].reduce((sum, n) => sum + n, 0),
      (n) => n >= expected,
      60_000,
      'a webhook delivery of every alert',
    );
    // An escalation step raises the level, then logs its in-app deliveries: wait for the log of every level 1.
    const deliveries = await waitFor(
      () =>
        sql<{ alert: string; level: number; channel: string; recipient: string; n: number; first: Date }>(
          platform,
          `SELECT alert_id AS alert, level, channel, recipient, count(*)::int AS n, min(at) AS first FROM alert_deliveries
            WHERE alert_id = ANY($1) AND status = 'sent' GROUP BY alert_id, level, channel, recipient`,
          [opened.map((a) => a.id)],
        ),
      (rows) => opened.every((a) => rows.some((d) => d.alert === a.id && d.channel === 'in_app' && d.level === 1)),
      60_000,
      'the in-app delivery of level 1 of every alert logged',
    );
    for (const alert of opened) {
      expect(hooks.get(alert.id)).toBe(1);
      const mine = deliveries.filter((d) => d.alert === alert.id && d.channel === 'in_app');
      expect(mine.map(({ level, recipient, n }) => ({ level, recipient, n })).sort((a, b) => a.level - b.level)).toEqual([
        { level: 0, recipient: careStaff.email, n: 1 },
        { level: 1, recipient: clinician.email, n: 1 },
      ]);
      // Not early: level 1 went out no sooner than its delay after the opening (database clock both).
      expect(mine.find((d) => d.level === 1)!.first.getTime()).toBeGreaterThanOrEqual(alert.opened.getTime() + LEVEL1_SECONDS * 1000 - 1000);
    }
  });
});
