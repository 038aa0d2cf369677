import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { topicFor } from '../../server/src/domain/protocol.js';
import { connectDevice } from '../../simulators/src/devices/mqtt-link.js';
import { countReadings, metric, provisionDevices, publish, type TestDevice } from '../support/devices.js';
import { sql, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { TEST_REDIS_URL } from '../support/redis.js';

jest.setTimeout(60_000);

/** The embedded default: aedes in front of PGlite with TimescaleDB (one backend, one writer). */
describe('ingest into the embedded PGlite with TimescaleDB', () => {
  let platform: TestPlatform;
  let device: TestDevice;
  let client: MqttClient;
  const hourAgo = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;

  beforeAll(async () => {
    platform = await startTestPlatform({ REDIS_URL: TEST_REDIS_URL });
    [device] = await provisionDevices(platform, 1);
    client = await connectDevice(platform.urls.broker, device);
  });
  afterAll(async () => {
    client?.end(true);
    await platform?.close();
  });

  it('stores a backfill of 500 whole and a re-sent one not again', async () => {
    expect(platform.dialect).toBe('timescaledb');
    const backfill = Array.from({ length: 500 }, (_, i) => ({ t: hourAgo + 600_000 + i * 1000, m: { hr: 60 + (i % 30), spo2: 95 } }));
    await publish(client, topicFor(device.id, 'readings'), backfill);
    expect(await countReadings(platform, device.id)).toBe(1000);
    await publish(client, topicFor(device.id, 'readings'), backfill);
    expect(await countReadings(platform, device.id)).toBe(1000);
    // Never COPY into PGlite: COPY FROM STDIN through its socket server aborts it.
    expect(await metric(platform.baseUrl, 'vigil_ingest_write_batches_total', { path: 'insert' })).toBeGreaterThanOrEqual(2);
    expect(await metric(platform.baseUrl, 'vigil_ingest_write_batches_total', { path: 'copy' })).toBe(0);
  });

  it('includes out-of-order samples in the continuous aggregates after a refresh', async () => {
    const minute = hourAgo + 120_000;
    const rr = topicFor(device.id, 'readings');
    await publish(client, rr, { t: minute + 40_000, m: { rr: 20 } });
    await publish(client, rr, { t: minute + 50_000, m: { rr: 22 } });
    await sql(platform, `CALL refresh_continuous_aggregate('readings_1m', NULL, NULL)`);
    await publish(client, rr, { t: minute + 5_000, m: { rr: 12 } }); // late, into a materialised bucket
    await sql(platform, `CALL refresh_continuous_aggregate('readings_1m', NULL, NULL)`);
    await sql(platform, `CALL refresh_continuous_aggregate('readings_1h', NULL, NULL)`);
    const [bucket] = await sql(platform, `SELECT count::int, min, max, last FROM readings_1m WHERE patient_id = $1 AND metric = 'rr' AND bucket = $2`, [
      device.patientId,
      new Date(minute),
    ]);
    expect(bucket).toEqual({ count: 3, min: 12, max: 22, last: 22 });
    const [hour] = await sql(platform, `SELECT count::int FROM readings_1h WHERE patient_id = $1 AND metric = 'rr'`, [device.patientId]);
    expect(hour).toEqual({ count: 3 });
  });
});
