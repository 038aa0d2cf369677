import { Injectable } from '@nestjs/common';
import webPush from 'web-push';
import { DatabaseRepository } from './database.repository.js';

export interface PushSubscriptionRecord {
  id: string;
  userId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
}

export interface Vapid {
  publicKey: string;
  privateKey: string;
  subject: string;
}

/** Web Push subscriptions (per user and browser) and sending to them (VAPID, RFC 8291 encryption) with `web-push`. */
@Injectable()
export class PushRepository {
  constructor(private readonly db: DatabaseRepository) {}

  async subscribe(userId: string, s: { endpoint: string; p256dh: string; auth: string }): Promise<PushSubscriptionRecord> {
    const { rows } = await this.db.query<PushSubscriptionRecord>(
      `INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth) VALUES ($1, $2, $3, $4)
       ON CONFLICT (endpoint) DO UPDATE SET user_id = EXCLUDED.user_id, p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth
       RETURNING id, user_id AS "userId", endpoint, p256dh, auth`,
      [userId, s.endpoint, s.p256dh, s.auth],
    );
    return rows[0];
  }

  async unsubscribe(userId: string, endpoint: string): Promise<boolean> {
    const { rowCount } = await this.db.query(`DELETE FROM push_subscriptions WHERE user_id = $1 AND endpoint = $2`, [userId, endpoint]);
    return (rowCount ?? 0) > 0;
  }

  async forUsers(userIds: string[]): Promise<PushSubscriptionRecord[]> {
    if (userIds.length === 0) return [];
    const { rows } = await this.db.query<PushSubscriptionRecord>(
      `SELECT id, user_id AS "userId", endpoint, p256dh, auth FROM push_subscriptions WHERE user_id = ANY($1::uuid[])`,
      [userIds],
    );
    return rows;
  }

  async get(id: string): Promise<PushSubscriptionRecord | undefined> {
    const { rows } = await this.db.query<PushSubscriptionRecord>(
      `SELECT id, user_id AS "userId", endpoint, p256dh, auth FROM push_subscriptions WHERE id = $1`,
      [id],
    );
    return rows[0];
  }

  async remove(id: string): Promise<void> {
    await this.db.query(`DELETE FROM push_subscriptions WHERE id = $1`, [id]);
  }

  /** Sends one encrypted message; resolves with the push service's status code (it rejects on a non-2xx). */
  async send(
    s: PushSubscriptionRecord,
    payload: string,
    vapid: Vapid,
    options: { urgency: 'high' | 'normal'; ttlSeconds: number; topic?: string },
  ): Promise<number> {
    const result = await webPush.sendNotification({ endpoint: s.endpoint, keys: { p256dh: s.p256dh, auth: s.auth } }, payload, {
      vapidDetails: vapid,
      urgency: options.urgency,
      TTL: options.ttlSeconds,
      topic: options.topic,
      contentEncoding: 'aes128gcm',
      timeout: 10_000,
    });
    return result.statusCode;
  }
}
