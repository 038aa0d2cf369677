import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { CLI_ACTOR } from '../../server/src/domain/actor.js';
import { topicFor } from '../../server/src/domain/protocol.js';
import type { ResyncV1 } from '../../server/src/dtos/live.dto.js';
import { DeviceAdminService } from '../../server/src/services/device-admin.service.js';
import { LiveService } from '../../server/src/services/live.service.js';
import { PatientAdminService } from '../../server/src/services/patient-admin.service.js';
import { UserAdminService } from '../../server/src/services/user-admin.service.js';
import { connectDevice } from '../../simulators/src/devices/mqtt-link.js';
import { ApiClient, createUser, type TestUser } from '../support/auth.js';
import { publish } from '../support/devices.js';
import { connectLive, type LiveClient, valuesOf } from '../support/live.js';
import { createPatient, createTeam, sql, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startTestRedis } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

/**
 * Who sees a patient live follows the care team, also for sockets already watching: when an
 * admin moves a patient to another team or removes a member, the sockets that may no longer see
 * it leave its room on every instance at once (not at the periodic check, which these servers
 * run once an hour), are told by `resync.v1`, and the removal is audited. Two instances on the
 * real PostgreSQL and one Redis; devices on instance one's embedded broker, sockets on both.
 */
jest.setTimeout(90_000);

describe('live access follows the care team', () => {
  let database: TestDatabase;
  let redis: { url: string; stop(): Promise<void> };
  let one: TestPlatform;
  let two: TestPlatform;
  const clients: LiveClient[] = [];
  const devices: MqttClient[] = [];
  let clock = Date.now() - 10 * 60_000;

  const connect = async (platform: TestPlatform, user: TestUser) => {
    const { accessToken } = await new ApiClient(platform.baseUrl).signIn(user);
    const client = await connectLive(platform.baseUrl, accessToken);
    clients.push(client);
    return client;
  };
  /** A patient of the team with a pulse oximeter on instance one's broker; `send` resolves after commit. */
  const patientWithDevice = async (teamId: string) => {
    const patientId = await createPatient(one, teamId);
    const { device, secret } = await one.app.get(DeviceAdminService).createDevice(CLI_ACTOR, { patient: patientId, kind: 'pulse_oximeter' });
    const client = await connectDevice(one.urls.broker, { id: device.id, secret });
    devices.push(client);
    const send = async () => {
      const sample = { t: (clock += 1000), m: { spo2: 95 } };
      await publish(client, topicFor(device.id, 'readings'), sample);
      return valuesOf(device.id, [sample]);
    };
    return { patientId, send };
  };
  const resyncs = (client: LiveClient) => client.of<ResyncV1>('resync.v1');

  beforeAll(async () => {
    [database, redis] = await Promise.all([createTestDatabase(), startTestRedis()]);
    const env = { DATABASE_URL: database.url, REDIS_URL: redis.url, VIGIL_LIVE_SESSION_CHECK_SECONDS: '3600', VIGIL_SECRET: 'x'.repeat(40) };
    [one, two] = await Promise.all([startTestPlatform(env), startTestPlatform(env)]);
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await Promise.all(devices.map((device) => device.endAsync()));
    await Promise.all([one?.close(), two?.close()]);
    await Promise.all([database?.drop(), redis?.stop()]);
  });

  it('a patient moved to another team leaves the old team\'s sockets on both instances at once, and reaches the new team\'s', async () => {
    const [teamA, teamB] = [await createTeam(one), await createTeam(one)];
    const moved = await patientWithDevice(teamA);
    const stays = await patientWithDevice(teamA);
    const [nurseA, nurseB] = [await createUser(one, 'clinician', teamA), await createUser(one, 'clinician', teamB)];
    const [onOne, onTwo] = [await connect(one, nurseA), await connect(two, nurseA)];
    for (const client of [onOne, onTwo]) {
      expect(await client.watch({ patientId: moved.patientId })).toEqual({ ok: true });
      expect(await client.watch({ patientId: stays.patientId })).toEqual({ ok: true });
    }
    const before = await moved.send();
    await waitFor(() => onTwo.values(moved.patientId), (values) => values.length === 1);
    expect(onOne.values(moved.patientId)).toEqual(before);

    await one.app.get(PatientAdminService).updatePatient(CLI_ACTOR, moved.patientId, { teamId: teamB });
    for (const client of [onOne, onTwo]) {
      await waitFor(() => resyncs(client), (list) => list.length === 1);
      expect(resyncs(client)[0]).toEqual({ patientId: moved.patientId, reason: expect.stringContaining('no longer in its care team') });
    }
    const newTeam = await connect(two, nurseB);
    expect(await newTeam.watch({ patientId: moved.patientId })).toEqual({ ok: true });

    const after = await moved.send();
    const marker = await stays.send();
    for (const client of [onOne, onTwo]) await waitFor(() => client.values(stays.patientId), (values) => values.includes(marker[0]));
    await waitFor(() => newTeam.values(moved.patientId), (values) => values.includes(after[0]));
    // Sent before the marker, on the same connection: had it reached the old team's sockets, it would be here.
    expect(onOne.values(moved.patientId)).toEqual(before);
    expect(onTwo.values(moved.patientId)).toEqual(before);
    expect(await onTwo.watch({ patientId: moved.patientId })).toEqual({ error: 'not found' });

    const audit = await waitFor(
      () => sql<{ details: Record<string, unknown> }>(one, `SELECT details FROM audit_log WHERE action = 'live.unwatch' AND patient_id = $1 AND actor_id = $2`, [moved.patientId, nurseA.id]),
      (rows) => rows.length >= 2,
    );
    expect(audit.map((row) => row.details)).toEqual([
      { by: 'server', reason: 'access ended' },
      { by: 'server', reason: 'access ended' },
    ]);
  });

  it('a member removed from a team stops getting its overview ticks at once', async () => {
    const team = await createTeam(one);
    const patient = await patientWithDevice(team);
    const [leaver, colleague] = [await createUser(one, 'care_staff', team), await createUser(one, 'care_staff', team)];
    const [leaving, staying] = [await connect(two, leaver), await connect(two, colleague)];
    for (const client of [leaving, staying]) expect(await client.watch({ teamId: team })).toEqual({ ok: true });
    await patient.send();
    await waitFor(() => leaving.of('overview.tick.v1'), (ticks) => ticks.length >= 1);

    await one.app.get(UserAdminService).removeTeamMember(CLI_ACTOR, team, leaver.id);
    await waitFor(() => resyncs(leaving), (list) => list.length === 1);
    expect(resyncs(leaving)[0]).toEqual({ teamId: team, reason: expect.stringContaining('no longer in its care team') });
    const ticksBefore = leaving.of('overview.tick.v1').length;
    const colleagueTicks = staying.of('overview.tick.v1').length;

    await patient.send();
    await waitFor(() => staying.of('overview.tick.v1'), (ticks) => ticks.length > colleagueTicks);
    expect(leaving.of('overview.tick.v1')).toHaveLength(ticksBefore);
    expect(resyncs(staying)).toEqual([]);
  });

  it('the periodic check removes a socket whose access ended by a change made elsewhere (the operator CLI, SQL)', async () => {
    const [teamA, teamB] = [await createTeam(one), await createTeam(one)];
    const moved = await patientWithDevice(teamA);
    const stays = await patientWithDevice(teamA);
    const nurse = await createUser(one, 'clinician', teamA);
    const client = await connect(two, nurse);
    for (const patient of [moved, stays]) expect(await client.watch({ patientId: patient.patientId })).toEqual({ ok: true });
    // A change no instance hears of, as the operator CLI makes it in a process of its own.
    await sql(one, 'UPDATE patients SET team_id = $2 WHERE id = $1', [moved.patientId, teamB]);
    await two.app.get(LiveService).checkSockets();
    await waitFor(() => resyncs(client), (list) => list.length === 1);
    expect(resyncs(client)).toEqual([{ patientId: moved.patientId, reason: expect.stringContaining('no longer in its care team') }]);
    const sent = await moved.send();
    const marker = await stays.send();
    await waitFor(() => client.values(stays.patientId), (values) => values.includes(marker[0]));
    expect(client.values(moved.patientId)).not.toContain(sent[0]);
  });

  it('unwatch leaves the room also when the patient is no longer the caller\'s to see', async () => {
    const [teamA, teamB] = [await createTeam(one), await createTeam(one)];
    const patient = await patientWithDevice(teamA);
    const stays = await patientWithDevice(teamA);
    const nurse = await createUser(one, 'clinician', teamA);
    const client = await connect(one, nurse);
    expect(await client.watch({ patientId: patient.patientId })).toEqual({ ok: true });
    expect(await client.watch({ patientId: stays.patientId })).toEqual({ ok: true });
    await sql(one, 'UPDATE patients SET team_id = $2 WHERE id = $1', [patient.patientId, teamB]);
    expect(await client.unwatch({ patientId: patient.patientId })).toEqual({ error: 'not found' });
    const sent = await patient.send();
    const marker = await stays.send();
    await waitFor(() => client.values(stays.patientId), (values) => values.includes(marker[0]));
    expect(client.values(patient.patientId)).not.toContain(sent[0]);
  });

  it('a socket asking for another team\'s patient or team is answered "not found" and leaves a refusal in the audit log', async () => {
    const [mine, theirs] = [await createTeam(one), await createTeam(one)];
    const patientId = await createPatient(one, theirs);
    const prober = await createUser(one, 'clinician', mine);
    const client = await connect(two, prober);
    expect(await client.watch({ patientId })).toEqual({ error: 'not found' });
    expect(await client.watch({ teamId: theirs })).toEqual({ error: 'not found' });
    const refusals = await waitFor(
      () => sql<{ target_id: string; patient_id: string | null; details: Record<string, unknown> }>(one, `SELECT target_id, patient_id, details FROM audit_log WHERE action = 'access.refused' AND actor_id = $1 ORDER BY id`, [prober.id]),
      (rows) => rows.length >= 2,
    );
    expect(refusals).toEqual([
      { target_id: 'SOCKET watch', patient_id: patientId, details: { status: 404, params: { patientId } } },
      { target_id: 'SOCKET watch', patient_id: null, details: { status: 404, params: { teamId: theirs } } },
    ]);
  });
});
