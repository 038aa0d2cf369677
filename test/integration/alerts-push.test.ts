import { execFileSync } from 'node:child_process';
import { createECDH, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import ece from 'http_ece';
import { importJWK, jwtVerify } from 'jose';
import webPush from 'web-push';
import { EventBusRepository } from '../../server/src/repositories/event-bus.repository.js';
import { ApiClient, createUser } from '../support/auth.js';
import { tempDir } from '../support/embedded.js';
import { createPatient, createTeam, sql, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startTestRedis } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

/**
 * Web Push to a local stand-in push service: a real HTTPS server (a self-signed certificate
 * this process trusts) that checks the VAPID authorisation (RFC 8292: an ES256 JWT for the
 * endpoint's origin, signed by the key in `k`) and decrypts the aes128gcm payload (RFC 8291)
 * with the subscription's private key, as a browser would.
 */
interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

describe('Web Push delivery', () => {
  let database: TestDatabase;
  let redis: { url: string; stop(): Promise<void> };
  let platform: TestPlatform;
  let pushService: https.Server;
  const certDir = tempDir('vigil-push-cert-');
  const received: Received[] = [];
  const vapid = webPush.generateVAPIDKeys();
  const previousCa = https.globalAgent.options.ca;

  beforeAll(async () => {
    const key = path.join(certDir.path, 'key.pem');
    const cert = path.join(certDir.path, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      {
        stdio: 'ignore',
      },
    );
    pushService = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(201).end();
      });
    });
    await new Promise<void>((resolve) => pushService.listen(0, '127.0.0.1', resolve));
    https.globalAgent.options.ca = [fs.readFileSync(cert)]; // the server runs in this process: it trusts the stand-in
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
    https.globalAgent.options.ca = previousCa;
    await platform?.close();
    pushService?.close();
    certDir.remove();
    await Promise.all([database?.drop(), redis?.stop()]);
  });

  it('sends a high-urgency, VAPID-signed, encrypted notification whose Acknowledge action acknowledges through the API', async () => {
    const teamId = await createTeam(platform);
    const patientId = await createPatient(platform, teamId);
    const careStaff = await createUser(platform, 'care_staff', teamId);
    const api = new ApiClient(platform.baseUrl);
    const { accessToken } = await api.signIn(careStaff);

    // The browser's side of the subscription: its ECDH key pair and auth secret.
    const browserKeys = createECDH('prime256v1');
    browserKeys.generateKeys();
    const auth = randomBytes(16);
    const origin = `https://127.0.0.1:${(pushService.address() as AddressInfo).port}`;
    const endpoint = `${origin}/push/${randomBytes(8).toString('hex')}`;
    const subscribed = await api.post(
      '/api/push/subscriptions',
      { endpoint, keys: { p256dh: browserKeys.getPublicKey('base64url'), auth: auth.toString('base64url') } },
      accessToken,
    );
    expect(subscribed.status).toBe(201);

    const [device] = await sql<{ id: string }>(platform, `INSERT INTO devices (patient_id, kind, secret_hash) VALUES ($1, 'fall_detector', 'x') RETURNING id`, [
      patientId,
    ]);
    platform.app.get(EventBusRepository).emit('events.stored', { rows: [{ time: new Date(), patientId, deviceId: device.id, type: 'fall', data: {} }] });
    const [push] = await waitFor(
      () => received,
      (r) => r.length === 1,
      20_000,
      'a push message at the stand-in',
    );

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
    const { payload: claims } = await jwtVerify(jwt, publicKey, { audience: origin, algorithms: ['ES256'] });
    expect(claims.sub).toBe('mailto:alerts@vigil.test');
    expect(claims.exp! * 1000).toBeGreaterThan(Date.now());
    expect(push.headers.urgency).toBe('high');
    expect(push.headers['content-encoding']).toBe('aes128gcm');
    expect(Number(push.headers.ttl)).toBeGreaterThan(0);

    // RFC 8291: only the subscription's private key and auth secret open it.
    const notification = JSON.parse(ece.decrypt(push.body, { version: 'aes128gcm', privateKey: browserKeys, authSecret: auth }).toString('utf8')) as {
      title: string;
      requireInteraction: boolean;
      actions: Array<{ action: string }>;
      data: { alertId: string; patientId: string; acknowledgeUrl: string };
    };
    expect(notification).toMatchObject({
      title: 'HIGH: Fall detected',
      requireInteraction: true,
      actions: [{ action: 'acknowledge', title: 'Acknowledge' }],
      data: { patientId },
    });
    expect(() => ece.decrypt(push.body, { version: 'aes128gcm', privateKey: browserKeys, authSecret: randomBytes(16) })).toThrow();

    // The service worker's Acknowledge action calls this URL with the user's token.
    const acknowledged = await api.post(notification.data.acknowledgeUrl, undefined, accessToken);
    expect(acknowledged.body).toMatchObject({ id: notification.data.alertId, state: 'acknowledged', acknowledgedBy: careStaff.id });
    const log = await waitFor(
      () =>
        sql<{ channel: string; recipient: string; status: string }>(
          platform,
          `SELECT channel, recipient, status FROM alert_deliveries WHERE alert_id = $1 AND channel = 'web_push'`,
          [notification.data.alertId],
        ),
      (rows) => rows.length === 1,
    );
    expect(log).toEqual([{ channel: 'web_push', recipient: origin, status: 'sent' }]);
  });
});
