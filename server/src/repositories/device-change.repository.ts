import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import { z } from 'zod';
import type { AppEvents } from './event-bus.repository.js';
import { RedisRepository } from './redis.repository.js';

export type DeviceChange = AppEvents['device.changed'];

const CHANNEL = 'vigil:device.changed';

/** One schema for what crosses Redis; a message that does not match is ignored. */
const noticeSchema = z.object({
  origin: z.string(),
  deviceId: z.string(),
  change: z.enum(['created', 'relinked', 'rotated', 'revoked']),
});

/**
 * Carries device changes (revoked, rotated, relinked, created) between server instances over
 * Redis pub/sub, so every instance drops its cached credentials and closes a revoked device's
 * connection. Each instance ignores its own notices.
 */
@Injectable()
export class DeviceChangeRepository {
  readonly origin = randomUUID();
  private subscriber?: Redis;

  constructor(private readonly redis: RedisRepository) {}

  async publish(change: DeviceChange): Promise<void> {
    await this.redis.client.publish(CHANNEL, JSON.stringify({ origin: this.origin, deviceId: change.deviceId, change: change.change }));
  }

  /** Listens on a connection of its own (a subscribed Redis connection can do nothing else). */
  async subscribe(listener: (change: DeviceChange) => void): Promise<void> {
    const subscriber = new Redis(this.redis.url, this.redis.options());
    subscriber.on('error', () => undefined); // ioredis reconnects and resubscribes by itself
    subscriber.on('message', (_channel: string, message: string) => {
      let notice: z.infer<typeof noticeSchema>;
      try {
        notice = noticeSchema.parse(JSON.parse(message));
      } catch {
        return;
      }
      if (notice.origin !== this.origin) listener({ deviceId: notice.deviceId, change: notice.change });
    });
    await subscriber.subscribe(CHANNEL);
    this.subscriber = subscriber;
  }

  async close(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
    this.subscriber = undefined;
  }
}
