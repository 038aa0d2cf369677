import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { CLI_ACTOR } from '../../server/src/domain/actor.js';
import { AuditService } from '../../server/src/services/audit.service.js';
import { sql, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { TEST_REDIS_URL } from '../support/redis.js';

jest.setTimeout(120_000);

/** The audit log's batched writer on both dialects: an entry the database refuses blocks none of the others. */
describe.each([
  ['the real PostgreSQL 15', true],
  ['the embedded PGlite with TimescaleDB', false],
])('the audit writer on %s', (_name, external) => {
  let database: TestDatabase | undefined;
  let platform: TestPlatform;

  beforeAll(async () => {
    database = external ? await createTestDatabase() : undefined;
    platform = await startTestPlatform({ REDIS_URL: TEST_REDIS_URL, ...(database ? { DATABASE_URL: database.url } : {}) });
  });
  afterAll(async () => {
    await platform?.close();
    await database?.drop();
  });

  it('stores entries written together, one the database refuses (U+0000 in jsonb, a lone surrogate) with its text made storable', async () => {
    const audit = platform.app.get(AuditService);
    const marker = `poison-test-${Date.now()}`;
    await Promise.all([
      audit.record(CLI_ACTOR, 'test.one', { targetId: marker }),
      audit.record(CLI_ACTOR, 'test.refused', { targetId: marker, details: { note: 'a\u0000b', ['k\ud800']: 1 } }),
      audit.record(CLI_ACTOR, 'test.three', { targetId: marker, details: { n: 3 } }),
    ]);
    const rows = await sql<{ action: string; details: Record<string, unknown> }>(
      platform,
      'SELECT action, details FROM audit_log WHERE target_id = $1 ORDER BY action',
      [marker],
    );
    expect(rows.map((r) => r.action)).toEqual(['test.one', 'test.refused', 'test.three']);
    const refused = rows[1].details;
    expect(refused.note).toBe('a\ufffdb');
    expect(refused['k\ufffd']).toBe(1);
    expect(refused.cleaned).toMatch(/^22P05: /);
    expect(rows[2].details).toEqual({ n: 3 });
  });
});
