import type { MqttClient } from 'mqtt';
import { CLI_ACTOR } from '../../server/src/domain/actor.js';
import { DeviceAdminService } from '../../server/src/services/device-admin.service.js';
import { createPatient, createTeam, sql, type TestPlatform } from './platform.js';

export interface TestDevice {
  id: string;
  secret: string;
  patientId: string;
}

/** A team, a patient and `count` devices provisioned through the admin service (or `count` devices of `patientId`). */
export async function provisionDevices(platform: Pick<TestPlatform, 'app'>, count = 1, patient?: string): Promise<TestDevice[]> {
  const patientId = patient ?? (await createPatient(platform, await createTeam(platform), 'Test Patient'));
  const admin = platform.app.get(DeviceAdminService);
  const devices: TestDevice[] = [];
  for (let i = 0; i < count; i++) {
    const { device, secret } = await admin.createDevice(CLI_ACTOR, { patient: patientId, kind: 'pulse_oximeter' });
    devices.push({ id: device.id, secret, patientId });
  }
  return devices;
}

/** Publishes at QoS 1 and resolves at the PUBACK. */
export async function publish(client: MqttClient, topic: string, payload: unknown, options: { retain?: boolean } = {}): Promise<void> {
  const body = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload);
  await client.publishAsync(topic, body, { qos: 1, retain: options.retain ?? false });
}

export async function countReadings(platform: Pick<TestPlatform, 'app'>, deviceId: string): Promise<number> {
  const [row] = await sql<{ n: number }>(platform, 'SELECT count(*)::int AS n FROM readings WHERE device_id = $1', [deviceId]);
  return row.n;
}

/** The value of one Prometheus sample from /metrics, 0 when absent. */
export async function metric(baseUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-z_]+)(?:\{([^}]*)\})? ([0-9.e+-]+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = (match[2] ?? '').split(',').filter(Boolean);
    if (wanted.every((label) => present.includes(label))) return Number(match[3]);
  }
  return 0;
}
