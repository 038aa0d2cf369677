import { afterAll, beforeAll } from '@jest/globals';
import type { IClientOptions, MqttClient } from 'mqtt';
import { CLI_ACTOR } from '../../server/src/domain/actor.js';
import { EventBusRepository } from '../../server/src/repositories/event-bus.repository.js';
import type { DeviceKind } from '../../server/src/domain/device-kinds.js';
import { DeviceAdminService } from '../../server/src/services/device-admin.service.js';
import { connectDevice } from '../../simulators/src/devices/mqtt-link.js';
import { ApiClient, createUser, type TestUser } from './auth.js';
import { startMosquitto, type TestMosquitto } from './mosquitto.js';
import { createPatient, createTeam, sql, startTestPlatform, type TestPlatform } from './platform.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';
import { startTestRedis, type TestRedis } from './redis.js';
import { waitFor } from './wait.js';

/**
 * What the alert tests share: a database on the real PostgreSQL, a Redis and a Mosquitto of the
 * test's own, platforms started on them, and wards (a team, its staff, a patient, connected devices).
 */

const BROKER_TOKEN = 'test-broker-token-0123456789abcdef';

export interface AlertStack {
  database: TestDatabase;
  mosquitto: TestMosquitto;
  redis: TestRedis;
  /** DATABASE_URL, REDIS_URL, MQTT_URL (the server's broker user) and the broker token. */
  env: Record<string, string>;
  /**
   * A platform on the stack; each instance needs a client id of its own, and a second instance a
   * share group of its own (a persistent session left by a stopped instance would hold half of the
   * later messages). Rule sweeps every 200 ms, webhook retries from 200 ms.
   */
  start(clientId: string, options?: { shareGroup?: string; env?: Record<string, string> }): Promise<TestPlatform>;
  /** Ends the devices' connections and removes database, broker and Redis. */
  stop(): Promise<void>;
  /** Device connections to end at `stop()`. */
  clients: MqttClient[];
}

export async function startAlertStack(): Promise<AlertStack> {
  const [database, mosquitto, redis] = await Promise.all([createTestDatabase(), startMosquitto(), startTestRedis()]);
  const serverUrl = new URL(mosquitto.url);
  serverUrl.username = 'vigil-server';
  serverUrl.password = 'server-password';
  const env = { DATABASE_URL: database.url, REDIS_URL: redis.url, MQTT_URL: serverUrl.toString(), VIGIL_BROKER_AUTH_TOKEN: BROKER_TOKEN };
  const clients: MqttClient[] = [];
  return {
    database,
    mosquitto,
    redis,
    env,
    clients,
    start: (clientId, options = {}) =>
      startTestPlatform({
        ...env,
        VIGIL_MQTT_CLIENT_ID: clientId,
        VIGIL_MQTT_SHARE_GROUP: options.shareGroup ?? 'vigil',
        VIGIL_TRUST_PROXY: '1',
        VIGIL_ALERT_SWEEP_MS: '200',
        VIGIL_WEBHOOK_BACKOFF_MS: '200',
        ...options.env,
      }),
    async stop() {
      for (const client of clients) client.end(true);
      await Promise.all([database.drop(), mosquitto.remove(), redis.stop()]);
    },
  };
}

/**
 * For a describe block: a stack and one platform on it (client id `clientId`) before its tests,
 * handed to `use`, and both removed after them.
 */
export function useAlertPlatform(clientId: string, use: (started: { stack: AlertStack; platform: TestPlatform; api: ApiClient }) => void): void {
  let stack: AlertStack | undefined;
  let platform: TestPlatform | undefined;
  beforeAll(async () => {
    stack = await startAlertStack();
    platform = await stack.start(clientId);
    use({ stack, platform, api: new ApiClient(platform.baseUrl) });
  });
  afterAll(async () => {
    await platform?.close();
    await stack?.stop();
  });
}

export interface Ward {
  teamId: string;
  patientId: string;
  clinician: TestUser;
  careStaff: TestUser;
  /** The clinician's access token. */
  token: string;
  devices: Record<string, { id: string; secret: string; client: MqttClient }>;
}

/**
 * A team with a clinician and a care-staff member, one patient, and a device of each kind given,
 * connected to the stack's broker (`connect` overrides MQTT.js options, e.g. a Last Will).
 */
export async function createWard(
  stack: Pick<AlertStack, 'mosquitto' | 'clients'>,
  on: TestPlatform,
  kinds: DeviceKind[],
  connect: (deviceId: string) => IClientOptions = () => ({ reconnectPeriod: 200 }),
): Promise<Ward> {
  const teamId = await createTeam(on);
  const patientId = await createPatient(on, teamId);
  const [clinician, careStaff] = [await createUser(on, 'clinician', teamId), await createUser(on, 'care_staff', teamId)];
  const { accessToken } = await new ApiClient(on.baseUrl).signIn(clinician);
  const devices: Ward['devices'] = {};
  for (const kind of kinds) {
    const { device, secret } = await on.app.get(DeviceAdminService).createDevice(CLI_ACTOR, { patient: patientId, kind });
    const client = await connectDevice(stack.mosquitto.url, { id: device.id, secret }, connect(device.id));
    stack.clients.push(client);
    devices[kind] = { id: device.id, secret, client };
  }
  return { teamId, patientId, clinician, careStaff, token: accessToken, devices };
}

export interface AlertRow extends Record<string, unknown> {
  id: string;
  kind: string;
  metric: string | null;
  device_id: string | null;
  priority: string;
  state: string;
  count: number;
  value: number | null;
  escalation_level: number;
  cleared: boolean;
  condition_cleared_at: Date | null;
}

/** The patient's alerts as stored (of the kinds given), oldest first. */
export const alertsOf = (platform: TestPlatform, patientId: string, kinds?: string[]) =>
  sql<AlertRow>(
    platform,
    `SELECT id, kind, metric, device_id, priority, state, count, value, escalation_level, cleared, condition_cleared_at
       FROM alerts WHERE patient_id = $1 AND ($2::text[] IS NULL OR kind = ANY($2)) ORDER BY opened_at`,
    [patientId, kinds ?? null],
  );

/**
 * A team with a care-staff member and a patient whose fall detector (no broker needed) reports a
 * fall, handed to the rules as if ingest had stored it; `prepare` sets the team up first. The
 * alert it opened, with the team and the staff member.
 */
export async function fallAlert(
  on: TestPlatform,
  prepare: (teamId: string) => Promise<void> = async () => undefined,
): Promise<{ alertId: string; teamId: string; staff: TestUser }> {
  const teamId = await createTeam(on);
  const patientId = await createPatient(on, teamId);
  const staff = await createUser(on, 'care_staff', teamId);
  await prepare(teamId);
  const [device] = await sql<{ id: string }>(on, `INSERT INTO devices (patient_id, kind, secret_hash) VALUES ($1, 'fall_detector', 'x') RETURNING id`, [
    patientId,
  ]);
  on.app.get(EventBusRepository).emit('events.stored', { rows: [{ time: new Date(), patientId, deviceId: device.id, type: 'fall', data: {} }] });
  const [alert] = await waitFor(
    () => sql<{ id: string }>(on, `SELECT id FROM alerts WHERE patient_id = $1`, [patientId]),
    (rows) => rows.length === 1,
  );
  return { alertId: alert.id, teamId, staff };
}
