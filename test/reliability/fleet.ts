import fs from 'node:fs';
import path from 'node:path';
import { expect } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { parse } from 'yaml';
import { freePort } from '../../server/src/embedded/net.js';
import { connectDevice } from '../../simulators/src/devices/mqtt-link.js';
import { tempDir } from '../support/embedded.js';
import { cliJson, ROOT } from '../support/process.js';
import { steadyPublisher } from '../support/publisher.js';
import { sleep, waitFor } from '../support/wait.js';

/**
 * Sizes of the fault tests: `npm test` runs them small; `npm run test:chaos` sets
 * VIGIL_CHAOS=full (20 devices at 400 samples/s in all, three faults in a row per test).
 */
export const FULL = process.env.VIGIL_CHAOS === 'full';
export const SIZE = FULL
  ? { devices: 20, intervalMs: 50, rounds: 3, runMs: 5_000, faultMs: 5_000 }
  : { devices: 2, intervalMs: 20, rounds: 1, runMs: 1_500, faultMs: 1_500 };

/** Generous: a server start on the shared 2-core machine has taken over a minute under load. */
export const START_MS = 240_000;

export interface Device {
  id: string;
  secret: string;
}

/** A team, a patient and `count` pulse oximeters, through the operator CLI as an operator would. */
export async function provision(env: Record<string, string>, count: number): Promise<Device[]> {
  const team = await cliJson<{ id: string }>(['team', 'create', '--name', `faults ${process.pid}-${Date.now()}`], env);
  const patient = await cliJson<{ id: string }>(['patient', 'create', '--name', 'Fault Patient', '--team', team.id], env);
  const devices: Device[] = [];
  for (let i = 0; i < count; i++) {
    const created = await cliJson<{ id: string; secret: string }>(['device', 'create', '--patient', patient.id, '--kind', 'pulse_oximeter'], env);
    devices.push({ id: created.id, secret: created.secret });
  }
  return devices;
}

/** Every device publishing at QoS 1 at a steady rate, reconnecting by itself (MQTT.js re-sends what is unacknowledged). */
export async function startFleet(brokerUrl: string, devices: Device[]) {
  const clients: MqttClient[] = await Promise.all(devices.map((device) => connectDevice(brokerUrl, device, { reconnectPeriod: 200, connectTimeout: 2_000 })));
  const publishers = devices.map((device, i) => steadyPublisher(clients[i], device.id, SIZE.intervalMs));
  const total = (key: 'sent' | 'acked') => publishers.reduce((sum, p) => sum + p.state[key], 0);
  return {
    publishers,
    total,
    /** The publish attempts that ended in an error, by message, over all devices: `{}` when none did. */
    failures() {
      const all: Record<string, number> = {};
      for (const p of publishers) for (const [message, n] of Object.entries(p.state.failures)) all[message] = (all[message] ?? 0) + n;
      return all;
    },
    /** Stops publishing, waits until everything sent is acknowledged, and closes the connections. */
    async finish() {
      publishers.forEach((p) => p.stop());
      for (const publisher of publishers) await publisher.settled(120_000);
      await Promise.all(clients.map((client) => client.endAsync()));
    },
    close: () => {
      publishers.forEach((p) => p.stop());
      clients.forEach((client) => client.end(true));
    },
  };
}

/** `rounds` faults: run, fault (`cause`), hold it, recover (`recover`), then run once more. */
export async function faultRounds(cause: () => Promise<unknown>, recover: () => Promise<unknown>, during?: () => Promise<unknown>): Promise<void> {
  for (let round = 0; round < SIZE.rounds; round++) {
    await sleep(SIZE.runMs);
    await cause();
    await Promise.all([sleep(SIZE.faultMs), during?.()]);
    await recover();
  }
  await sleep(SIZE.runMs);
}

export type Fleet = Awaited<ReturnType<typeof startFleet>>;

/**
 * Every sample each device sent was acknowledged and, once the broker has delivered what it
 * queued, stored exactly once: `stored` counts a device's rows and their distinct times (each
 * sample has its own), so n = distinct = sent means none lost and none doubled.
 */
export async function expectStoredOnce(fleet: Fleet, devices: Device[], stored: (deviceId: string) => Promise<{ n: number; distinct: number }>): Promise<void> {
  expect(connectionLossesOnly(fleet)).toEqual({});
  for (const [i, device] of devices.entries()) {
    const { sent, acked } = fleet.publishers[i].state;
    expect(acked).toBe(sent);
    const row = await waitFor(
      () => stored(device.id),
      (r) => r.n >= sent,
      60_000,
      `device ${i}: all ${sent} samples stored`,
    );
    expect(row).toEqual({ n: sent, distinct: sent });
  }
  expect(fleet.total('sent')).toBeGreaterThan(devices.length * ((SIZE.runMs * (SIZE.rounds + 1)) / SIZE.intervalMs) * 0.5);
}

/**
 * The failed publish attempts other than those a lost connection explains, by message: `{}`
 * when there were none. Where a fault breaks the devices' connections (the embedded broker
 * dies with the server; Mosquitto restarts), MQTT.js fails the publishes it was holding behind
 * the re-sending of its unacknowledged messages with "Connection closed"; they never left the
 * device, and the publisher sends them again as a device does (support/publisher.ts).
 */
export function connectionLossesOnly(fleet: Fleet): Record<string, number> {
  return Object.fromEntries(Object.entries(fleet.failures()).filter(([message]) => message !== 'Connection closed'));
}

/** A device's stored readings and their distinct times, for expectStoredOnce. */
export const STORED_SQL = 'SELECT count(*)::int AS n, count(DISTINCT time)::int AS distinct FROM readings WHERE device_id = $1';

/**
 * The environment of a server process in external mode on `urls` (PostgreSQL, Redis, MQTT),
 * with a data folder (`remove()` deletes it) and a free port of its own; `extra` adds variables.
 */
export async function externalServerEnv(urls: { database: string; redis: string; mqtt: string }, extra: Record<string, string>) {
  const dir = tempDir('vigil-server-');
  const port = await freePort();
  const env: Record<string, string> = {
    DATA_DIR: dir.path,
    PORT: String(port),
    DATABASE_URL: urls.database,
    REDIS_URL: urls.redis,
    MQTT_URL: urls.mqtt,
    LOG_LEVEL: 'warn',
    ...extra,
  };
  return { env, baseUrl: `http://127.0.0.1:${port}`, remove: () => dir.remove() };
}

/** The ingest subscription the Compose replicas run with. */
export function composeSubscription(): string {
  const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, string> }>;
  };
  return compose.services['server-1'].environment?.VIGIL_MQTT_SUBSCRIPTION ?? 'shared';
}
