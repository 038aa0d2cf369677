import { startEmbeddedRedis } from '../../server/src/embedded/embedded-redis.js';
import { tempDir } from './embedded.js';

/** The machine's Redis; tests that need isolation start their own with `startTestRedis`. */
export const TEST_REDIS_URL = process.env.VIGIL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A real redis-server of the test's own on a free port (no shared keys with other tests). */
export async function startTestRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = tempDir('vigil-redis-');
  const redis = await startEmbeddedRedis(dir.path);
  return {
    url: redis.url,
    async stop() {
      await redis.stop();
      dir.remove();
    },
  };
}
