import { z } from 'zod';
import { storableString } from './common.dto.js';

/** Web Push: the routes of PushController (docs/alerts.md, "Web Push"). */

const base64url = z.string().regex(/^[A-Za-z0-9_-]+=*$/, 'must be base64url, as PushSubscription.getKey gives it');

export const pushSubscriptionBody = z
  .object({
    endpoint: z.url({ protocol: /^https?$/ }).max(2000),
    keys: z.object({ p256dh: base64url.min(20).max(200), auth: base64url.min(8).max(100) }),
    /** What the user calls this device in their settings ("Chrome on Android"); empty when not given. */
    label: storableString.trim().max(80, 'at most 80 characters').optional(),
  })
  .strict();
export type PushSubscriptionBody = z.infer<typeof pushSubscriptionBody>;

export const pushConfigSchema = z.object({
  /** The VAPID public key (base64url) the browser subscribes with; null when this server sends no Web Push. */
  publicKey: z.string().nullable(),
});

export const pushDeviceListSchema = z.object({
  subscriptions: z.array(z.object({ id: z.string(), label: z.string(), service: z.string(), createdAt: z.date() })),
});

export const pushAcknowledgeBody = z
  .object({
    token: z
      .string()
      .max(2000)
      .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'must be the token the notification carries (a JWT)'),
  })
  .strict();
export type PushAcknowledgeBody = z.infer<typeof pushAcknowledgeBody>;

/** What the service worker learns from acknowledging: no patient, no values. */
export const pushAcknowledgedSchema = z.object({ alertId: z.string(), state: z.enum(['open', 'acknowledged', 'resolved']) });
