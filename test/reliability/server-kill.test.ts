import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import pg from 'pg';
import { freePort } from '../../server/src/embedded/net.js';
import { tempDir } from '../support/embedded.js';
import { startMosquitto } from '../support/mosquitto.js';
import { createTestDatabase } from '../support/postgres.js';
import { cliJson, startServer, type ServerProcess } from '../support/process.js';
import { startTestRedis } from '../support/redis.js';
import { waitFor } from '../support/wait.js';
import { connectionLossesOnly, externalServerEnv, faultRounds, FULL, provision, SIZE, START_MS, startFleet } from './fleet.js';

jest.setTimeout(FULL ? 1_800_000 : 900_000);

/**
 * kill -9 of the server process mid-stream, restarted on the same configuration, while devices
 * publish at QoS 1 at a steady rate: every sample sent is acknowledged and stored exactly once
 * (each sample has its own time; stored = sent = acknowledged), and nothing outlives the server.
 */
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function start(env: Record<string, string>, baseUrl: string): Promise<ServerProcess> {
  const server = startServer(env);
  cleanup.push(() => server.stop('SIGKILL'));
  await server.waitForReady(baseUrl, START_MS);
  return server;
}

describe('kill -9 of the server mid-stream', () => {
  it('embedded mode (aedes, PGlite, redis-server child): stored = acknowledged, no duplicate, no redis-server left behind', async () => {
    const dir = tempDir('vigil-kill-');
    cleanup.push(() => dir.remove());
    const port = await freePort();
    const brokerPort = await freePort();
    const env = { DATA_DIR: dir.path, PORT: String(port), VIGIL_MQTT_PORT: String(brokerPort), VIGIL_DEMO: 'off', LOG_LEVEL: 'warn' };
    const baseUrl = `http://127.0.0.1:${port}`;
    let server = await start(env, baseUrl);
    const devices = await provision(env, SIZE.devices);
    const fleet = await startFleet(`mqtt://127.0.0.1:${brokerPort}`, devices);
    cleanup.push(() => fleet.close());
    const redisPids: number[] = [];

    await faultRounds(
      async () => {
        redisPids.push(Number(fs.readFileSync(path.join(dir.path, 'redis', 'redis.pid'), 'utf8')));
        await server.stop('SIGKILL');
      },
      async () => {
        // Its redis-server went with it (the kernel's parent-death signal), before any restart.
        await waitFor(
          () => fs.existsSync(`/proc/${redisPids.at(-1)}`),
          (exists) => !exists,
          30_000,
          'the killed server’s redis-server to exit',
        );
        server = await start(env, baseUrl);
      },
    );
    await fleet.finish();

    expect(redisPids).toHaveLength(SIZE.rounds);
    const sent = fleet.total('sent');
    expect(connectionLossesOnly(fleet)).toEqual({});
    expect(fleet.total('acked')).toBe(sent);
    expect(sent).toBeGreaterThan(SIZE.devices * ((SIZE.runMs * (SIZE.rounds + 1)) / SIZE.intervalMs) * 0.5);
    // The unique key (device, metric, time) holds each sample once: a count equal to what was
    // sent means none lost and none doubled.
    const status = await cliJson<{ readings: number }>(['status'], env);
    expect(status.readings).toBe(sent);
    const killed = await server.stop('SIGTERM');
    expect(killed.code).toBe(0);
  });

  it('external mode (Mosquitto persistent session, PostgreSQL, Redis): stored = acknowledged, no duplicate', async () => {
    const [database, mosquitto, redis] = await Promise.all([createTestDatabase(), startMosquitto(), startTestRedis()]);
    cleanup.push(
      () => database.drop(),
      () => mosquitto.remove(),
      () => redis.stop(),
    );
    const { env, baseUrl, remove } = await externalServerEnv(
      { database: database.url, redis: redis.url, mqtt: mosquitto.url },
      { VIGIL_MQTT_CLIENT_ID: `vigil-kill-${process.pid}`, VIGIL_SECRET: randomBytes(32).toString('base64url') },
    );
    cleanup.push(remove);
    let server = await start(env, baseUrl);
    const devices = await provision(env, SIZE.devices);
    const fleet = await startFleet(mosquitto.url, devices);
    cleanup.push(() => fleet.close());
    let ackedWhileDown = 0;

    await faultRounds(
      () => server.stop('SIGKILL'),
      async () => {
        server = await start(env, baseUrl);
      },
      async () => {
        // The broker acknowledges the devices and queues for the server's persistent session.
        const before = fleet.total('acked');
        await waitFor(
          () => fleet.total('acked'),
          (n) => n > before,
          30_000,
          'acknowledgements while the server is down',
        );
        ackedWhileDown += fleet.total('acked') - before;
      },
    );
    await fleet.finish();

    expect(ackedWhileDown).toBeGreaterThan(0);
    expect(fleet.failures()).toEqual({});
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    cleanup.push(() => client.end());
    for (const [i, device] of devices.entries()) {
      const { sent, acked } = fleet.publishers[i].state;
      expect(acked).toBe(sent);
      // What the broker acknowledged is stored once it has delivered the session's queue.
      const stored = await waitFor(
        async () =>
          (
            await client.query<{ n: number; distinct: number }>(
              'SELECT count(*)::int AS n, count(DISTINCT time)::int AS distinct FROM readings WHERE device_id = $1',
              [device.id],
            )
          ).rows[0],
        (row) => row.n >= sent,
        60_000,
        `device ${i} stored`,
      );
      expect(stored).toEqual({ n: sent, distinct: sent });
    }
  });
});
