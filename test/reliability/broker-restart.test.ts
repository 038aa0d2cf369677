import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { provisionDevices } from '../support/devices.js';
import { startShippedMosquitto } from '../support/mosquitto.js';
import { startTestPlatform, sql } from '../support/platform.js';
import { createTestDatabase } from '../support/postgres.js';
import { startTestRedis } from '../support/redis.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';
import { composeSubscription, expectStoredOnce, faultRounds, FULL, SIZE, STORED_SQL, startFleet } from './fleet.js';

jest.setTimeout(FULL ? 1_200_000 : 300_000);

/**
 * Mosquitto (the machine's 2.0, on the shipped deploy/mosquitto/mosquitto.conf: persistence,
 * queue limits, the devices' and the servers' listeners) stopped and started again mid-stream
 * while devices publish at QoS 1 at a steady rate, with the server on the ingest subscription
 * docker-compose.yml ships: the server reconnects by itself, and every sample the devices sent is
 * acknowledged and stored exactly once. Mosquitto 2.0 does not restore shared subscriptions
 * across its restart; the exclusive session's plain subscriptions it does, so it queues for the
 * server from its first moment back, before the server has reconnected. The worst case is made
 * every time: the server reaches the broker through a TCP proxy that keeps it away until the
 * devices have reconnected and had samples acknowledged (with shared subscriptions those are lost).
 */
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

describe('the broker restarts mid-stream', () => {
  it('Mosquitto on the shipped configuration, the Compose subscription: the server resubscribes, stored = acknowledged, no duplicate', async () => {
    const subscription = composeSubscription();
    expect(subscription).toBe('exclusive');
    const [database, redis, mosquitto] = await Promise.all([createTestDatabase(), startTestRedis(), startShippedMosquitto()]);
    cleanup.push(
      () => database.drop(),
      () => redis.stop(),
      () => mosquitto.remove(),
    );
    const proxy = await startTcpProxy(Number(new URL(mosquitto.serverUrl).port));
    cleanup.push(() => proxy.close());
    const platform = await startTestPlatform({
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      MQTT_URL: `mqtt://127.0.0.1:${proxy.port}`,
      VIGIL_MQTT_SUBSCRIPTION: subscription,
      VIGIL_MQTT_SHARE_GROUP: `restart${process.pid}`,
    });
    cleanup.push(() => platform.close());
    const devices = await provisionDevices(platform, SIZE.devices);
    const fleet = await startFleet(mosquitto.url, devices);
    cleanup.push(() => fleet.close());
    const brokerUp = async () =>
      ((await (await fetch(`${platform.baseUrl}/api/ready`)).json()) as { details: { broker: { status: string } } }).details.broker.status;

    let ackedBeforeServer = 0;
    await faultRounds(
      async () => {
        proxy.cut();
        await mosquitto.stop();
      },
      async () => {
        await mosquitto.restart();
        // The devices are back first: samples acknowledged while no server is connected.
        const before = fleet.total('acked');
        await waitFor(
          () => fleet.total('acked'),
          (n) => n >= before + 5 * SIZE.devices,
          30_000,
          'devices acknowledged by the restarted broker',
        );
        ackedBeforeServer += fleet.total('acked') - before;
        proxy.restore();
        await waitFor(brokerUp, (status) => status === 'up', 60_000, 'the server to reconnect to the broker');
      },
      () => waitFor(brokerUp, (status) => status === 'down', 30_000, '/api/ready to report the broker down'),
    );
    await fleet.finish();

    expect(ackedBeforeServer).toBeGreaterThanOrEqual(5 * SIZE.devices * SIZE.rounds);
    await expectStoredOnce(fleet, devices, async (id) => (await sql<{ n: number; distinct: number }>(platform, STORED_SQL, [id]))[0]);
  });
});
