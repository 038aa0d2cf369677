import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { CLI_ACTOR } from '../../server/src/domain/actor.js';
import { topicFor } from '../../server/src/domain/protocol.js';
import type { AlertWire } from '../../server/src/dtos/live.dto.js';
import { EventBusRepository } from '../../server/src/repositories/event-bus.repository.js';
import { DeviceAdminService } from '../../server/src/services/device-admin.service.js';
import { connectDevice } from '../../simulators/src/devices/mqtt-link.js';
import { ApiClient, createUser, type TestUser } from '../support/auth.js';
import { metric, publish } from '../support/devices.js';
import { connectLive, type LiveClient, valuesOf } from '../support/live.js';
import { startMosquitto, type TestMosquitto } from '../support/mosquitto.js';
import { createPatient, createTeam, sql, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startTestRedis } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

/**
 * The live contract end to end: two server instances on the real PostgreSQL, one Redis and a
 * real Mosquitto (shared subscription: each message is ingested by one instance), real
 * socket.io clients, readings published over MQTT by real device connections.
 */
jest.setTimeout(90_000);

describe('live stream: two instances, Mosquitto, Redis, PostgreSQL', () => {
  let database: TestDatabase;
  let mosquitto: TestMosquitto;
  let redis: { url: string; stop(): Promise<void> };
  let one: TestPlatform;
  let two: TestPlatform;
  let teamA: string;
  let teamB: string;
  let patientA: string;
  let quietA: string;
  let patientB: string;
  let deviceA: { id: string; secret: string };
  let deviceB: { id: string; secret: string };
  let mqttA: MqttClient;
  let mqttB: MqttClient;
  let nurseA: TestUser;
  let nurseB: TestUser;
  let tokenA: string;
  let tokenB: string;
  const clients: LiveClient[] = [];
  const connect = async (platform: TestPlatform, token: string) => {
    const client = await connectLive(platform.baseUrl, token);
    clients.push(client);
    return client;
  };
  let clock = Date.now() - 10 * 60_000;
  /** `count` one-second samples of hr and spo2, times never used before in this file. */
  const samples = (count: number) => Array.from({ length: count }, (_, i) => ({ t: (clock += 1000), m: { hr: 60 + (i % 40), spo2: 90 + (i % 10) } }));
  const sendOneByOne = async (client: MqttClient, deviceId: string, list: Array<{ t: number; m: Record<string, number> }>) => {
    for (const sample of list) await publish(client, topicFor(deviceId, 'readings'), sample);
  };

  beforeAll(async () => {
    [database, mosquitto, redis] = await Promise.all([createTestDatabase(), startMosquitto(), startTestRedis()]);
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      MQTT_URL: mosquitto.url,
      VIGIL_LIVE_SESSION_CHECK_SECONDS: '1',
      VIGIL_TRUST_PROXY: '1',
      VIGIL_SECRET: 'x'.repeat(40),
    };
    one = await startTestPlatform({ ...env, VIGIL_MQTT_CLIENT_ID: 'vigil-live-one' });
    two = await startTestPlatform({ ...env, VIGIL_MQTT_CLIENT_ID: 'vigil-live-two' });
    [teamA, teamB] = [await createTeam(one), await createTeam(one)];
    [patientA, quietA, patientB] = [await createPatient(one, teamA), await createPatient(one, teamA), await createPatient(one, teamB)];
    const admin = one.app.get(DeviceAdminService);
    for (const [patient, assign] of [
      [patientA, (d: { id: string; secret: string }) => (deviceA = d)],
      [patientB, (d: { id: string; secret: string }) => (deviceB = d)],
    ] as const) {
      const { device, secret } = await admin.createDevice(CLI_ACTOR, { patient, kind: 'pulse_oximeter' });
      assign({ id: device.id, secret });
    }
    [mqttA, mqttB] = await Promise.all([connectDevice(mosquitto.url, deviceA), connectDevice(mosquitto.url, deviceB)]);
    [nurseA, nurseB] = [await createUser(one, 'clinician', teamA), await createUser(one, 'care_staff', teamB)];
    tokenA = (await new ApiClient(one.baseUrl).signIn(nurseA)).accessToken;
    tokenB = (await new ApiClient(one.baseUrl).signIn(nurseB)).accessToken;
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    mqttA?.end(true);
    mqttB?.end(true);
    await Promise.all([one?.close(), two?.close()]);
    await Promise.all([database?.drop(), mosquitto?.remove(), redis?.stop()]);
  });

  it('refuses a socket without a token or with a bad one', async () => {
    await expect(connectLive(one.baseUrl, undefined)).rejects.toMatchObject({ message: 'unauthorized' });
    await expect(connectLive(one.baseUrl, 'not-a-token')).rejects.toMatchObject({ message: 'unauthorized' });
  });

  it('answers "not found" alike for another team’s patient or team and a missing one, and names a bad field', async () => {
    const client = await connect(one, tokenA);
    const missing = '00000000-0000-4000-8000-00000000dead';
    expect(await client.watch({ patientId: patientB })).toEqual({ error: 'not found' });
    expect(await client.watch({ patientId: missing })).toEqual({ error: 'not found' });
    expect(await client.watch({ teamId: teamB })).toEqual({ error: 'not found' });
    expect(await client.watch({ teamId: missing })).toEqual({ error: 'not found' });
    const bad = await client.watch({ patientId: 'nope' });
    expect('error' in bad && bad.error).toMatch(/^invalid body: patientId: /);
    const badSince = await client.watch({ patientId: patientA, since: 'yesterday' });
    expect('error' in badSince && badSince.error).toMatch(/since: /);
    client.close();
  });

  it('delivers exactly the samples of the watched patient, from both instances’ ingest, coalesced, and nothing of team B', async () => {
    const onOne = await connect(one, tokenA);
    const onTwo = await connect(two, tokenA);
    const otherTeam = await connect(two, tokenB);
    expect(await onOne.watch({ patientId: patientA })).toEqual({ ok: true });
    expect(await onTwo.watch({ patientId: patientA })).toEqual({ ok: true });
    expect(await otherTeam.watch({ patientId: patientB })).toEqual({ ok: true });
    const ingestedBefore = [await metric(one.baseUrl, 'vigil_ingest_points_total'), await metric(two.baseUrl, 'vigil_ingest_points_total')];

    const forA = samples(120);
    const forB = samples(10);
    await Promise.all([sendOneByOne(mqttA, deviceA.id, forA), sendOneByOne(mqttB, deviceB.id, forB)]);
    const expected = valuesOf(deviceA.id, forA).sort();
    for (const client of [onOne, onTwo]) {
      await waitFor(
        () => client.values(patientA).length,
        (n) => n >= expected.length,
        30_000,
        'samples of patient A',
      );
    }
    await waitFor(
      () => otherTeam.values(patientB).length,
      (n) => n >= 20,
      30_000,
      'samples of patient B',
    );
    // Each instance ingested part of the stream (Mosquitto's shared subscription), and each client got all of it.
    const ingested = [await metric(one.baseUrl, 'vigil_ingest_points_total'), await metric(two.baseUrl, 'vigil_ingest_points_total')];
    expect(ingested[0]).toBeGreaterThan(ingestedBefore[0]);
    expect(ingested[1]).toBeGreaterThan(ingestedBefore[1]);
    for (const client of [onOne, onTwo]) {
      expect(client.values(patientA).sort()).toEqual(expected);
      expect(client.values(patientB)).toEqual([]);
      // 120 messages, yet far fewer batches: they were coalesced.
      expect(client.of('reading.batch.v1').length).toBeLessThan(forA.length / 2);
      expect(client.invalid).toEqual([]);
    }
    expect(otherTeam.values(patientB).sort()).toEqual(valuesOf(deviceB.id, forB).sort());
    expect(otherTeam.values(patientA)).toEqual([]);

    const audit = await sql<{ n: number }>(one, `SELECT count(*)::int AS n FROM audit_log WHERE action = 'live.watch' AND patient_id = $1 AND actor_id = $2`, [
      patientA,
      nurseA.id,
    ]);
    expect(audit[0].n).toBe(2);
  });

  it('after a reconnect with since, sends exactly the samples missed, none twice, then live data', async () => {
    const first = await connect(two, tokenA);
    expect(await first.watch({ patientId: patientA })).toEqual({ ok: true });
    const held = samples(20);
    await sendOneByOne(mqttA, deviceA.id, held);
    await waitFor(
      () => first.values(patientA).length,
      (n) => n >= 40,
      30_000,
      'first samples',
    );
    const last = Math.max(...first.values(patientA).map((v) => Number(v.split('|')[2].split('=')[0])));
    first.close();

    const missed = samples(30);
    await sendOneByOne(mqttA, deviceA.id, missed);
    await waitFor(
      async () =>
        (await sql<{ n: number }>(one, 'SELECT count(*)::int AS n FROM readings WHERE device_id = $1 AND time > $2', [deviceA.id, new Date(last)]))[0].n,
      (n) => n === 60,
    );

    const again = await connect(one, tokenA);
    const later = samples(15);
    const sending = sendOneByOne(mqttA, deviceA.id, later); // live data flows while the gap is filled
    expect(await again.watch({ patientId: patientA, since: new Date(last).toISOString() })).toEqual({ ok: true });
    await sending;
    const expected = [...valuesOf(deviceA.id, missed), ...valuesOf(deviceA.id, later)].sort();
    await waitFor(
      () => again.values(patientA).length,
      (n) => n >= expected.length,
      30_000,
      'gap and live samples',
    );
    await new Promise((resolve) => setTimeout(resolve, 600)); // two more flushes: nothing else may arrive
    expect(again.values(patientA).sort()).toEqual(expected);
    expect(again.invalid).toEqual([]);
  });

  it('sends alert.v1 to every signed-in member of the patient’s team, once, on any instance', async () => {
    const inboxOne = await connect(one, tokenA);
    const inboxTwo = await connect(two, tokenA);
    const otherTeam = await connect(one, tokenB);
    const alert: AlertWire = {
      id: '00000000-0000-4000-8000-0000000a1e47',
      patientId: patientA,
      kind: 'fall',
      priority: 'high',
      state: 'open',
      openedAt: new Date().toISOString(),
      lastSeenAt: new Date().toISOString(),
      count: 1,
      escalationLevel: 0,
    };
    two.app.get(EventBusRepository).emit('alert.changed', { alert, teamId: teamA, change: 'opened' });
    for (const client of [inboxOne, inboxTwo])
      await waitFor(
        () => client.of('alert.v1').length,
        (n) => n >= 1,
        10_000,
        'alert.v1',
      );
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const client of [inboxOne, inboxTwo]) {
      expect(client.of('alert.v1')).toEqual([{ alert }]);
      expect(client.invalid).toEqual([]);
    }
    expect(otherTeam.of('alert.v1')).toEqual([]);
  });

  it('ticks the team overview with only the changed rows, and sends device status to the patient room', async () => {
    const overview = await connect(two, tokenA);
    expect(await overview.watch({ teamId: teamA })).toEqual({ ok: true });
    const watcher = await connect(one, tokenA);
    expect(await watcher.watch({ patientId: patientA })).toEqual({ ok: true });
    const sent = samples(3);
    await sendOneByOne(mqttA, deviceA.id, sent);
    await publish(mqttA, topicFor(deviceA.id, 'status'), { t: Date.now(), online: true, battery: 77 });
    const ticks = await waitFor(
      () => overview.of<{ teamId: string; patients: Array<{ id: string; latest: Record<string, { value: number }> }> }>('overview.tick.v1'),
      (list) => list.some((tick) => tick.patients.some((p) => p.latest.hr?.value === sent[2].m.hr)),
      15_000,
      'an overview tick with the newest pulse',
    );
    for (const tick of ticks) {
      expect(tick.teamId).toBe(teamA);
      expect(tick.patients.map((p) => p.id)).toEqual([patientA]); // the quiet patient never changed
    }
    expect(ticks.flatMap((t) => t.patients.map((p) => p.id))).not.toContain(quietA);
    // Its readings brought the device online already (liveness), so a status without the battery may come first.
    const statuses = await waitFor(
      () => watcher.of<{ battery: number | null }>('device.status.v1'),
      (list) => list.some((s) => s.battery === 77),
      10_000,
      'device.status.v1 with the battery',
    );
    expect(statuses.find((s) => s.battery === 77)).toMatchObject({ patientId: patientA, deviceId: deviceA.id, online: true, battery: 77 });
    expect([overview.invalid, watcher.invalid]).toEqual([[], []]);
    const audit = await sql<{ n: number }>(one, `SELECT count(*)::int AS n FROM audit_log WHERE action = 'live.watch_team' AND target_id = $1`, [teamA]);
    expect(audit[0].n).toBe(1);
  });

  it('disconnects a connected socket whose session is revoked', async () => {
    const api = new ApiClient(one.baseUrl);
    const { accessToken, refreshCookie } = await api.signIn(nurseA);
    const client = await connect(two, accessToken);
    const disconnected = new Promise<string>((resolve) => client.socket.once('disconnect', (reason) => resolve(reason)));
    const logout = await api.request('POST', '/api/auth/logout', { token: accessToken, cookie: refreshCookie });
    expect(logout.status).toBeLessThan(300);
    expect(await disconnected).toBe('io server disconnect');
    await expect(connectLive(two.baseUrl, accessToken)).rejects.toMatchObject({ message: 'unauthorized' });
  });
});
