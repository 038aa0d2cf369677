import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiClient, createUser } from '../support/auth.js';
import { connectPatientDevice, type PatientDevice } from '../support/dashboard.js';
import { publish } from '../support/devices.js';
import { createPatient, createTeam, sql, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startTestRedis } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

/**
 * What monitoring achieved, on the alert-statistics route (the results screen reads it), on
 * the real PostgreSQL, Redis and the embedded broker: patients monitored and points received
 * from the rollups, device hours offline from device_offline alerts, and patients by the
 * highest NEWS2 risk their alert reached.
 */
describe('team results on the alert-statistics route', () => {
  let database: TestDatabase;
  let redis: Awaited<ReturnType<typeof startTestRedis>>;
  let platform: TestPlatform;
  const devices: PatientDevice[] = [];

  beforeAll(async () => {
    [database, redis] = await Promise.all([createTestDatabase(), startTestRedis()]);
    platform = await startTestPlatform({ DATABASE_URL: database.url, REDIS_URL: redis.url });
  });

  afterAll(async () => {
    await Promise.all(devices.map((d) => d.close()));
    await platform?.close();
    await Promise.all([database?.drop(), redis?.stop()]);
  });

  it('counts patients monitored, points received, device hours offline and NEWS2 peaks', async () => {
    const teamId = await createTeam(platform);
    const [monitored, quiet] = [await createPatient(platform, teamId), await createPatient(platform, teamId)];
    const { accessToken } = await new ApiClient(platform.baseUrl).signIn(await createUser(platform, 'clinician', teamId));
    const from = new Date(Date.now() - 60_000).toISOString();
    const device = await connectPatientDevice(platform, monitored);
    devices.push(device, await connectPatientDevice(platform, quiet));
    // Two samples of two points each; SpO2 88 and pulse 135 score 3 + 3 = 6 in NEWS2 (RCP 2017, scale 1): medium.
    await device.measure({ spo2: 96, hr: 70 });
    await device.measure({ spo2: 88, hr: 135 });
    await publish(device.client, `vigil/v1/devices/${device.id}/status`, { t: new Date().toISOString(), online: false });
    const alerts = () =>
      sql<{ kind: string; priority: string; opened_at: Date }>(platform, `SELECT kind, priority, opened_at FROM alerts WHERE patient_id = $1`, [monitored]);
    const raised = await waitFor(
      alerts,
      (rows) => rows.some((a) => a.kind === 'news2' && a.priority === 'medium') && rows.some((a) => a.kind === 'device_offline'),
      30_000,
      'the NEWS2 and device-offline alerts',
    );

    const to = new Date(Date.now() + 60_000);
    const api = new ApiClient(platform.baseUrl);
    const stats = await api.request<Record<string, unknown>>('GET', `/api/teams/${teamId}/alert-stats?from=${from}&to=${to.toISOString()}`, {
      token: accessToken,
    });
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ patientsMonitored: 1, pointsReceived: 4, news2Peaks: { high: 0, medium: 1, lowMedium: 0, none: 0 } });
    // Still offline: from the alert's opening to the end of the asked range.
    const offline = raised.find((a) => a.kind === 'device_offline')!;
    expect(stats.body.deviceHoursOffline).toBeCloseTo((to.getTime() - offline.opened_at.getTime()) / 3_600_000, 6);
  });
});
