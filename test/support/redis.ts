import { startEmbeddedRedis } from '../../server/src/embedded/embedded-redis.js';
import { tempDir } from './embedded.js';

/** The machine's Redis; tests that need isolation start their own with `startTestRedis`. */
export const TEST_REDIS_URL = process.env.VIGIL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestRedis {
  url: string;
  /** Stops it (SIGTERM: its append-only file is flushed); `up()` starts it again on the same port and folder. */
  down(): Promise<void>;
  up(): Promise<void>;
  /** Stops it and removes its folder. */
  stop(): Promise<void>;
}

/** A real redis-server of the test's own on a free port (no shared keys with other tests). */
export async function startTestRedis(): Promise<TestRedis> {
  const dir = tempDir('vigil-redis-');
  let redis = await startEmbeddedRedis(dir.path);
  const port = Number(new URL(redis.url).port);
  return {
    url: redis.url,
    down: () => redis.stop(),
    async up() {
      redis = await startEmbeddedRedis(dir.path, { port });
    },
    async stop() {
      await redis.stop();
      dir.remove();
    },
  };
}
