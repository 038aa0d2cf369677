import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { CLI_ACTOR } from '../../server/src/domain/actor.js';
import type { OverviewTickV1 } from '../../server/src/dtos/live.dto.js';
import { LiveRepository } from '../../server/src/repositories/live.repository.js';
import { DeviceAdminService } from '../../server/src/services/device-admin.service.js';
import { LiveOverviewService } from '../../server/src/services/live-overview.service.js';
import { connectDevice } from '../../simulators/src/devices/mqtt-link.js';
import { ApiClient, createUser } from '../support/auth.js';
import { publish } from '../support/devices.js';
import { connectLive, type LiveClient } from '../support/live.js';
import { createPatient, createTeam, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { createTestDatabase, TEST_POSTGRES_URL, type TestDatabase } from '../support/postgres.js';
import { startTestRedis } from '../support/redis.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';

/**
 * The team overview's once-a-second tick while the database is unreachable: the tick fails
 * without ending the process (an unhandled rejection would), and the patients it could not send
 * are sent once the database is back. The real PostgreSQL behind a TCP proxy that is cut.
 */
jest.setTimeout(60_000);

describe('overview ticks through a database outage', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let redis: { url: string; stop(): Promise<void> };
  let platform: TestPlatform;
  let device: MqttClient;
  let client: LiveClient;

  beforeAll(async () => {
    [database, proxy, redis] = await Promise.all([createTestDatabase(), startTcpProxy(Number(new URL(TEST_POSTGRES_URL).port || 5432)), startTestRedis()]);
    const url = new URL(database.url);
    url.host = `127.0.0.1:${proxy.port}`;
    platform = await startTestPlatform({ DATABASE_URL: url.toString(), REDIS_URL: redis.url });
  });

  afterAll(async () => {
    client?.close();
    await device?.endAsync();
    proxy?.restore();
    await platform?.close();
    await Promise.all([database?.drop(), redis?.stop(), proxy?.close()]);
  });

  it('a tick that fails keeps its patients for the next one', async () => {
    const team = await createTeam(platform);
    const patientId = await createPatient(platform, team);
    const { device: created, secret } = await platform.app.get(DeviceAdminService).createDevice(CLI_ACTOR, { patient: patientId, kind: 'pulse_oximeter' });
    device = await connectDevice(platform.urls.broker, { id: created.id, secret });
    const user = await createUser(platform, 'care_staff', team);
    client = await connectLive(platform.baseUrl, (await new ApiClient(platform.baseUrl).signIn(user)).accessToken);
    expect(await client.watch({ teamId: team })).toEqual({ ok: true });
    await publish(device, `vigil/v1/devices/${created.id}/readings`, { t: new Date().toISOString(), m: { spo2: 96 } });
    const ticks = () => client.of<OverviewTickV1>('overview.tick.v1').filter((tick) => tick.patients.some((row) => (row as { id: string }).id === patientId));
    await waitFor(ticks, (list) => list.length === 1);

    proxy.cut();
    // The patient's row changed (as an alert or a device status on any instance says), while nothing can read it.
    platform.app.get(LiveRepository).share({ kind: 'changed', patientIds: [patientId] });
    await expect(platform.app.get(LiveOverviewService).tick()).resolves.toBeUndefined();
    expect(ticks()).toHaveLength(1);

    proxy.restore();
    await waitFor(ticks, (list) => list.length === 2, 20_000);
  });
});
