import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import type { LiveShare } from '../../server/src/dtos/live-share.dto.js';
import { LiveRepository, SENDER_ID_BYTES, SHARE_CHANNEL } from '../../server/src/repositories/live.repository.js';
import { RedisRepository } from '../../server/src/repositories/redis.repository.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { sleep, waitFor } from '../support/wait.js';

/**
 * What Vigil instances tell each other over Redis (LiveRepository.share): a message from another
 * instance reaches the listeners only if it has the shared shape; this instance's own are
 * delivered at once, as built, and not a second time from Redis. Besides a second Vigil
 * instance, a raw Redis publisher sends frames no Vigil instance would, and a bare socket.io
 * server on the same Redis adapter plays an instance of the version before the share channel.
 */
describe('LiveRepository shares between instances (real Redis)', () => {
  let redis: TestRedis;
  let repository: RedisRepository;
  let live: LiveRepository;
  let peer: LiveRepository;
  let vigil: Server;
  let peerServer: Server;
  let legacy: Server;
  let raw: Redis;
  const connections: Redis[] = [];
  const received: LiveShare[] = [];
  const peerReceived: LiveShare[] = [];
  /** A frame as another instance would publish it: a sender id of the right length, then JSON. */
  const frame = (json: string) => raw.publish(SHARE_CHANNEL, 'x'.repeat(SENDER_ID_BYTES) + json);
  const fence = async (name: string) => {
    await frame(JSON.stringify({ kind: 'changed', patientIds: [name] }));
    await waitFor(() => received.some((m) => m.kind === 'changed' && m.patientIds[0] === name), Boolean, 10_000, name);
  };

  beforeAll(async () => {
    redis = await startTestRedis();
    repository = new RedisRepository(redis.url);
    live = new LiveRepository(repository);
    peer = new LiveRepository(repository);
    vigil = new Server();
    peerServer = new Server();
    live.attach(vigil as never);
    peer.attach(peerServer as never);
    live.onShared((message) => received.push(message));
    peer.onShared((message) => peerReceived.push(message));
    raw = new Redis(redis.url);
    const [pub, sub] = [new Redis(redis.url), new Redis(redis.url)];
    connections.push(raw, pub, sub);
    legacy = new Server();
    legacy.adapter(createAdapter(pub, sub));
    // Every subscription is in place once a message from each sender has arrived.
    await waitFor(
      async () => {
        legacy.serverSideEmit('vigil:live', { kind: 'changed', patientIds: ['warm-up'] });
        await frame(JSON.stringify({ kind: 'changed', patientIds: ['warm-up'] }));
        peer.share({ kind: 'changed', patientIds: ['warm-up'] });
        await sleep(50);
        const heard = received.filter((m) => m.kind === 'changed' && m.patientIds[0] === 'warm-up').length;
        const peerHeard = peerReceived.filter((m) => m.kind === 'changed' && m.patientIds[0] === 'warm-up').length;
        return heard >= 3 && peerHeard >= 2;
      },
      Boolean,
      10_000,
      'the subscriptions',
    );
    await fence('fence');
    received.length = 0;
    peerReceived.length = 0;
  });

  afterAll(async () => {
    // No server listens (no HTTP server): closing their adapters' Redis connections ends them.
    await live.onApplicationShutdown();
    await peer.onApplicationShutdown();
    for (const connection of connections) await connection.quit();
    await repository.close();
    await redis.stop();
  });

  it("carries another instance's readings across whole, each id and value as sent", async () => {
    const rows: Array<[number, string, string, string, number]> = [
      [1_796_000_000_000, 'patient-a', 'device-a', 'spo2', 97],
      [1_796_000_000_000, 'patient-a', 'device-a', 'hr', 72],
      [1_796_000_001_000, 'patient-b', 'device-b', 'spo2', 88.5],
      [1_795_999_999_000, 'patient-a', 'device-c', 'temp', 37.2],
    ];
    peer.share({ kind: 'readings', rows });
    await waitFor(() => received.length, (n) => n > 0, 10_000, 'the readings');
    expect(received).toEqual([{ kind: 'readings', rows }]);
    // The sender had it at once and did not hear it again from Redis.
    await fence('after readings');
    expect(peerReceived.filter((m) => m.kind === 'readings')).toEqual([{ kind: 'readings', rows }]);
  });

  it('drops a malformed frame from another instance and delivers the well-formed one after it', async () => {
    received.length = 0;
    await frame('not json');
    await frame(JSON.stringify({ kind: 'unknown' }));
    await frame(JSON.stringify({ kind: 'readings.v2', base: 0, patients: ['p'], devices: ['d'], metrics: ['hr'], time: [0], patient: [1], device: [0], metric: [0], value: [72] }));
    await frame(JSON.stringify({ kind: 'readings.v2', base: 0, patients: ['p'], devices: ['d'], metrics: ['hr'], time: [0, 1], patient: [0], device: [0], metric: [0], value: [72] }));
    await frame(JSON.stringify({ kind: 'readings.v2', base: 0, patients: ['p'], devices: ['d'], metrics: ['hr'], time: [0], patient: [0], device: [0], metric: [0], value: ['72'] }));
    await frame(JSON.stringify({ kind: 'readings.v2', base: 1_000, patients: ['p'], devices: ['d'], metrics: ['hr'], time: [5], patient: [0], device: [0], metric: [0], value: [72] }));
    // One publisher connection: Redis keeps its order, so the last one's arrival means the others were handled.
    await waitFor(() => received.length, (n) => n > 0, 10_000, 'the well-formed share');
    expect(received).toEqual([{ kind: 'readings', rows: [[1_005, 'p', 'd', 'hr', 72]] }]);
  });

  it('hears an instance of the version before the share channel (server-side emit), well-formed only', async () => {
    received.length = 0;
    legacy.serverSideEmit('vigil:live', { kind: 'readings', rows: [[1, 'patient', 'device', 'hr', 'not a number']] });
    legacy.serverSideEmit('vigil:live', { kind: 'readings', rows: [[1_000, 'patient-a', 'device-a', 'hr', 72]] });
    await waitFor(() => received.length, (n) => n > 0, 10_000, 'the legacy share');
    expect(received).toEqual([{ kind: 'readings', rows: [[1_000, 'patient-a', 'device-a', 'hr', 72]] }]);
  });

  it("delivers this instance's own share to its listeners at once, and only once", async () => {
    received.length = 0;
    live.share({ kind: 'changed', patientIds: ['patient-b'] });
    expect(received).toEqual([{ kind: 'changed', patientIds: ['patient-b'] }]);
    await fence('after own');
    expect(received).toEqual([
      { kind: 'changed', patientIds: ['patient-b'] },
      { kind: 'changed', patientIds: ['after own'] },
    ]);
  });
});
