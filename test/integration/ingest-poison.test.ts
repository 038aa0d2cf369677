import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { topicFor } from '../../server/src/domain/protocol.js';
import { connectDevice } from '../../simulators/src/devices/mqtt-link.js';
import { countReadings, metric, provisionDevices, publish } from '../support/devices.js';
import { startMosquitto } from '../support/mosquitto.js';
import { sql, startTestPlatform } from '../support/platform.js';
import { expectAnyMessageSettled, expectIssueSequence, NOISE, ready } from '../support/poison.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

jest.setTimeout(180_000);

describe('a message the database refuses blocks nothing (the real PostgreSQL 15)', () => {
  let database: TestDatabase;
  const cleanup: Array<() => unknown> = [];

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    while (cleanup.length) await cleanup.pop()!();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("the issue's sequence: device A's line noise and NUL-laden JSON are dead-lettered or cleaned and acknowledged; device B's readings are stored", async () => {
    const platform = await startTestPlatform({ DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL });
    cleanup.push(() => platform.close());
    await expectIssueSequence(platform);
  });

  it('the same through Mosquitto (the external-broker path)', async () => {
    const mosquitto = await startMosquitto();
    cleanup.push(() => mosquitto.remove());
    const platform = await startTestPlatform({
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      MQTT_URL: mosquitto.url,
      VIGIL_MQTT_CLIENT_ID: 'vigil-poison',
    });
    cleanup.push(() => platform.close());
    const [a, b] = await provisionDevices(platform, 2);
    const clientA = await connectDevice(mosquitto.url, a);
    const clientB = await connectDevice(mosquitto.url, b);
    cleanup.push(
      () => clientA.end(true),
      () => clientB.end(true),
    );
    const t = Date.now() - 60_000;
    for (let i = 0; i < 3; i++) await publish(clientA, topicFor(a.id, 'readings'), NOISE);
    await publish(clientA, topicFor(a.id, 'events'), { t, type: 'fall', data: { note: 'a\u0000b' } });
    await publish(clientB, topicFor(b.id, 'readings'), { t, m: { hr: 71 } });
    await publish(clientB, topicFor(b.id, 'readings'), { t: t + 1000, m: { hr: 72 } });
    // Mosquitto acknowledges the device itself: the server's acknowledgement shows as the rows.
    await waitFor(
      () => countReadings(platform, b.id),
      (n) => n === 2,
      30_000,
      "device B's readings",
    );
    const letters = await waitFor(
      () => sql<{ reason: string; payload_excerpt: Buffer }>(platform, 'SELECT reason, payload_excerpt FROM dead_letters WHERE device_id = $1', [a.id]),
      (rows) => rows.length === 3,
      30_000,
      "device A's dead letters",
    );
    expect(letters).toEqual(Array(3).fill({ reason: 'bad_encoding', payload_excerpt: NOISE }));
    expect(await sql(platform, 'SELECT data FROM events WHERE device_id = $1', [a.id])).toEqual([{ data: { note: 'a\ufffdb' } }]);
    await waitFor(
      () => metric(platform.baseUrl, 'vigil_ingest_in_flight_messages'),
      (n) => n === 0,
      30_000,
      'every message acknowledged to Mosquitto',
    );
    expect((await ready(platform)).status).toBe(200);
  });

  it('property: any bytes and any JSON through the real broker are acknowledged; the valid samples and events are stored exactly, the rest dead-lettered; the server stays ready', async () => {
    const platform = await startTestPlatform({ DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL });
    cleanup.push(() => platform.close());
    await expectAnyMessageSettled(platform);
  });
});
