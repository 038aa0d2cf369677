import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { topicFor } from '../../server/src/domain/protocol.js';
import { connectDevice } from '../../simulators/src/devices/mqtt-link.js';
import { countReadings, metric, provisionDevices, publish } from '../support/devices.js';
import { sql, startTestPlatform } from '../support/platform.js';
import { logLines, ready } from '../support/poison.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { TEST_REDIS_URL } from '../support/redis.js';

jest.setTimeout(120_000);

// Its own file: nestjs-pino logs through the first platform a test file starts, whose log this test reads.
describe('a batch the database refuses (the real PostgreSQL 15)', () => {
  let database: TestDatabase;
  const cleanup: Array<() => unknown> = [];

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    while (cleanup.length) await cleanup.pop()!();
    await database?.drop();
  });

  it('a batch the database refuses for one message is split: that message is dead-lettered as storage_refused, the rest of the batch is stored, the log says so once', async () => {
    const log = logLines();
    // One batch for everything below: a long batch age, one writer.
    const platform = await startTestPlatform(
      { DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL, VIGIL_INGEST_BATCH_MS: '1000', VIGIL_INGEST_WRITERS: '1', LOG_LEVEL: 'info' },
      { logDestination: log.stream },
    );
    cleanup.push(() => platform.close());
    // A rule of the database's own that the ingest validation does not know: the write fails with 23514.
    await sql(platform, `ALTER TABLE events ADD CONSTRAINT refuse_marked CHECK (data->>'note' IS DISTINCT FROM 'refused by the database')`);
    cleanup.push(() => sql(platform, 'ALTER TABLE events DROP CONSTRAINT refuse_marked'));
    const [a, b] = await provisionDevices(platform, 2);
    const clientA = await connectDevice(platform.urls.broker, a);
    const clientB = await connectDevice(platform.urls.broker, b);
    cleanup.push(
      () => clientA.end(true),
      () => clientB.end(true),
    );
    const t = Date.now() - 60_000;

    const samples = Array.from({ length: 20 }, (_, i) => ({ t: t + i * 1000, m: { hr: 60 + i } }));
    await Promise.all([
      ...samples.map((sample) => publish(clientB, topicFor(b.id, 'readings'), sample)),
      publish(clientA, topicFor(a.id, 'events'), { t, type: 'fall', data: { note: 'fine' } }),
      publish(clientA, topicFor(a.id, 'events'), { t: t + 1, type: 'fall', data: { note: 'refused by the database' } }),
      publish(clientA, topicFor(a.id, 'events'), { t: t + 2, type: 'fall', data: { note: 'fine too' } }),
    ]);

    expect(await countReadings(platform, b.id)).toBe(20);
    expect(await sql(platform, 'SELECT data FROM events WHERE device_id = $1 ORDER BY time', [a.id])).toEqual([
      { data: { note: 'fine' } },
      { data: { note: 'fine too' } },
    ]);
    const letters = await sql<{ reason: string; detail: string; payload_excerpt: Buffer }>(
      platform,
      'SELECT reason, detail, payload_excerpt FROM dead_letters WHERE device_id = $1',
      [a.id],
    );
    expect(letters).toHaveLength(1);
    expect(letters[0].reason).toBe('storage_refused');
    expect(letters[0].detail).toMatch(/^23514: .*refuse_marked.*\(the message's a fall event\)$/);
    expect(JSON.parse(letters[0].payload_excerpt.toString())).toMatchObject({ data: { note: 'refused by the database' } });
    expect(await metric(platform.baseUrl, 'vigil_ingest_rejects_total', { reason: 'storage_refused' })).toBe(1);
    expect(await metric(platform.baseUrl, 'vigil_ingest_batch_retries_sum')).toBeGreaterThan(0);
    expect(log.count(/splitting it to find the message\(s\) at fault/)).toBe(1);
    expect(log.count(/the database refused a message's rows .*; dead-lettered as storage_refused/)).toBe(1);
    // All 23 messages were one batch: the other 22 committed beside the one at fault.
    expect(log.count(/batch \d+ settled after \d+ failed attempt\(s\): 22 message\(s\) committed, 1 dead-lettered as storage_refused/)).toBe(1);
    expect((await ready(platform)).status).toBe(200);
  });
});
