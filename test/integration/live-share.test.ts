import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import type { LiveShare } from '../../server/src/dtos/live-share.dto.js';
import { LiveRepository } from '../../server/src/repositories/live.repository.js';
import { RedisRepository } from '../../server/src/repositories/redis.repository.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { sleep, waitFor } from '../support/wait.js';

/**
 * What Vigil instances tell each other over Redis (LiveRepository.share): a message from another
 * instance reaches the listeners only if it has the shared shape; this instance's own are
 * delivered at once, as built. The other instance here is a bare socket.io server on the same
 * Redis adapter, so it can also send what no Vigil instance would.
 */
describe('LiveRepository shares between instances (real Redis, two socket.io servers)', () => {
  let redis: TestRedis;
  let repository: RedisRepository;
  let live: LiveRepository;
  let vigil: Server;
  let other: Server;
  const connections: Redis[] = [];
  const received: LiveShare[] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
    repository = new RedisRepository(redis.url);
    live = new LiveRepository(repository);
    vigil = new Server();
    live.attach(vigil as never);
    live.onShared((message) => received.push(message));
    const [pub, sub] = [new Redis(redis.url), new Redis(redis.url)];
    connections.push(pub, sub);
    other = new Server();
    other.adapter(createAdapter(pub, sub));
    // Both adapters have subscribed once a server-side emit from one reaches the other.
    await waitFor(
      async () => {
        other.serverSideEmit('vigil:live', { kind: 'changed', patientIds: ['warm-up'] });
        await sleep(50);
        return received.length;
      },
      (n) => n > 0,
      10_000,
      'the two adapters to subscribe',
    );
    // Warm-up messages may still be on their way: the last one sent after them marks their end.
    other.serverSideEmit('vigil:live', { kind: 'changed', patientIds: ['fence'] });
    await waitFor(() => received.some((m) => m.kind === 'changed' && m.patientIds[0] === 'fence'), Boolean, 10_000, 'the fence');
    received.length = 0;
  });

  afterAll(async () => {
    // Neither server listens (no HTTP server): closing their adapters' Redis connections ends them.
    await live.onApplicationShutdown();
    for (const connection of connections) await connection.quit();
    await repository.close();
    await redis.stop();
  });

  it('delivers a well-formed share from another instance and drops a malformed one', async () => {
    other.serverSideEmit('vigil:live', { kind: 'readings', rows: [[1, 'patient', 'device', 'hr', 'not a number']] });
    other.serverSideEmit('vigil:live', { kind: 'unknown' });
    other.serverSideEmit('vigil:live', { kind: 'readings', rows: [[1_000, 'patient-a', 'device-a', 'hr', 72]] });
    // One publisher connection: Redis keeps its order, so the last one's arrival means the others were handled.
    await waitFor(() => received.length, (n) => n > 0, 10_000, 'the well-formed share');
    expect(received).toEqual([{ kind: 'readings', rows: [[1_000, 'patient-a', 'device-a', 'hr', 72]] }]);
  });

  it("delivers this instance's own share to its listeners at once", () => {
    received.length = 0;
    live.share({ kind: 'changed', patientIds: ['patient-b'] });
    expect(received).toEqual([{ kind: 'changed', patientIds: ['patient-b'] }]);
  });
});
