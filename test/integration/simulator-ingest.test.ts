import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { SimClock } from '../../simulators/src/clock.js';
import { WardStats } from '../../simulators/src/status/stats.js';
import { planWard } from '../../simulators/src/ward/plan.js';
import { WardRunner } from '../../simulators/src/ward/ward-runner.js';
import { provisionDevices, sql, type TestDevice } from '../support/devices.js';
import { startMosquitto, type TestMosquitto } from '../support/mosquitto.js';
import { sleep, until } from '../support/observer.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startTestRedis } from '../support/redis.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

jest.setTimeout(60_000);

const SPEED = 10;

/**
 * The simulators' devices through the real Mosquitto into Vigil's database (ingest with an
 * acknowledgement after commit, PostgreSQL 15): what a device buffered while cut off arrives,
 * and is stored exactly once.
 */
describe('simulated devices through the real Mosquitto into the database', () => {
  let database: TestDatabase;
  let mosquitto: TestMosquitto;
  let redis: { url: string; stop(): Promise<void> };
  let platform: TestPlatform;
  let proxy: TcpProxy;
  let device: TestDevice;

  beforeAll(async () => {
    [database, mosquitto, redis] = await Promise.all([createTestDatabase(), startMosquitto(), startTestRedis()]);
    platform = await startTestPlatform({ DATABASE_URL: database.url, REDIS_URL: redis.url, MQTT_URL: mosquitto.url, VIGIL_MQTT_CLIENT_ID: 'vigil-simulator-test' });
    [device] = await provisionDevices(platform, 1);
    proxy = await startTcpProxy(mosquitto.port);
  });
  afterAll(async () => {
    await proxy?.close();
    await platform?.close();
    await Promise.all([database?.drop(), mosquitto?.remove(), redis?.stop()]);
  });

  it('stores every sample of a device cut off for 30 simulated seconds: none lost, none duplicated', async () => {
    const start = Date.now() - 10 * 60_000;
    const clock = new SimClock({ start, speed: SPEED });
    const plan = planWard(
      [{ id: device.patientId, name: 'Outage', spo2Scale: 1, devices: [{ id: device.id, kind: 'pulse_oximeter', secret: device.secret }] }],
      ['stable'],
      { seed: 9, start, utcOffsetMinutes: 60 },
    );
    const stats = new WardStats();
    const runner = new WardRunner(plan, { brokerUrl: `mqtt://127.0.0.1:${proxy.port}`, clock, stats, seed: 9, tickMs: 50 });
    runner.start();
    try {
      await until(() => stats.connected === 1, 10_000, 'first connection');
      await sleep(10_000 / SPEED);
      const cutAt = clock.now();
      proxy.cut();
      await sleep(30_000 / SPEED);
      const restoredAt = clock.now();
      expect(stats.buffered).toBeGreaterThanOrEqual(25);
      proxy.restore();
      await until(() => stats.connected === 1 && stats.buffered === 0, 20_000, 'reconnection and backfill');
      await sleep(5_000 / SPEED);
      await runner.stop();
      // The server acknowledges after its commit: once everything is acknowledged, everything is stored.
      await until(() => stats.acked === stats.sent, 10_000, 'every message acknowledged');
      expect(stats.reconnects).toBe(1);

      const rows = await sql<{ metric: string; time: Date }>(platform, 'SELECT metric, time FROM readings WHERE device_id = $1', [device.id]);
      const stored = rows.map((r) => r.time.getTime());
      const last = Math.max(...stored);
      expect(last).toBeGreaterThan(restoredAt);
      const expected = plan[0].devices[0].model
        .outputs(start, last)
        .filter((o) => o.type === 'sample')
        .map((o) => o.t);
      expect(expected.filter((t) => t > cutAt && t <= restoredAt).length).toBeGreaterThanOrEqual(25);
      // None lost: every sample measured up to the last one stored is there, SpO2 and pulse...
      expect([...new Set(stored)].sort()).toEqual(expected.sort());
      // ...and none duplicated: one row per sample and metric.
      expect(rows).toHaveLength(expected.length * 2);
      expect(new Set(rows.map((r) => `${r.metric} ${r.time.getTime()}`)).size).toBe(rows.length);
    } finally {
      await runner.stop();
    }
  });
});
