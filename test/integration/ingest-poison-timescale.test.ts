import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { sql, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { expectAnyMessageSettled, expectIssueSequence } from '../support/poison.js';
import { TEST_REDIS_URL } from '../support/redis.js';

jest.setTimeout(180_000);

/** The embedded default: aedes in front of PGlite with TimescaleDB (PostgreSQL 17, one backend, one writer). */
describe('a message the database refuses blocks nothing (the embedded PGlite with TimescaleDB)', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({ REDIS_URL: TEST_REDIS_URL });
  });
  afterAll(() => platform?.close());

  it("the issue's sequence: device A's line noise and NUL-laden JSON are dead-lettered or cleaned and acknowledged; device B's readings are stored", async () => {
    expect(platform.dialect).toBe('timescaledb');
    await expectIssueSequence(platform);
    expect(
      await sql(platform, `SELECT data_type FROM information_schema.columns WHERE table_name = 'dead_letters' AND column_name = 'payload_excerpt'`),
    ).toEqual([{ data_type: 'bytea' }]);
  });

  it('property: any bytes and any JSON through the real broker are acknowledged; the valid samples and events are stored exactly, the rest dead-lettered; the server stays ready', async () => {
    await expectAnyMessageSettled(platform);
  });
});
