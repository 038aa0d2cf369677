import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
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
 * since}` (the time of the last sample it holds): it ends up with every stored sample, each
 * once. Each kill comes at a moment the killed instance has committed samples of the watched
 * patient it has not yet emitted live (frozen with SIGSTOP until the database holds one the
 * client lacks): those must reach the client through the gap fill on the other instance.
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
    return new Set(this.received());
  }

  /** Every sample received over every socket, as often as it was received. */
  received(from = 0): string[] {
    return this.sockets.slice(from).flatMap((socket) => socket.values(this.patientId));
  }

  /** How many sockets it has opened. */
  get count(): number {
    return this.sockets.length;
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

/** Waits until the process is stopped (SIGSTOP delivered: state T in /proc). */
async function frozen(pid: number): Promise<void> {
  const state = () => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
  await waitFor(state, (s) => s === 'T', 10_000, `process ${pid} stopped`);
}

/**
 * Waits until nothing the server on `port` sent is still on its way to this process: no bytes
 * in that server's send queues (`tx_queue`) nor unread in its clients' receive queues
 * (`rx_queue`), on every established connection of /proc/net/tcp and tcp6. A frozen server's
 * kernel goes on delivering what the server had written; only then is what the client holds
 * what the server emitted.
 */
async function delivered(port: number): Promise<void> {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const queued = () =>
    ['/proc/net/tcp', '/proc/net/tcp6']
      .flatMap((file) => fs.readFileSync(file, 'utf8').split('\n').slice(1))
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[3] === '01')
      .reduce((bytes, [, local, remote, , queues]) => {
        const [tx, rx] = queues.split(':').map((n) => parseInt(n, 16));
        return bytes + (local.endsWith(`:${hex}`) ? tx : 0) + (remote.endsWith(`:${hex}`) ? rx : 0);
      }, 0);
  await waitFor(queued, (bytes) => bytes === 0, 10_000, `what the server on port ${port} sent to be read`);
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
    // The watched device's committed samples, as the live client names them.
    const committed = async () =>
      (
        await sql<{ t: number; v: number }>(admin, `SELECT (extract(epoch FROM time) * 1000)::float8 AS t, value AS v FROM readings WHERE device_id = $1`, [
          watched.id,
        ])
      ).map((row) => `${watched.id}|hr|${row.t}=${row.v}`);
    // Per kill: what the killed instance had committed and the client lacked, and how many sockets the client had then.
    const notEmitted: Array<{ socketsBefore: number; values: string[] }> = [];

    await faultRounds(
      async () => {
        const [first, second] = await roles();
        expect([first, second].sort()).toEqual(['active', 'standby']);
        killed = first === 'active' ? instances[0] : instances[1];
        // Frozen, it emits nothing more, and nothing else commits (the other stands by while the frozen
        // one's connection holds the lock). Killed only when it has committed a sample the client lacks.
        const pid = killed.server.child.pid!;
        for (;;) {
          const before = await committed();
          killed.server.child.kill('SIGSTOP');
          await frozen(pid);
          await delivered(Number(new URL(killed.baseUrl).port));
          const held = viewer.values();
          const unseen = (await committed()).filter((value) => !held.has(value));
          if (unseen.length) {
            notEmitted.push({ socketsBefore: viewer.count, values: unseen });
            break;
          }
          killed.server.child.kill('SIGCONT');
          await waitFor(committed, (now) => now.length > before.length, 30_000, 'another sample of the watched device committed');
        }
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
    // None twice: not live and again by the gap fill, nor by two gap fills.
    const received = viewer.received();
    expect(received.filter((value, i) => received.indexOf(value) !== i)).toEqual([]);
    // What each killed instance committed but never emitted came later, over the sockets opened after the kill.
    expect(notEmitted).toHaveLength(SIZE.rounds);
    for (const { socketsBefore, values } of notEmitted) {
      const after = new Set(viewer.received(socketsBefore));
      expect(values.filter((value) => !after.has(value))).toEqual([]);
    }
    expect(viewer.invalid()).toEqual([]);
    expect(viewer.resyncs()).toEqual([]);
  });
});
