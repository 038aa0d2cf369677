import { describe, expect, it } from '@jest/globals';
import type { IClientOptions } from 'mqtt';
import { topicFor } from '../../server/src/domain/protocol.js';
import type { DeviceStatusV1 } from '../../server/src/dtos/live.dto.js';
import { EventBusRepository } from '../../server/src/repositories/event-bus.repository.js';
import { connectDevice } from '../../simulators/src/devices/mqtt-link.js';
import { type AlertStack, alertsOf, createWard, useAlertPlatform, type Ward } from '../support/alerts.js';
import { type ApiClient, createUser } from '../support/auth.js';
import { publish } from '../support/devices.js';
import { connectLive } from '../support/live.js';
import { createPatient, sql, type TestPlatform } from '../support/platform.js';
import { waitFor } from '../support/wait.js';

/**
 * The device rules end to end (real PostgreSQL, Redis, Mosquitto): device offline by its Last
 * Will, low battery, no data from a device that should be reporting, inhibition (one
 * device_offline instead of an alert per vital, and the overview saying why), and readings and
 * events counting as the device's liveness.
 */

interface OverviewRow {
  id: string;
  devices: Array<{ id: string; online: boolean; lastSeen: string | null }>;
  inhibited: Array<{ reason: string; deviceId: string; since: string }>;
}

/** Devices that lose power: a Last Will on the status topic (retained, as the protocol has it), no reconnects. */
const withLastWill = (deviceId: string): IClientOptions => ({
  reconnectPeriod: 0,
  will: { topic: topicFor(deviceId, 'status'), payload: Buffer.from(JSON.stringify({ online: false })), qos: 1, retain: true },
});

describe('device alerts and liveness', () => {
  let stack: AlertStack;
  let platform: TestPlatform;
  let api: ApiClient;
  useAlertPlatform('vigil-device-alerts', (started) => ({ stack, platform, api } = started));

  const overviewRow = async (w: Ward) => {
    const response = await api.request<{ patients: OverviewRow[] }>('GET', '/api/overview', { token: w.token });
    expect(response.status).toBe(200);
    return response.body.patients.find((p) => p.id === w.patientId)!;
  };
  const device = (id: string) =>
    sql<{ online: boolean; last_seen: Date | null }>(platform, `SELECT online, last_seen FROM devices WHERE id = $1`, [id]).then((r) => r[0]);
  const unresolved = (w: Ward, kind: string) => alertsOf(platform, w.patientId, [kind]).then((rows) => rows.filter((a) => a.state !== 'resolved'));

  it('a Last Will raises device_offline; the device’s vitals raise nothing meanwhile and the overview says why; its next reading brings it back', async () => {
    const w = await createWard(stack, platform, ['wearable', 'pulse_oximeter'], withLastWill);
    const wearable = w.devices.wearable;
    for (const body of [
      { metric: 'hr', yellowHigh: 110, sustainedSeconds: 0 },
      { metric: 'spo2', yellowLow: 92, sustainedSeconds: 0 },
    ]) {
      expect((await api.request('PUT', `/api/patients/${w.patientId}/thresholds`, { body, token: w.token })).status).toBe(200);
    }
    await publish(wearable.client, topicFor(wearable.id, 'status'), { t: Date.now(), online: true, battery: 80 }, { retain: true });
    await waitFor(
      () => device(wearable.id),
      (d) => d.online,
    );

    // Power lost: the socket goes without a DISCONNECT and the broker publishes the Last Will.
    wearable.client.stream.destroy();
    const [offline] = await waitFor(
      () => alertsOf(platform, w.patientId, ['device_offline']),
      (rows) => rows.length === 1,
      10_000,
      'device_offline from the Last Will',
    );
    expect(offline).toMatchObject({ device_id: wearable.id, priority: 'medium', state: 'open' });
    expect(await device(wearable.id)).toMatchObject({ online: false });
    const row = await overviewRow(w);
    expect(row.inhibited).toEqual([{ reason: 'device_offline', deviceId: wearable.id, since: expect.any(String) }]);
    expect(row.devices.find((d) => d.id === wearable.id)).toMatchObject({ online: false });

    // Inhibition: readings of the offline device stored late (sent before its Last Will) raise no threshold alert,
    // while the same batch's breach from the oximeter, which is not offline, does.
    const t = new Date(Date.now() - 5000);
    platform.app.get(EventBusRepository).emit('readings.stored', {
      rows: [
        { time: t, patientId: w.patientId, deviceId: wearable.id, metric: 'hr', value: 150 },
        { time: t, patientId: w.patientId, deviceId: w.devices.pulse_oximeter.id, metric: 'spo2', value: 89 },
      ],
    });
    const thresholds = await waitFor(
      () => alertsOf(platform, w.patientId, ['threshold']),
      (rows) => rows.length > 0,
    );
    expect(thresholds.map((a) => a.metric)).toEqual(['spo2']);

    // Power back: the device's next reading is proof it is online, before any status says so.
    const live = await connectLive(platform.baseUrl, w.token);
    try {
      expect(await live.watch({ patientId: w.patientId })).toEqual({ ok: true });
      const back = await connectDevice(stack.mosquitto.url, { id: wearable.id, secret: wearable.secret }, { reconnectPeriod: 0 });
      stack.clients.push(back);
      const sentAt = Date.now();
      await publish(back, topicFor(wearable.id, 'readings'), { t: sentAt, m: { hr: 150 } });
      const seen = await waitFor(
        () => device(wearable.id),
        (d) => d.online,
      );
      expect(seen.last_seen!.getTime()).toBeGreaterThanOrEqual(sentAt - 1000);
      await waitFor(
        () => alertsOf(platform, w.patientId, ['device_offline']),
        (rows) => rows[0]?.state === 'resolved',
        10_000,
        'device_offline cleared by the reading',
      );
      expect((await alertsOf(platform, w.patientId, ['device_offline']))[0]).toMatchObject({ id: offline.id, cleared: true });
      // Not inhibited any more: the reading raised its own threshold alert.
      await waitFor(
        () => alertsOf(platform, w.patientId, ['threshold']),
        (rows) => rows.some((a) => a.metric === 'hr'),
      );
      await waitFor(
        () => live.of<DeviceStatusV1>('device.status.v1'),
        (events) => events.some((e) => e.deviceId === wearable.id && e.online),
        10_000,
        'device.status.v1 online',
      );
      expect((await overviewRow(w)).inhibited).toEqual([]);
    } finally {
      live.close();
    }
  });

  it('a device that only sends readings or events is online, last seen when its message arrived', async () => {
    const w = await createWard(stack, platform, ['pulse_oximeter', 'fall_detector']);
    const before = await overviewRow(w);
    expect(before.devices.map((d) => d.online)).toEqual([false, false]); // never sent a status
    const sentAt = Date.now();
    await publish(w.devices.pulse_oximeter.client, topicFor(w.devices.pulse_oximeter.id, 'readings'), { t: sentAt - 60_000, m: { spo2: 97 } });
    await publish(w.devices.fall_detector.client, topicFor(w.devices.fall_detector.id, 'events'), { t: sentAt, type: 'inactivity', data: {} });
    const row = await waitFor(
      () => overviewRow(w),
      (r) => r.devices.every((d) => d.online),
    );
    for (const d of row.devices) {
      // Arrival, not the sample's own time (the reading was a minute old).
      expect(Date.parse(d.lastSeen!)).toBeGreaterThanOrEqual(sentAt - 1000);
    }
  });

  it('a low battery raises low_battery (low) and a charged one clears it', async () => {
    const w = await createWard(stack, platform, ['wearable']);
    const status = topicFor(w.devices.wearable.id, 'status');
    await publish(w.devices.wearable.client, status, { t: Date.now(), online: true, battery: 12 });
    const [low] = await waitFor(
      () => alertsOf(platform, w.patientId, ['low_battery']),
      (rows) => rows.length === 1,
    );
    expect(low).toMatchObject({ device_id: w.devices.wearable.id, priority: 'low', state: 'open', value: 12 });
    await publish(w.devices.wearable.client, status, { t: Date.now(), online: true, battery: 25 });
    await waitFor(
      () => alertsOf(platform, w.patientId, ['low_battery']),
      (rows) => rows[0]?.state === 'resolved',
    );
    expect(await alertsOf(platform, w.patientId, ['low_battery'])).toEqual([expect.objectContaining({ id: low.id, cleared: true })]);
  });

  it('relinking a device to another patient ends its alerts for the patient it left, and revoking a device ends its own', async () => {
    const w = await createWard(stack, platform, ['wearable', 'bed_sensor']);
    const { wearable, bed_sensor: bed } = w.devices;
    await publish(wearable.client, topicFor(wearable.id, 'status'), { t: Date.now(), online: true, battery: 12 });
    await publish(bed.client, topicFor(bed.id, 'status'), { t: Date.now(), online: false });
    const [low] = await waitFor(
      () => unresolved(w, 'low_battery'),
      (rows) => rows.length === 1,
    );
    const [offline] = await waitFor(
      () => unresolved(w, 'device_offline'),
      (rows) => rows.length === 1,
    );
    const admin = (await api.signIn(await createUser(platform, 'admin'))).accessToken;

    // The wearable goes to another patient (a loaned device handed on): the first patient's low battery is no one's to act on.
    const other = await createPatient(platform, w.teamId);
    expect((await api.request('POST', `/api/admin/devices/${wearable.id}/relink`, { body: { patientId: other }, token: admin })).status).toBe(200);
    await waitFor(
      () => unresolved(w, 'low_battery'),
      (rows) => rows.length === 0,
    );
    expect((await alertsOf(platform, w.patientId, ['low_battery']))[0]).toMatchObject({ id: low.id, state: 'resolved', cleared: true });
    expect(await unresolved(w, 'device_offline')).toEqual([expect.objectContaining({ id: offline.id })]); // the bed sensor's stays

    // The bed sensor is revoked: its offline alert ends with it.
    expect((await api.request('POST', `/api/admin/devices/${bed.id}/revoke`, { token: admin })).status).toBe(200);
    await waitFor(
      () => unresolved(w, 'device_offline'),
      (rows) => rows.length === 0,
    );
    expect((await alertsOf(platform, w.patientId, ['device_offline']))[0]).toMatchObject({ id: offline.id, state: 'resolved', cleared: true });
  });

  it('no data for the device kind’s schedule raises no_data; an offline device gets device_offline instead', async () => {
    const w = await createWard(stack, platform, ['wearable']);
    const wearable = w.devices.wearable;
    // A wearable should report every few minutes (no_data after 15): its newest reading is 16 minutes old.
    await publish(wearable.client, topicFor(wearable.id, 'readings'), { t: Date.now() - 16 * 60_000, m: { hr: 70 } });
    const [noData] = await waitFor(
      () => alertsOf(platform, w.patientId, ['no_data']),
      (rows) => rows.length === 1,
      20_000,
      'no_data from the sweep',
    );
    expect(noData).toMatchObject({ device_id: wearable.id, priority: 'medium', state: 'open' });
    expect((await overviewRow(w)).inhibited).toEqual([{ reason: 'no_data', deviceId: wearable.id, since: expect.any(String) }]);

    // It says it is offline: one device_offline, and its no_data ends.
    await publish(wearable.client, topicFor(wearable.id, 'status'), { t: Date.now(), online: false });
    await waitFor(
      () => unresolved(w, 'device_offline'),
      (rows) => rows.length === 1,
    );
    await waitFor(
      () => unresolved(w, 'no_data'),
      (rows) => rows.length === 0,
    );
    expect((await overviewRow(w)).inhibited).toEqual([{ reason: 'device_offline', deviceId: wearable.id, since: expect.any(String) }]);

    // Two no-data sweeps later (a silent canary device opens its no_data in one, clears it in a later one) the offline
    // device, silent for 16 minutes, still has no no_data.
    const canary = await createWard(stack, platform, ['wearable']);
    await publish(canary.devices.wearable.client, topicFor(canary.devices.wearable.id, 'readings'), { t: Date.now() - 16 * 60_000, m: { hr: 70 } });
    await waitFor(
      () => unresolved(canary, 'no_data'),
      (rows) => rows.length === 1,
      20_000,
      'the canary’s no_data',
    );
    await publish(canary.devices.wearable.client, topicFor(canary.devices.wearable.id, 'readings'), { t: Date.now(), m: { hr: 70 } });
    await waitFor(
      () => unresolved(canary, 'no_data'),
      (rows) => rows.length === 0,
      20_000,
      'the canary’s no_data cleared by its fresh reading',
    );
    expect(await unresolved(w, 'no_data')).toEqual([]);
    expect(await alertsOf(platform, w.patientId, ['no_data'])).toEqual([expect.objectContaining({ id: noData.id, state: 'resolved', cleared: true })]);
  });
});
