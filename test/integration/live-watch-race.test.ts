import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { topicFor } from '../../server/src/domain/protocol.js';
import { LiveRepository } from '../../server/src/repositories/live.repository.js';
import { AccessService } from '../../server/src/services/access.service.js';
import { patientRoom, teamRoom } from '../../server/src/services/live-stream.service.js';
import { connectDevice } from '../../simulators/src/devices/mqtt-link.js';
import { ApiClient, createUser, startSecurityPlatform } from '../support/auth.js';
import { provisionDevices, publish, type TestDevice } from '../support/devices.js';
import { connectLive, type LiveClient } from '../support/live.js';
import { sql, type TestPlatform } from '../support/platform.js';
import { waitFor } from '../support/wait.js';

/**
 * A client that unwatches a room while its watch of that room is still checking access (the
 * dashboard leaving a patient it had just opened): the watch must not join after the unwatch,
 * or the socket keeps receiving a patient it no longer shows. The access check is held open
 * on the real server by wrapping AccessService; everything else is real.
 */
jest.setTimeout(60_000);

describe('live stream: unwatch while the watch is still checking access', () => {
  let platform: TestPlatform;
  let device: TestDevice;
  let teamId: string;
  let mqtt: MqttClient;
  let token: string;
  let t = Date.now() - 60_000;
  const clients: LiveClient[] = [];

  beforeAll(async () => {
    platform = await startSecurityPlatform();
    [device] = await provisionDevices(platform, 1);
    [{ team_id: teamId }] = await sql<{ team_id: string }>(platform, 'SELECT team_id FROM patients WHERE id = $1', [device.patientId]);
    token = (await new ApiClient(platform.baseUrl).signIn(await createUser(platform, 'clinician', teamId))).accessToken;
    mqtt = await connectDevice(platform.urls.broker, device);
    await publish(mqtt, topicFor(device.id, 'readings'), { t: ++t, m: { hr: 70 } }); // something for a gap fill to send
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    for (const client of clients) client.close();
    mqtt?.end(true);
    await platform?.close();
  });

  /** Holds the next access check of `method` until the returned release is called. */
  function holdAccess(method: 'patient' | 'team'): { held: Promise<void>; release: () => void } {
    const access = platform.app.get(AccessService);
    const original = access[method].bind(access) as (...args: unknown[]) => Promise<unknown>;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const held = new Promise<void>((resolve) => (entered = resolve));
    jest.spyOn(access, method).mockImplementationOnce((async (...args: unknown[]) => {
      entered();
      await gate;
      return original(...args);
    }) as never);
    return { held, release };
  }

  it.each([
    ['a patient', undefined],
    ['a patient with a gap fill', new Date(0).toISOString()],
  ])('does not join %s after the unwatch, nor send it anything', async (_what, since) => {
    const live = platform.app.get(LiveRepository);
    const [leaving, control] = [await connectLive(platform.baseUrl, token), await connectLive(platform.baseUrl, token)];
    clients.push(leaving, control);
    expect(await control.watch({ patientId: device.patientId })).toEqual({ ok: true });

    const { held, release } = holdAccess('patient');
    const watching = leaving.watch(since ? { patientId: device.patientId, since } : { patientId: device.patientId });
    await held;
    expect(await leaving.unwatch({ patientId: device.patientId })).toEqual({ ok: true });
    release();
    expect(await watching).toEqual({ ok: true });

    const value = 60 + (t % 30);
    await publish(mqtt, topicFor(device.id, 'readings'), { t: ++t, m: { hr: value } });
    await waitFor(
      async () => control.values(device.patientId),
      (values) => values.includes(`${device.id}|hr|${t}=${value}`),
      20_000,
      'the control client receives the reading',
    );
    expect(live.localMembers(patientRoom(device.patientId))).not.toContain(leaving.socket.id);
    expect(leaving.of('reading.batch.v1')).toEqual([]);
  });

  it('does not join a team overview after the unwatch', async () => {
    const live = platform.app.get(LiveRepository);
    const leaving = await connectLive(platform.baseUrl, token);
    clients.push(leaving);
    const { held, release } = holdAccess('team');
    const watching = leaving.watch({ teamId });
    await held;
    expect(await leaving.unwatch({ teamId })).toEqual({ ok: true });
    release();
    expect(await watching).toEqual({ ok: true });
    expect(live.localMembers(teamRoom(teamId))).not.toContain(leaving.socket.id);
    // Watching again afterwards joins as before.
    expect(await leaving.watch({ teamId })).toEqual({ ok: true });
    expect(live.localMembers(teamRoom(teamId))).toContain(leaving.socket.id);
  });
});
