import { Injectable } from '@nestjs/common';
import { RedisRepository } from './redis.repository.js';

export interface WindowCount {
  count: number;
  /** Seconds until the window ends and the count starts again. */
  retryAfterSeconds: number;
}

const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));
const key = (name: string) => `vigil:rate:${name}`;

/**
 * Fixed-window counters in Redis, so limits hold across every server instance: request rates
 * of the auth routes and failed sign-in attempts per client address. A window starts with
 * its first hit.
 */
@Injectable()
export class RateLimitRepository {
  constructor(private readonly redis: RedisRepository) {}

  /** Counts one hit and returns the count so far in this window. */
  async hit(name: string, windowSeconds: number): Promise<WindowCount> {
    const k = key(name);
    const results = (await this.redis.client.multi().incr(k).expire(k, windowSeconds, 'NX').pttl(k).exec()) ?? [];
    const [[, count], , [, ttl]] = results as [[unknown, number], unknown, [unknown, number]];
    return { count, retryAfterSeconds: seconds(ttl) };
  }

  /** Ends the window: the next hit counts from one again. */
  async clear(name: string): Promise<void> {
    await this.redis.client.del(key(name));
  }

  /** The count in the current window, without counting. */
  async peek(name: string): Promise<WindowCount> {
    const k = key(name);
    const [count, ttl] = await Promise.all([this.redis.client.get(k), this.redis.client.pttl(k)]);
    return { count: Number(count ?? 0), retryAfterSeconds: seconds(ttl) };
  }
}
