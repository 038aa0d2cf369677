import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { importJWK, jwtVerify } from 'jose';
import webPush from 'web-push';
import { EventBusRepository } from '../../server/src/repositories/event-bus.repository.js';
import { EscalationService } from '../../server/src/services/escalation.service.js';
import { ApiClient, createUser } from '../support/auth.js';
import { createPatient, createTeam, sql, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startPushService } from '../support/push-service.js';
import { startTestRedis } from '../support/redis.js';
import { sleep, waitFor } from '../support/wait.js';

/**
 * Web Push to a local stand-in push service (test/support/push-service.ts): a real HTTPS server
 * where the test checks the VAPID authorisation (RFC 8292: an ES256 JWT for the endpoint's
 * origin, signed by the key in `k`) and decrypts the aes128gcm payload (RFC 8291) with the
 * subscription's private key, as a browser would; then the notification's Acknowledge action,
 * whose token is the only credential a service worker has.
 */
interface Notification {
  title: string;
  requireInteraction: boolean;
  actions: Array<{ action: string; title: string }>;
  data: { alertId: string; patientId: string; url: string; acknowledgeUrl: string; acknowledgeToken: string };
}

describe('Web Push delivery', () => {
  let database: TestDatabase;
  let redis: { url: string; stop(): Promise<void> };
  let platform: TestPlatform;
  let pushService: Awaited<ReturnType<typeof startPushService>>;
  const vapid = webPush.generateVAPIDKeys();

  beforeAll(async () => {
    pushService = await startPushService(); // the server runs in this process: it trusts the stand-in
    [database, redis] = await Promise.all([createTestDatabase(), startTestRedis()]);
    platform = await startTestPlatform({
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      VIGIL_TRUST_PROXY: '1',
      VIGIL_VAPID_PUBLIC_KEY: vapid.publicKey,
      VIGIL_VAPID_PRIVATE_KEY: vapid.privateKey,
      VIGIL_VAPID_SUBJECT: 'mailto:alerts@vigil.test',
    });
  });
  afterAll(async () => {
    await platform?.close();
    pushService?.close();
    await Promise.all([database?.drop(), redis?.stop()]);
  });

  /** A care worker of a new team with one subscribed browser, and a fall that opens a high alert for the team's patient. */
  async function fallPushedTo() {
    const teamId = await createTeam(platform);
    const patientId = await createPatient(platform, teamId);
    const careStaff = await createUser(platform, 'care_staff', teamId);
    const api = new ApiClient(platform.baseUrl);
    const { accessToken } = await api.signIn(careStaff);
    const browser = pushService.subscription();
    const subscribed = await api.post<{ id: string }>(
      '/api/push/subscriptions',
      { endpoint: browser.endpoint, keys: browser.keys, label: 'Chrome · Android' },
      accessToken,
    );
    expect(subscribed.status).toBe(201);
    const [device] = await sql<{ id: string }>(platform, `INSERT INTO devices (patient_id, kind, secret_hash) VALUES ($1, 'fall_detector', 'x') RETURNING id`, [
      patientId,
    ]);
    platform.app.get(EventBusRepository).emit('events.stored', { rows: [{ time: new Date(), patientId, deviceId: device.id, type: 'fall', data: {} }] });
    const endpointPath = new URL(browser.endpoint).pathname;
    const push = await waitFor(
      () => pushService.received.find((r) => r.path === endpointPath),
      (r) => r !== undefined,
      20_000,
      'a push message at the stand-in',
    );
    const pushes = () => pushService.received.filter((r) => r.path === endpointPath).length;
    /** Another fall of the same patient (a repeat of the open or acknowledged alert). */
    const fallAgain = () =>
      platform.app.get(EventBusRepository).emit('events.stored', { rows: [{ time: new Date(), patientId, deviceId: device.id, type: 'fall', data: {} }] });
    return { teamId, patientId, careStaff, api, accessToken, browser, subscriptionId: subscribed.body.id, push: push!, pushes, fallAgain };
  }

  it('sends a high-urgency, VAPID-signed, encrypted notification whose Acknowledge action acknowledges with its own token', async () => {
    const { patientId, careStaff, api, accessToken, browser, subscriptionId, push } = await fallPushedTo();

    // VAPID (RFC 8292): vapid t=<ES256 JWT>, k=<the application server's public key>.
    const authorization = String(push.headers.authorization);
    const match = /^vapid t=([^,]+), k=(.+)$/.exec(authorization);
    expect(match).not.toBeNull();
    const [, jwt, k] = match!;
    expect(k).toBe(vapid.publicKey);
    const raw = Buffer.from(k, 'base64url');
    const publicKey = await importJWK(
      { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33, 65).toString('base64url') },
      'ES256',
    );
    const { payload: claims } = await jwtVerify(jwt, publicKey, { audience: pushService.origin, algorithms: ['ES256'] });
    expect(claims.sub).toBe('mailto:alerts@vigil.test');
    expect(claims.exp! * 1000).toBeGreaterThan(Date.now());
    expect(push.headers.urgency).toBe('high');
    expect(push.headers['content-encoding']).toBe('aes128gcm');
    expect(Number(push.headers.ttl)).toBe(3600);

    // RFC 8291: only the subscription's private key and auth secret open it.
    const notification = JSON.parse(browser.decrypt(push.body)) as Notification;
    expect(notification).toMatchObject({
      title: 'HIGH: Fall detected',
      requireInteraction: true,
      actions: [{ action: 'acknowledge', title: 'Acknowledge' }],
      data: { patientId, url: `/alerts/${notification.data.alertId}`, acknowledgeUrl: '/api/push/acknowledge' },
    });
    expect(() => pushService.subscription().decrypt(push.body)).toThrow();

    // The token is no access token: it opens no other route.
    const token = notification.data.acknowledgeToken;
    expect((await api.get('/api/alerts', token)).status).toBe(401);
    expect((await api.post(`/api/alerts/${notification.data.alertId}/acknowledge`, undefined, token)).status).toBe(401);
    // Nor is an access token an acknowledge token; and a token altered by one character is refused.
    expect((await api.post('/api/push/acknowledge', { token: accessToken })).status).toBe(401);
    const tampered = token.slice(0, -2) + (token.at(-2) === 'A' ? 'B' : 'A') + token.at(-1)!;
    expect((await api.post('/api/push/acknowledge', { token: tampered })).status).toBe(401);
    expect(await api.get<{ state: string }>(`/api/alerts/${notification.data.alertId}`, accessToken)).toMatchObject({ body: { state: 'open' } });

    // The service worker posts the token, with no session: the alert is acknowledged by the subscription's user, audited as from a notification.
    const acknowledged = await api.post('/api/push/acknowledge', { token });
    expect(acknowledged).toMatchObject({ status: 200, body: { alertId: notification.data.alertId, state: 'acknowledged' } });
    expect(Object.keys(acknowledged.body).sort()).toEqual(['alertId', 'state']); // no patient data to whoever holds the phone
    expect((await api.get(`/api/alerts/${notification.data.alertId}`, accessToken)).body).toMatchObject({
      state: 'acknowledged',
      acknowledgedBy: careStaff.id,
    });
    const audit = await waitFor(
      () =>
        sql<{ actor_id: string; details: Record<string, unknown> }>(
          platform,
          `SELECT actor_id, details FROM audit_log WHERE action = 'alert.acknowledge' AND target_id = $1`,
          [notification.data.alertId],
        ),
      (rows) => rows.length === 1,
    );
    expect(audit[0]).toMatchObject({ actor_id: careStaff.id, details: { changed: true, via: 'web_push', subscriptionId } });
    // Used again: idempotent, like the route it stands for.
    expect(await api.post('/api/push/acknowledge', { token })).toMatchObject({ status: 200, body: { state: 'acknowledged' } });

    const log = await waitFor(
      () =>
        sql<{ channel: string; recipient: string; status: string }>(
          platform,
          `SELECT channel, recipient, status FROM alert_deliveries WHERE alert_id = $1 AND channel = 'web_push'`,
          [notification.data.alertId],
        ),
      (rows) => rows.length === 1,
    );
    expect(log).toEqual([{ channel: 'web_push', recipient: pushService.origin, status: 'sent' }]);
  });

  it('lists the user’s devices without endpoints or keys; removing one stops its acknowledge tokens, and another user cannot remove it', async () => {
    const { teamId, api, accessToken, browser, subscriptionId, push } = await fallPushedTo();
    const notification = JSON.parse(browser.decrypt(push.body)) as Notification;

    const listed = await api.get<{ subscriptions: Array<Record<string, unknown>> }>('/api/push/subscriptions', accessToken);
    expect(listed.body.subscriptions).toEqual([{ id: subscriptionId, label: 'Chrome · Android', service: pushService.origin, createdAt: expect.any(String) }]);
    expect(JSON.stringify(listed.body)).not.toContain(browser.keys.auth);
    expect((await api.get('/api/push/public-key', accessToken)).body).toEqual({ publicKey: vapid.publicKey });

    const colleague = await createUser(platform, 'care_staff', teamId);
    const other = new ApiClient(platform.baseUrl);
    const { accessToken: otherToken } = await other.signIn(colleague);
    expect((await other.get<{ subscriptions: unknown[] }>('/api/push/subscriptions', otherToken)).body.subscriptions).toEqual([]);
    expect((await other.request('DELETE', `/api/push/subscriptions/${subscriptionId}`, { token: otherToken })).status).toBe(404);
    expect((await api.request('DELETE', '/api/push/subscriptions/not-a-uuid', { token: accessToken })).status).toBe(400);

    expect((await api.request('DELETE', `/api/push/subscriptions/${subscriptionId}`, { token: accessToken })).status).toBe(204);
    expect((await api.get<{ subscriptions: unknown[] }>('/api/push/subscriptions', accessToken)).body.subscriptions).toEqual([]);
    // A removed device (a lost phone) can no longer acknowledge.
    expect((await api.post('/api/push/acknowledge', { token: notification.data.acknowledgeToken })).status).toBe(401);
    expect((await api.get(`/api/alerts/${notification.data.alertId}`, accessToken)).body).toMatchObject({ state: 'open' });
    expect((await api.post('/api/push/acknowledge', { token: '' })).body).toMatchObject({ errors: [{ field: 'token' }] });
  });

  it('pushes the re-alert of an acknowledged alert again, and each repeat cycle of the chain', async () => {
    const { teamId, patientId, api, accessToken, pushes, fallAgain } = await fallPushedTo();
    expect(pushes()).toBe(1);
    const [alert] = await sql<{ id: string }>(platform, `SELECT id FROM alerts WHERE patient_id = $1`, [patientId]);
    const lead = await createUser(platform, 'clinician', teamId);
    const { accessToken: leadToken } = await api.signIn(lead);
    expect((await api.request('PATCH', `/api/teams/${teamId}/alert-settings`, { body: { realertSeconds: 1 }, token: leadToken })).status).toBe(200);
    expect((await api.post(`/api/alerts/${alert.id}/acknowledge`, undefined, accessToken)).status).toBe(200);
    await sleep(1100); // past realertSeconds
    fallAgain(); // the condition is still there: the re-alert is due
    await waitFor(pushes, (n) => n === 2, 20_000, 'the re-alert pushed');

    // A second cycle of the chain's first level, as the planned alert.escalate job of an open alert runs it.
    await sql(platform, `UPDATE alerts SET state = 'open', acknowledged_at = NULL, acknowledged_by = NULL WHERE id = $1`, [alert.id]);
    await platform.app.get(EscalationService).escalate({ alertId: alert.id, level: 0, cycle: 1 });
    await waitFor(pushes, (n) => n === 3, 20_000, 'the second cycle pushed');
  });

  it('an admin’s reset of a lost phone’s second factor removes the user’s push devices: its Acknowledge token stops working', async () => {
    const { teamId, careStaff, api, browser, push } = await fallPushedTo();
    const notification = JSON.parse(browser.decrypt(push.body)) as Notification;
    const admin = await createUser(platform, 'admin', teamId);
    const { accessToken: adminToken } = await api.signIn(admin);
    expect((await api.post(`/api/admin/users/${careStaff.id}/reset-mfa`, undefined, adminToken)).status).toBe(204);
    expect(await sql(platform, 'SELECT id FROM push_subscriptions WHERE user_id = $1', [careStaff.id])).toEqual([]);
    expect((await api.post('/api/push/acknowledge', { token: notification.data.acknowledgeToken })).status).toBe(401);
    expect((await api.get(`/api/alerts/${notification.data.alertId}`, adminToken)).body).toMatchObject({ state: 'open' });
    const [entry] = await sql<{ details: Record<string, unknown> }>(platform, `SELECT details FROM audit_log WHERE action = 'user.reset_mfa' AND target_id = $1`, [careStaff.id]);
    expect(entry.details).toEqual({ pushSubscriptionsRemoved: 1 });
  });
});
