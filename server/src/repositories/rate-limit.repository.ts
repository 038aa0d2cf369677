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
 * Fixed-window counters and timed markers in Redis, so limits hold across every server
 * instance: request rates of the auth routes, failed sign-in attempts per client address,
 * account and address pair, locks and delays. A window starts with its first hit.
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

  /** Sets a marker that lasts `seconds` (e.g. a lock or a delay); `peek` shows its remaining time. */
  async hold(name: string, seconds: number): Promise<void> {
    await this.redis.client.set(key(name), '1', 'EX', Math.max(1, Math.ceil(seconds)));
  }

  /** Ends every counter and marker whose name starts with `prefix`. */
  async clearPrefix(prefix: string): Promise<void> {
    const stream = this.redis.client.scanStream({ match: `${key(prefix)}*`, count: 100 });
    for await (const keys of stream as AsyncIterable<string[]>) {
      if (keys.length) await this.redis.client.del(...keys);
    }
  }

  /** Every marker whose name matches `pattern` (Redis glob) that still holds, with when it ends. */
  async holding(pattern: string): Promise<Array<{ name: string; until: Date }>> {
    const found: Array<{ name: string; until: Date }> = [];
    const stream = this.redis.client.scanStream({ match: key(pattern), count: 100 });
    for await (const keys of stream as AsyncIterable<string[]>) {
      const ttls = await Promise.all(keys.map((k) => this.redis.client.pttl(k)));
      keys.forEach((k, i) => {
        if (ttls[i] > 0) found.push({ name: k.slice(key('').length), until: new Date(Date.now() + ttls[i]) });
      });
    }
    return found;
  }

  /** The count in the current window, without counting. */
  async peek(name: string): Promise<WindowCount> {
    const k = key(name);
    const [count, ttl] = await Promise.all([this.redis.client.get(k), this.redis.client.pttl(k)]);
    return { count: Number(count ?? 0), retryAfterSeconds: seconds(ttl) };
  }
}
