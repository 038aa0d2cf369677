import { Injectable } from '@nestjs/common';
import { RedisRepository } from './redis.repository.js';

/** Keys live this long: longer than any bucket is judged. */
const KEY_TTL_SECONDS = 3600;

/**
 * The ingest canary's counts in Redis, shared by every instance of a shared group: canaries
 * sent and received per time bucket (domain/canary.ts).
 */
@Injectable()
export class CanaryRepository {
  constructor(private readonly redis: RedisRepository) {}

  countSent(group: string, bucket: number): Promise<void> {
    return this.increment(this.key(group, 'sent', bucket));
  }

  countReceived(group: string, bucket: number): Promise<void> {
    return this.increment(this.key(group, 'received', bucket));
  }

  /** Sent and received per bucket, in the order given. */
  async counts(group: string, buckets: readonly number[]): Promise<Array<{ sent: number; received: number }>> {
    if (!buckets.length) return [];
    const keys = buckets.flatMap((bucket) => [this.key(group, 'sent', bucket), this.key(group, 'received', bucket)]);
    const values = await this.redis.client.mget(keys);
    return buckets.map((_, i) => ({ sent: Number(values[2 * i] ?? 0), received: Number(values[2 * i + 1] ?? 0) }));
  }

  private async increment(key: string): Promise<void> {
    await this.redis.client.multi().incr(key).expire(key, KEY_TTL_SECONDS).exec();
  }

  private key(group: string, what: 'sent' | 'received', bucket: number): string {
    return `vigil:ingest-canary:${group}:${what}:${bucket}`;
  }
}
