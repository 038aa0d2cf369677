import { describe, expect, it } from 'vitest';
import { pushPayload } from '$domain/alert-messages';
import { clickPlan, notificationFor, samePath } from './notification.js';

const ALERT = {
  id: '6f1c0d8e-1111-4222-8333-944455556666',
  patientId: '0b5c7d8e-1111-4222-8333-944455556666',
  kind: 'fall' as const,
  priority: 'high' as const,
  state: 'open' as const,
  openedAt: '2026-12-01T22:00:00.000Z',
  lastSeenAt: '2026-12-01T22:00:00.000Z',
  count: 1,
  escalationLevel: 0,
};

describe('the service worker’s notification', () => {
  it('shows the server’s payload with an Acknowledge action carrying its token', () => {
    const shown = notificationFor(JSON.parse(pushPayload(ALERT, 0, 'the-token')));
    expect(shown).toEqual({
      title: 'HIGH: Fall detected',
      options: {
        body: 'Open Vigil to see the patient',
        tag: `vigil-alert-${ALERT.id}`,
        requireInteraction: true,
        data: { alertId: ALERT.id, url: `/alerts/${ALERT.id}`, acknowledgeUrl: '/api/push/acknowledge', acknowledgeToken: 'the-token' },
        actions: [{ action: 'acknowledge', title: 'Acknowledge' }],
        icon: '/icons/icon-192.png',
        badge: '/icons/icon-192.png',
      },
    });
  });

  it('offers no Acknowledge action without a token, and still shows something for a payload it cannot read', () => {
    expect(notificationFor(JSON.parse(pushPayload(ALERT, 1))).options.actions).toEqual([]);
    const unreadable = notificationFor(undefined);
    expect(unreadable.title).toBe('Vigil');
    expect(unreadable.options.data.url).toBe('/alerts');
    const forged = notificationFor({ title: 'x', actions: [{ action: 'acknowledge', title: 'Acknowledge' }], data: { alertId: 'a' } });
    expect(forged.options.actions).toEqual([]);
  });

  it('never leads away from this origin', () => {
    expect(samePath('/alerts/1')).toBe('/alerts/1');
    expect(samePath('//evil.example/x')).toBe('/alerts');
    expect(samePath('https://evil.example/')).toBe('/alerts');
    expect(samePath('/\\evil.example')).toBe('/alerts');
    expect(notificationFor({ data: { url: 'https://evil.example/' } }).options.data.url).toBe('/alerts');
  });

  it('acknowledges on the action and opens the alert on any other click', () => {
    const { options } = notificationFor(JSON.parse(pushPayload(ALERT, 0, 'the-token')));
    expect(clickPlan(options.data, 'acknowledge')).toEqual({ acknowledge: { url: '/api/push/acknowledge', token: 'the-token' }, open: `/alerts/${ALERT.id}` });
    expect(clickPlan(options.data, '')).toEqual({ open: `/alerts/${ALERT.id}` });
    expect(clickPlan(null, 'acknowledge')).toEqual({ open: '/alerts' });
  });
});
