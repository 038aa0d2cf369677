import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { provisionDevices, type TestDevice } from '../support/devices.js';
import { type ExportedMosquitto, startExportedMosquitto } from '../support/mosquitto.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { ROOT } from '../support/process.js';
import { startTestRedis } from '../support/redis.js';
import { composeSubscription } from './fleet.js';
import { FUZZ_SIZE, fuzzDeviceMessages, RETENTION_DAYS } from './fuzz-messages.js';

/**
 * Device messages fuzzed (fuzz-messages.ts) through the machine's Mosquitto on the shipped
 * deploy/mosquitto/mosquitto.conf, with the password file and ACL `vigil mosquitto export`
 * writes and the server on the ingest subscription docker-compose.yml ships (exclusive). What
 * Mosquitto lets through must balance exactly as through the embedded broker; what it turns
 * away (topics its ACL denies, topics that are no valid MQTT topic name, packets past its
 * max_packet_size) never reaches Vigil, is counted apart, and leaves no row.
 */
describe(`device messages fuzzed through Mosquitto on the shipped configuration (${FUZZ_SIZE.runs} runs of ${FUZZ_SIZE.messages})`, () => {
  let database: TestDatabase;
  let redis: { url: string; stop(): Promise<void> };
  let mosquitto: ExportedMosquitto;
  let platform: TestPlatform;
  // One device per property run, one for the reading sent afterwards, and the `other` device.
  let devices: TestDevice[];

  beforeAll(async () => {
    [database, redis] = await Promise.all([createTestDatabase(), startTestRedis()]);
    // Mosquitto needs its password file to start: the devices first, on a platform of the embedded broker.
    const provisioning = await startTestPlatform({ DATABASE_URL: database.url, REDIS_URL: redis.url });
    try {
      devices = await provisionDevices(provisioning, FUZZ_SIZE.runs + 2);
      mosquitto = await startExportedMosquitto(provisioning);
    } finally {
      await provisioning.close();
    }
    platform = await startTestPlatform({
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      MQTT_URL: mosquitto.login(mosquitto.serverUrl),
      VIGIL_MQTT_SUBSCRIPTION: composeSubscription(),
      VIGIL_MQTT_SHARE_GROUP: `fuzz${process.pid}`,
      VIGIL_RETENTION_DAYS: String(RETENTION_DAYS),
    });
  }, 600_000);
  afterAll(async () => {
    await platform?.close();
    await Promise.all([database?.drop(), mosquitto?.remove(), redis?.stop()]);
  });

  it('stores every value Mosquitto lets through once and dead-letters every rejection with its reason; what it turns away leaves no trace', async () => {
    expect(composeSubscription()).toBe('exclusive');
    const shipped = fs.readFileSync(path.join(ROOT, 'deploy/mosquitto/mosquitto.conf'), 'utf8');
    const maxPacketSize = Number(/^max_packet_size (\d+)$/m.exec(shipped)?.[1]);
    expect(maxPacketSize).toBeGreaterThan(65_536); // Vigil's own limit must be the one that answers first
    const [other, ...pool] = devices;
    const counts = await fuzzDeviceMessages({
      broker: 'mosquitto',
      platform,
      url: mosquitto.url,
      other,
      maxPacketSize,
      device: async () => pool.shift()!,
    });
    expect(counts.brokerRefused).toBeGreaterThan(0);
    console.log(`fuzz through Mosquitto: ${JSON.stringify(counts)}`);
  }, 3_600_000);
});
