/**
 * What the service worker makes of a push message and of a click on its notification, pure
 * (the worker itself, sw.ts, only wires these to the browser). The payload is the server's
 * (server/src/domain/alert-messages.ts `pushPayload`): it holds no name and no value, since a
 * lock screen shows it to whoever holds the phone.
 */

export interface AlertNotificationData {
  alertId: string;
  /** Where a click leads: a path of this origin. */
  url: string;
  acknowledgeUrl?: string;
  acknowledgeToken?: string;
}

export interface AlertNotification {
  title: string;
  options: {
    body: string;
    tag: string;
    requireInteraction: boolean;
    data: AlertNotificationData;
    actions: Array<{ action: string; title: string }>;
    icon: string;
    badge: string;
  };
}

export const ICON = '/icons/icon-192.png';
const FALLBACK_URL = '/alerts';

const text = (value: unknown, fallback = ''): string => (typeof value === 'string' ? value : fallback);

/** Only a path of this origin: a payload can never send the user elsewhere. */
export function samePath(value: unknown, fallback = FALLBACK_URL): string {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.includes('\\') ? value : fallback;
}

/**
 * The notification for a push payload; a payload that is not the server's shape still gives one
 * (a push the user is not shown is a missed alarm), leading to the inbox.
 */
export function notificationFor(payload: unknown): AlertNotification {
  const p = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<string, unknown>;
  const d = (typeof p.data === 'object' && p.data !== null ? p.data : {}) as Record<string, unknown>;
  const alertId = text(d.alertId);
  const token = text(d.acknowledgeToken);
  const acknowledgeUrl = samePath(d.acknowledgeUrl, '');
  const canAcknowledge = Boolean(alertId && token && acknowledgeUrl);
  const actions = (Array.isArray(p.actions) ? (p.actions as unknown[]) : [])
    .map((a) => (typeof a === 'object' && a !== null ? (a as Record<string, unknown>) : {}))
    .filter((a): a is { action: string; title: string } => typeof a.action === 'string' && typeof a.title === 'string')
    .filter((a) => a.action !== 'acknowledge' || canAcknowledge);
  return {
    title: text(p.title, 'Vigil'),
    options: {
      body: text(p.body),
      tag: text(p.tag, alertId ? `vigil-alert-${alertId}` : 'vigil-alert'),
      requireInteraction: p.requireInteraction === true,
      data: { alertId, url: samePath(d.url), ...(canAcknowledge ? { acknowledgeUrl, acknowledgeToken: token } : {}) },
      actions,
      icon: ICON,
      badge: ICON,
    },
  };
}

/** A click: the Acknowledge action acknowledges (and opens the alert only if that fails); anything else opens the alert. */
export function clickPlan(data: unknown, action: string): { acknowledge?: { url: string; token: string }; open: string } {
  const d = (typeof data === 'object' && data !== null ? data : {}) as Partial<AlertNotificationData>;
  const open = samePath(d.url);
  if (action === 'acknowledge' && d.acknowledgeToken && d.acknowledgeUrl)
    return { acknowledge: { url: samePath(d.acknowledgeUrl), token: d.acknowledgeToken }, open };
  return { open };
}
