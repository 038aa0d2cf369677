import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { provisionDevices, type TestDevice } from '../support/devices.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { FUZZ_SIZE, fuzzDeviceMessages, RETENTION_DAYS } from './fuzz-messages.js';

/** Device messages fuzzed through the embedded broker (fuzz-messages.ts says what and how). */
describe(`device messages fuzzed through the embedded broker (${FUZZ_SIZE.runs} runs of ${FUZZ_SIZE.messages})`, () => {
  let database: TestDatabase;
  let platform: TestPlatform;
  let other: TestDevice;

  beforeAll(async () => {
    database = await createTestDatabase();
    platform = await startTestPlatform({ DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL, VIGIL_RETENTION_DAYS: String(RETENTION_DAYS) });
    [other] = await provisionDevices(platform, 1);
  });
  afterAll(async () => {
    await platform?.close();
    await database?.drop();
  });

  it('stores every valid value once and dead-letters every rejection with its reason; sent = stored + rejected, counters in step', async () => {
    const counts = await fuzzDeviceMessages({
      broker: 'embedded',
      platform,
      url: platform.urls.broker,
      other,
      device: async () => (await provisionDevices(platform, 1))[0],
    });
    console.log(`fuzz through the embedded broker: ${JSON.stringify(counts)}`);
  }, 3_600_000);
});
