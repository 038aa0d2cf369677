import { execFileSync } from 'node:child_process';
import { createECDH, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import ece from 'http_ece';
import { tempDir } from './embedded.js';

export interface ReceivedPush {
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  path: string;
}

/** One browser's side of a push subscription: its ECDH key pair and auth secret, and an endpoint at the stand-in. */
export interface TestSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  /** Opens a message sent to this subscription (RFC 8291 aes128gcm), as the browser would. */
  decrypt(body: Buffer): string;
}

/**
 * A local stand-in for a browser vendor's push service: a real HTTPS server with a self-signed
 * certificate that this process trusts (the platform under test runs in the same process), which
 * accepts every message (201) and keeps it. Chromium here cannot reach a real push service.
 */
export async function startPushService(): Promise<{
  origin: string;
  received: ReceivedPush[];
  subscription(): TestSubscription;
  close(): void;
}> {
  const certDir = tempDir('vigil-push-cert-');
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
    { stdio: 'ignore' },
  );
  const received: ReceivedPush[] = [];
  const server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks), path: req.url ?? '' });
      res.writeHead(201).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const previousCa = https.globalAgent.options.ca;
  https.globalAgent.options.ca = [fs.readFileSync(cert)];
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    received,
    subscription() {
      const browserKeys = createECDH('prime256v1');
      browserKeys.generateKeys();
      const auth = randomBytes(16);
      return {
        endpoint: `${origin}/push/${randomBytes(8).toString('hex')}`,
        keys: { p256dh: browserKeys.getPublicKey('base64url'), auth: auth.toString('base64url') },
        decrypt: (body) => ece.decrypt(body, { version: 'aes128gcm', privateKey: browserKeys, authSecret: auth }).toString('utf8'),
      };
    },
    close() {
      https.globalAgent.options.ca = previousCa;
      server.close();
      certDir.remove();
    },
  };
}
