import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import mqtt, { type MqttClient } from 'mqtt';
import { connectClient, connectDevice } from '../../simulators/src/devices/mqtt-link.js';
import { topicFor } from '../../server/src/domain/protocol.js';
import { startSecurityPlatform } from '../support/auth.js';
import { countReadings, provisionDevices, publish, type TestDevice } from '../support/devices.js';
import { type ExportedMosquitto, startExportedMosquitto } from '../support/mosquitto.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startTestRedis } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

/**
 * Issue 10, item 1: device A, holding only its own secret, connects with device B's client id.
 * B must stay connected and A must not get B's session, on the embedded broker and on a real
 * Mosquitto running the shipped deploy/mosquitto/mosquitto.conf.
 */

/** Counts the connection's closes, so a test can show a device was never thrown off. */
function watchCloses(client: MqttClient): { closes: number } {
  const seen = { closes: 0 };
  client.on('close', () => seen.closes++);
  return seen;
}

/** A device's persistent-session connection, with what the CONNACK said; rejects with the broker's refusal (`code`). */
function connectPersistent(url: string, device: TestDevice, clientId: string): Promise<{ client: MqttClient; sessionPresent: boolean }> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { username: device.id, password: device.secret, clientId, clean: false, reconnectPeriod: 0, connectTimeout: 5000 });
    client.once('connect', (connack) => resolve({ client, sessionPresent: connack.sessionPresent }));
    client.once('error', (error) => {
      client.end(true);
      reject(error);
    });
  });
}

const refusal = (attempt: Promise<{ client: MqttClient }>) =>
  attempt.then(
    ({ client }) => {
      client.end(true);
      return 'connected';
    },
    (error: Error & { code?: number }) => error.code,
  );

const sample = () => ({ t: new Date().toISOString(), m: { hr: 72, spo2: 97 } });

/** A QoS 1 round trip: the broker answered B after it handled A's CONNECT, so a takeover would have closed B first. */
async function stillServed(client: MqttClient, device: TestDevice): Promise<void> {
  await publish(client, topicFor(device.id, 'readings'), sample());
}

describe('client ids are bound to the authenticated device: embedded broker', () => {
  let platform: TestPlatform;
  let a: TestDevice;
  let b: TestDevice;

  beforeAll(async () => {
    platform = await startSecurityPlatform();
    [a, b] = await provisionDevices(platform, 2);
  });
  afterAll(() => platform?.close());

  it("refuses device A under device B's client id (CONNACK 2), and B keeps its connection", async () => {
    const brokerUrl = platform.urls.broker;
    const { client: victim } = await connectPersistent(brokerUrl, b, b.id);
    const closes = watchCloses(victim);
    try {
      expect(await refusal(connectPersistent(brokerUrl, a, b.id))).toBe(2);
      expect(await refusal(connectPersistent(brokerUrl, a, b.id.toUpperCase()))).toBe(2);
      await stillServed(victim, b);
      expect({ connected: victim.connected, closes: closes.closes }).toEqual({ connected: true, closes: 0 });
      await waitFor(
        () => countReadings(platform, b.id),
        (n) => n >= 1,
      );
    } finally {
      victim.end(true);
    }
  });

  it('accepts a device under its own id, or its id with a suffix', async () => {
    for (const clientId of [a.id, `${a.id}-backfill`]) {
      const client = await connectDevice(platform.urls.broker, a, { clientId });
      await stillServed(client, a);
      client.end(true);
    }
    expect(await refusal(connectPersistent(platform.urls.broker, a, 'mqttjs_0123abcd'))).toBe(2);
  });

  it('speaks MQTT 3.1.1 only and refuses MQTT 5 with CONNACK 1 (unacceptable protocol version), as docs/protocol.md says', async () => {
    const v5 = await connectClient(platform.urls.broker, {
      username: a.id,
      password: a.secret,
      clientId: a.id,
      protocolVersion: 5,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    }).then(
      (client) => {
        client.end(true);
        return 'connected';
      },
      (error: Error & { code?: number }) => ({ code: error.code, message: error.message }),
    );
    expect(v5).toEqual({ code: 1, message: expect.stringMatching(/protocol/i) });
    const docs = fs.readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
    expect(docs).toMatch(/embedded broker[^.]*MQTT 3\.1\.1 only/i);
  });
});

describe('client ids are bound to the authenticated device: Mosquitto with the shipped configuration', () => {
  let database: TestDatabase;
  let redis: { url: string; stop(): Promise<void> };
  let mosquitto: ExportedMosquitto;
  let platform: TestPlatform;
  let a: TestDevice;
  let b: TestDevice;

  beforeAll(async () => {
    [database, redis] = await Promise.all([createTestDatabase(), startTestRedis()]);
    // Mosquitto needs its password file to start: the devices first, on a platform of the embedded broker.
    const provisioning = await startTestPlatform({ DATABASE_URL: database.url, REDIS_URL: redis.url });
    try {
      [a, b] = await provisionDevices(provisioning, 2);
      mosquitto = await startExportedMosquitto(provisioning);
    } finally {
      await provisioning.close();
    }
    platform = await startTestPlatform({ DATABASE_URL: database.url, REDIS_URL: redis.url, MQTT_URL: mosquitto.login(mosquitto.url) });
  });
  afterAll(async () => {
    await platform?.close();
    await Promise.all([database?.drop(), mosquitto?.remove(), redis?.stop()]);
  });

  it("gives device A its own client id whatever it asks for: B keeps its connection and A never gets B's session", async () => {
    const { client: victim } = await connectPersistent(mosquitto.url, b, b.id);
    const closes = watchCloses(victim);
    try {
      await victim.subscribeAsync(topicFor(b.id, 'commands'), { qos: 1 }); // B's session now holds a subscription
      const intruder = await connectPersistent(mosquitto.url, a, b.id);
      try {
        expect(intruder.sessionPresent).toBe(false);
        await stillServed(victim, b);
        await stillServed(intruder.client, a); // A is served as itself (the ACL's %u is A's id)
        expect({ connected: victim.connected, closes: closes.closes }).toEqual({ connected: true, closes: 0 });
      } finally {
        intruder.client.end(true);
      }
    } finally {
      victim.end(true);
    }
    // B's session (its subscription) is still B's.
    const back = await connectPersistent(mosquitto.url, b, b.id);
    back.client.end(true);
    expect(back.sessionPresent).toBe(true);
  });

  it('stores what the devices send through the server, which connects as its own user under that rule', async () => {
    const client = await connectDevice(mosquitto.url, b, { clientId: b.id });
    try {
      const before = await countReadings(platform, b.id);
      await stillServed(client, b);
      await waitFor(
        () => countReadings(platform, b.id),
        (n) => n > before,
      );
    } finally {
      client.end(true);
    }
  });
});
