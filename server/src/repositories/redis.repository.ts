import { Injectable } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';

/** The shared Redis connection (BullMQ queues, socket.io adapter and shared rule state build on its URL). */
@Injectable()
export class RedisRepository {
  readonly client: Redis;

  constructor(readonly url: string) {
    this.client = new Redis(url, this.options());
    this.client.on('error', () => undefined); // reconnects on its own; readiness reports the outage
  }

  /** Options for further connections (BullMQ needs `maxRetriesPerRequest: null`). */
  options(extra: RedisOptions = {}): RedisOptions {
    return { lazyConnect: false, enableOfflineQueue: true, ...extra };
  }

  async ping(): Promise<string> {
    return this.client.ping();
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
