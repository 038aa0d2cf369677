import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { countReadings, provisionDevices } from '../support/devices.js';
import { startTestPlatform } from '../support/platform.js';
import { createTestDatabase } from '../support/postgres.js';
import { startTestRedis } from '../support/redis.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';
import { faultRounds, FULL, SIZE, startFleet } from './fleet.js';

jest.setTimeout(FULL ? 1_200_000 : 300_000);

/**
 * A dependency goes away mid-stream and comes back while devices publish at QoS 1 at a steady
 * rate (embedded broker, which acknowledges a sample only after it is committed): the server
 * recovers by itself, /api/ready names what is down meanwhile, and stored = acknowledged = sent.
 *
 * PostgreSQL: the machine's server is shared with other work, so it is not restarted; the
 * server reaches it through a TCP proxy that cuts every connection and refuses new ones (what
 * a restart looks like from the client). Redis: a redis-server of the test's own, stopped and
 * started again on the same port with its append-only file.
 */
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

type Ready = { status: string; error?: Record<string, { status: string }>; details?: Record<string, { status: string }> };
async function ready(baseUrl: string): Promise<{ code: number; body: Ready }> {
  const response = await fetch(`${baseUrl}/api/ready`);
  return { code: response.status, body: (await response.json()) as Ready };
}

/**
 * /api/ready answers 503 with exactly `down` down and the other dependencies up. The `ingest`
 * check is left out: whether it has turned down yet depends on how long the outage has lasted
 * (VIGIL_INGEST_STALL_SECONDS), not on which dependency is down.
 */
async function waitUntilDown(baseUrl: string, down: string) {
  const answer = await waitFor(
    () => ready(baseUrl),
    (r) => r.code === 503,
    30_000,
    `/api/ready to report ${down} down`,
  );
  const statuses = Object.fromEntries(
    Object.entries(answer.body.details ?? {})
      .filter(([name]) => name !== 'ingest')
      .map(([name, detail]) => [name, detail.status]),
  );
  expect(statuses).toEqual({ database: 'up', redis: 'up', broker: 'up', [down]: 'down' });
}

async function run(platformEnv: Record<string, string>, fault: { name: string; cause(): unknown; recover(): unknown }) {
  const platform = await startTestPlatform(platformEnv);
  cleanup.push(() => platform.close());
  const devices = await provisionDevices(platform, SIZE.devices);
  const fleet = await startFleet(platform.urls.broker, devices);
  cleanup.push(() => fleet.close());
  expect((await ready(platform.baseUrl)).code).toBe(200);

  await faultRounds(
    async () => fault.cause(),
    async () => {
      await fault.recover();
      await waitFor(
        () => ready(platform.baseUrl),
        (r) => r.code === 200,
        60_000,
        '/api/ready to recover',
      );
    },
    () => waitUntilDown(platform.baseUrl, fault.name),
  );
  await fleet.finish();

  expect(fleet.failures()).toEqual({});
  for (const [i, device] of devices.entries()) {
    const { sent, acked } = fleet.publishers[i].state;
    expect(acked).toBe(sent);
    expect(await countReadings(platform, device.id)).toBe(sent); // unique (device, metric, time): none lost, none doubled
  }
  expect(fleet.total('sent')).toBeGreaterThan(SIZE.devices * ((SIZE.runMs * (SIZE.rounds + 1)) / SIZE.intervalMs) * 0.5);
}

describe('a dependency restarts mid-stream', () => {
  it('PostgreSQL (connections cut and refused through a proxy): recovers by itself, nothing lost or doubled', async () => {
    const database = await createTestDatabase();
    cleanup.push(() => database.drop());
    const proxy = await startTcpProxy(Number(new URL(database.url).port || 5432));
    cleanup.push(() => proxy.close());
    const viaProxy = new URL(database.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const redis = await startTestRedis();
    cleanup.push(() => redis.stop());
    await run({ DATABASE_URL: viaProxy.toString(), REDIS_URL: redis.url }, { name: 'database', cause: () => proxy.cut(), recover: () => proxy.restore() });
  });

  it('Redis (its own redis-server stopped and started on the same port): recovers by itself, nothing lost or doubled', async () => {
    const database = await createTestDatabase();
    cleanup.push(() => database.drop());
    const redis = await startTestRedis();
    cleanup.push(() => redis.stop());
    await run({ DATABASE_URL: database.url, REDIS_URL: redis.url }, { name: 'redis', cause: () => redis.down(), recover: () => redis.up() });
  });
});
