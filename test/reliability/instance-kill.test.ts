import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { SERVER_EVENTS } from '../../server/src/dtos/live.dto.js';
import { ApiClient, createUser } from '../support/auth.js';
import { provisionDevices } from '../support/devices.js';
import { connectLive, type LiveClient } from '../support/live.js';
import { startShippedMosquitto } from '../support/mosquitto.js';
import { createPatient, createTeam, sql, startTestPlatform } from '../support/platform.js';
import { createTestDatabase } from '../support/postgres.js';
import { startServer, type ServerProcess } from '../support/process.js';
import { startTestRedis } from '../support/redis.js';
import { waitFor } from '../support/wait.js';
import { expectStoredOnce, externalServerEnv, faultRounds, FULL, SIZE, START_MS, STORED_SQL, startFleet } from './fleet.js';

jest.setTimeout(FULL ? 1_800_000 : 900_000);

/**
 * Two server processes on one external Mosquitto (the shipped configuration), PostgreSQL and
 * Redis, with the exclusive ingest session docker-compose.yml ships: one consumes, the other
 * stands by. kill -9 of the one consuming, while devices publish at QoS 1 at a steady rate: the
 * other takes the session over with everything queued and unacknowledged in it (the whole
 * load), every sample sent is acknowledged and stored exactly once, and a dashboard's live
 * client on the killed one reconnects to the other and fills its gap with `watch {patientId,
 * since}` (the time of the last sample it holds): it ends up with every stored sample.
 */
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

type Role = 'active' | 'standby' | 'shared';
interface Instance {
  name: string;
  baseUrl: string;
  env: Record<string, string>;
  server: ServerProcess;
}

async function roleOf(instance: Instance): Promise<Role | undefined> {
  try {
    const body = (await (await fetch(`${instance.baseUrl}/api/ready`)).json()) as { details?: { broker?: { ingest?: Role } } };
    return body.details?.broker?.ingest;
  } catch {
    return undefined; // not listening
  }
}

/** A dashboard's view of one patient: a live socket on one instance at a time, and every sample it got over all of them. */
class Viewer {
  private readonly sockets: LiveClient[] = [];

  constructor(
    private readonly token: string,
    private readonly patientId: string,
  ) {}

  get current(): LiveClient {
    return this.sockets.at(-1)!;
  }

  /** Every sample received, as `deviceId|metric|epoch ms=value`, once each. */
  values(): Set<string> {
    return new Set(this.sockets.flatMap((socket) => socket.values(this.patientId)));
  }

  /** Connects to `instance` and watches the patient; `since` the last sample held, when it holds one. */
  async connect(instance: Instance): Promise<void> {
    const times = [...this.values()].map((value) => Number(value.split('|')[2].split('=')[0]));
    const socket = await connectLive(instance.baseUrl, this.token);
    this.sockets.push(socket);
    const since = times.length ? new Date(Math.max(...times)).toISOString() : undefined;
    expect(await socket.watch({ patientId: this.patientId, ...(since ? { since } : {}) })).toEqual({ ok: true });
  }

  /** Events that broke the contract, and resync requests, over every socket. */
  invalid = () => this.sockets.flatMap((socket) => socket.invalid);
  resyncs = () => this.sockets.flatMap((socket) => socket.of(SERVER_EVENTS.resync));

  close(): void {
    this.sockets.forEach((socket) => socket.close());
  }
}

describe('two server instances, kill -9 of the one consuming', () => {
  it('the other takes the exclusive session over: stored = acknowledged, no duplicate; live clients of the killed one fill their gap from the other', async () => {
    const [database, redis, mosquitto] = await Promise.all([createTestDatabase(), startTestRedis(), startShippedMosquitto()]);
    cleanup.push(
      () => database.drop(),
      () => redis.stop(),
      () => mosquitto.remove(),
    );
    const secret = randomBytes(32).toString('base64url');
    // In this process, on the same database and Redis, with an embedded broker no device uses: it
    // migrates the database, provisions, and signs the dashboard user in (one VIGIL_SECRET for all).
    const admin = await startTestPlatform({
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      VIGIL_SECRET: secret,
      VIGIL_TRUST_PROXY: '1',
      VIGIL_WORKERS: 'off',
    });
    cleanup.push(() => admin.close());
    const teamId = await createTeam(admin);
    const load = await provisionDevices(admin, SIZE.devices, await createPatient(admin, teamId));
    const watchedPatient = await createPatient(admin, teamId);
    const [watched] = await provisionDevices(admin, 1, watchedPatient);
    const user = await createUser(admin, 'care_staff', teamId);
    const { accessToken } = await new ApiClient(admin.baseUrl).signIn(user);

    const group = `kill${process.pid}`;
    const instances: Instance[] = [];
    for (const name of ['one', 'two']) {
      const { env, baseUrl, remove } = await externalServerEnv(
        { database: database.url, redis: redis.url, mqtt: mosquitto.serverUrl },
        { VIGIL_MQTT_SUBSCRIPTION: 'exclusive', VIGIL_MQTT_SHARE_GROUP: group, VIGIL_MQTT_CLIENT_ID: `vigil-${group}-${name}`, VIGIL_SECRET: secret },
      );
      cleanup.push(remove);
      const instance: Instance = { name, baseUrl, env, server: startServer(env) };
      cleanup.push(() => instance.server.stop('SIGKILL'));
      await instance.server.waitForReady(instance.baseUrl, START_MS);
      instances.push(instance);
    }
    const roles = async () => Promise.all(instances.map(roleOf));
    expect(await roles()).toEqual(['active', 'standby']);

    // A dashboard on the instance that consumes, the one each round kills.
    const viewer = new Viewer(accessToken, watchedPatient);
    cleanup.push(() => viewer.close());
    await viewer.connect(instances[0]);
    const devices = [...load, watched];
    const fleet = await startFleet(mosquitto.url, devices);
    cleanup.push(() => fleet.close());
    let killed: Instance | undefined;

    await faultRounds(
      async () => {
        const [first, second] = await roles();
        expect([first, second].sort()).toEqual(['active', 'standby']);
        killed = first === 'active' ? instances[0] : instances[1];
        await killed.server.stop('SIGKILL');
      },
      async () => {
        killed!.server = startServer(killed!.env);
        await killed!.server.waitForReady(killed!.baseUrl, START_MS);
        expect(await roleOf(killed!)).toBe('standby');
      },
      async () => {
        const survivor = instances.find((instance) => instance !== killed)!;
        await waitFor(
          () => roleOf(survivor),
          (role) => role === 'active',
          30_000,
          `instance ${survivor.name} to take the ingest session over`,
        );
        // The killed instance's live client reconnects, to the survivor (as the proxy sends it).
        await waitFor(() => viewer.current.socket.disconnected, Boolean, 30_000, 'the live socket on the killed instance to close');
        await viewer.connect(survivor);
      },
    );
    await fleet.finish();

    await expectStoredOnce(fleet, devices, async (id) => (await sql<{ n: number; distinct: number }>(admin, STORED_SQL, [id]))[0]);

    // Every sample of the watched device, as its publisher made them (not as the server stored them).
    const publisher = fleet.publishers.at(-1)!;
    const expected = Array.from({ length: publisher.state.sent }, (_, n) => `${watched.id}|hr|${publisher.base + n}=${60 + ((publisher.base + n) % 40)}`);
    await waitFor(
      () => viewer.values().size,
      (n) => n >= expected.length,
      60_000,
      'every sample to reach the live client',
    );
    expect([...viewer.values()].sort()).toEqual(expected.sort());
    expect(viewer.invalid()).toEqual([]);
    expect(viewer.resyncs()).toEqual([]);
  });
});
