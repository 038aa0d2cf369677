import type { AlertWire } from '../dtos/live.dto.js';

/**
 * What leaves Vigil about an alert, pure. No names or values in the push notification: a
 * lock screen shows it to whoever holds the phone; the dashboard shows the rest after sign-in.
 */

const KIND_TITLES: Record<AlertWire['kind'], string> = {
  news2: 'NEWS2 raised',
  threshold: 'Vital sign outside its limits',
  no_data: 'No data from a device',
  device_offline: 'Device offline',
  low_battery: 'Device battery low',
  fall: 'Fall detected',
  alarm_button: 'Alarm button pressed',
  bed_exit: 'Out of bed at night',
  door_open: 'Door opened at night',
  missed_dose: 'Missed dose',
  inactivity: 'Inactivity',
};

export function alertTitle(alert: Pick<AlertWire, 'kind' | 'metric'>): string {
  return alert.kind === 'threshold' && alert.metric ? `${KIND_TITLES.threshold} (${alert.metric})` : KIND_TITLES[alert.kind];
}

/**
 * How long a push message waits at the push service for an offline phone, and how long its
 * Acknowledge action works: one hour. A notification acted on later opens the alert in the
 * dashboard instead, behind the normal sign-in.
 */
export const ACKNOWLEDGE_TOKEN_SECONDS = 3600;

/**
 * The Web Push payload the dashboard's service worker shows (dashboard/src/sw/). A click opens
 * the alert; with an acknowledge token (PushService) the notification also has an "Acknowledge"
 * action, whose handler posts the token to `acknowledgeUrl`: the service worker has no session.
 */
export function pushPayload(alert: AlertWire, level: number, acknowledgeToken?: string): string {
  return JSON.stringify({
    title: `${alert.priority.toUpperCase()}: ${alertTitle(alert)}`,
    body: level > 0 ? `Escalated (level ${level}): nobody has acknowledged it yet` : 'Open Vigil to see the patient',
    tag: `vigil-alert-${alert.id}`,
    requireInteraction: alert.priority === 'high',
    data: {
      alertId: alert.id,
      patientId: alert.patientId,
      url: `/alerts/${alert.id}`,
      ...(acknowledgeToken ? { acknowledgeUrl: '/api/push/acknowledge', acknowledgeToken } : {}),
    },
    actions: acknowledgeToken ? [{ action: 'acknowledge', title: 'Acknowledge' }] : [],
  });
}

/** Web Push urgency (RFC 8030 5.3): high alerts wake the device. */
export const pushUrgency = (alert: Pick<AlertWire, 'priority'>): 'high' | 'normal' => (alert.priority === 'high' ? 'high' : 'normal');

/** The webhook body. */
export function webhookBody(alert: AlertWire, change: string, teamId: string): string {
  return JSON.stringify({ type: 'alert.changed', change, teamId, alert });
}

/**
 * What a webhook signature covers: `<unix seconds>.<body>`, signed HMAC-SHA256 with the
 * webhook's secret and sent as `X-Vigil-Signature: v1=<hex>` with `X-Vigil-Timestamp`.
 * Receivers recompute it and refuse timestamps outside their replay window (we suggest 5 min).
 */
export const signedContent = (timestampSeconds: number, body: string) => `${timestampSeconds}.${body}`;
export const WEBHOOK_REPLAY_WINDOW_SECONDS = 300;
