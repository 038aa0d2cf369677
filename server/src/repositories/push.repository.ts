import { Injectable } from '@nestjs/common';
import webPush from 'web-push';
import type { Role } from '../domain/roles.js';
import { DatabaseRepository } from './database.repository.js';

export interface PushSubscriptionRecord {
  id: string;
  userId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** A subscription as its owner sees it in their settings: no endpoint or keys, only what tells devices apart. */
export interface PushDevice {
  id: string;
  label: string;
  /** The push service's origin (which browser family delivers it). */
  service: string;
  createdAt: Date;
}

/** The user a subscription belongs to, while the user is not disabled. */
export interface PushOwner {
  userId: string;
  email: string;
  role: Role;
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

  /** One endpoint is one browser: subscribing it again (or as another user signed in on it) replaces the row. */
  async subscribe(userId: string, s: { endpoint: string; p256dh: string; auth: string; label: string }): Promise<PushSubscriptionRecord> {
    const { rows } = await this.db.query<PushSubscriptionRecord>(
      `INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, label) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (endpoint) DO UPDATE SET user_id = EXCLUDED.user_id, p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth, label = EXCLUDED.label
       RETURNING id, user_id AS "userId", endpoint, p256dh, auth`,
      [userId, s.endpoint, s.p256dh, s.auth, s.label],
    );
    return rows[0];
  }

  /** The user's devices, newest first. */
  async devicesOf(userId: string): Promise<PushDevice[]> {
    const { rows } = await this.db.query<PushDevice & { endpoint: string }>(
      `SELECT id, label, endpoint, created_at AS "createdAt" FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at DESC, id`,
      [userId],
    );
    return rows.map(({ endpoint, ...device }) => ({ ...device, service: new URL(endpoint).origin }));
  }

  /** Removes one of the user's subscriptions; false when it is not theirs (or gone). */
  async removeOwn(userId: string, id: string): Promise<boolean> {
    const { rowCount } = await this.db.query(`DELETE FROM push_subscriptions WHERE user_id = $1 AND id = $2`, [userId, id]);
    return (rowCount ?? 0) > 0;
  }

  /** Removes every subscription of the user (a lost phone); returns how many there were. */
  async removeAllOf(userId: string): Promise<number> {
    const { rowCount } = await this.db.query(`DELETE FROM push_subscriptions WHERE user_id = $1`, [userId]);
    return rowCount ?? 0;
  }

  /** The subscription's user, if the subscription still exists, is that user's, and the user is not disabled. */
  async activeOwner(id: string, userId: string): Promise<PushOwner | undefined> {
    const { rows } = await this.db.query<PushOwner>(
      `SELECT u.id AS "userId", u.email, u.role FROM push_subscriptions s JOIN users u ON u.id = s.user_id
       WHERE s.id = $1 AND s.user_id = $2 AND u.disabled_at IS NULL`,
      [id, userId],
    );
    return rows[0];
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
