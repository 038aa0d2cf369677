import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MqttConsumerRepository } from '../../server/src/repositories/mqtt-consumer.repository.js';
import { waitFor } from '../support/wait.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startMosquitto, type TestMosquitto } from '../support/mosquitto.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

describe('platform on the real PostgreSQL 15, Redis and Mosquitto', () => {
  let database: TestDatabase;
  let mosquitto: TestMosquitto;
  let platform: TestPlatform;

  beforeAll(async () => {
    [database, mosquitto] = await Promise.all([createTestDatabase(), startMosquitto()]);
    // Mosquitto here takes anyone; the credentials are there to check they never show.
    const mqttUrl = mosquitto.url.replace('mqtt://', 'mqtt://vigil-server:broker-password-42@');
    platform = await startTestPlatform({ DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL, MQTT_URL: mqttUrl });
  });
  afterAll(async () => {
    await platform?.close();
    await Promise.all([database?.drop(), mosquitto?.remove()]);
  });

  it('reports the plain PostgreSQL dialect, Redis and the broker as ready', async () => {
    type Ready = { status: string; details: Record<string, { status: string; dialect?: string; embedded?: boolean }> };
    const { body } = await waitFor(
      async () => {
        const response = await fetch(`${platform.baseUrl}/api/ready`);
        return { status: response.status, body: (await response.json()) as Ready };
      },
      (ready) => ready.status === 200,
      30_000,
      'readiness',
    );
    expect(body.status).toBe('ok');
    expect(body.details.database).toMatchObject({ status: 'up', dialect: 'postgresql' });
    expect(body.details.redis.status).toBe('up');
    expect(body.details.broker).toMatchObject({ status: 'up', embedded: false });
    expect(JSON.stringify(body)).not.toContain('broker-password-42');
    expect(JSON.stringify(body)).not.toContain('vigil-server'); // anyone may read it: no account names
    expect(platform.urls.broker).not.toContain('broker-password-42');
  });

  it('reports not ready when the broker goes away', async () => {
    await mosquitto.stop();
    try {
      const status = await waitFor(
        async () => (await fetch(`${platform.baseUrl}/api/ready`)).status,
        (s) => s !== 200,
        30_000,
        'readiness to notice the broker gone',
      );
      expect(status).toBe(503);
    } finally {
      await mosquitto.restart();
    }
  });

  it('answers liveness and serves Prometheus metrics', async () => {
    expect((await fetch(`${platform.baseUrl}/api/health`)).status).toBe(200);
    const metrics = await fetch(`${platform.baseUrl}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toContain('vigil_process_');
  });

  it('gives every response a request id, and keeps a sane one from the client', async () => {
    const generated = await fetch(`${platform.baseUrl}/api/health`);
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await fetch(`${platform.baseUrl}/api/health`, { headers: { 'x-request-id': 'trace-42' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-42');
  });

  // Last: it ends this platform's ingest session.
  it('reports not ready when its ingest session is gone, though the broker is up', async () => {
    const ready = async () => (await fetch(`${platform.baseUrl}/api/ready`)).status;
    await waitFor(ready, (status) => status === 200); // back after the broker's restart above
    await platform.app.get(MqttConsumerRepository).stop();
    expect(await ready()).toBe(503);
  });
});
