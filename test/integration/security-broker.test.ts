import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import QRCode from 'qrcode';
import { connectDevice } from '../../simulators/src/devices/mqtt-link.js';
import { ApiClient, createUser, startSecurityPlatform } from '../support/auth.js';
import { createPatient, createTeam, type TestPlatform } from '../support/platform.js';

/** Device credentials from the admin API, end to end through the embedded aedes broker. */
describe('device credentials at the embedded broker', () => {
  let platform: TestPlatform;
  let api: ApiClient;
  let token: string;
  let patientId: string;

  beforeAll(async () => {
    platform = await startSecurityPlatform(); // no MQTT_URL: the embedded broker
    const teamId = await createTeam(platform);
    patientId = await createPatient(platform, teamId);
    api = new ApiClient(platform.baseUrl);
    token = (await api.signIn(await createUser(platform, 'admin'))).accessToken;
  });
  afterAll(() => platform?.close());

  const provision = async () => {
    const { body } = await api.post<{ device: { id: string }; secret: string; qrCode: string }>(
      '/api/admin/devices',
      { patientId, kind: 'pulse_oximeter' },
      token,
    );
    return { id: body.device.id, secret: body.secret, qrCode: body.qrCode };
  };

  /** The QR code the installer scans: the device's MQTT username and password, nothing else (the same PNG the server's QR library makes of them). */
  const installerCode = (device: { id: string; secret: string }) =>
    QRCode.toDataURL(JSON.stringify({ username: device.id, password: device.secret }), { errorCorrectionLevel: 'M', margin: 2, width: 240 });

  it('provisioning and rotating answer the credentials once more as the installer’s QR code', async () => {
    const device = await provision();
    expect(device.qrCode).toBe(await installerCode(device));
    (await connectDevice(platform.urls.broker, device)).end(true);
    const { body } = await api.post<{ secret: string; qrCode: string }>(`/api/admin/devices/${device.id}/rotate`, undefined, token);
    expect(body.qrCode).toBe(await installerCode({ id: device.id, secret: body.secret }));
    // The list never shows a secret again.
    const listed = await api.get<Array<Record<string, unknown>>>(`/api/admin/devices?patientId=${patientId}`, token);
    expect(JSON.stringify(listed.body)).not.toContain(body.secret);
    expect(listed.body.every((d) => !('secret' in d) && !('qrCode' in d))).toBe(true);
  });

  it('a revoked device is disconnected at once and cannot connect again', async () => {
    const device = await provision();
    const client = await connectDevice(platform.urls.broker, device);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    expect((await api.post(`/api/admin/devices/${device.id}/revoke`, undefined, token)).status).toBe(200);
    await closed;
    await expect(connectDevice(platform.urls.broker, device)).rejects.toThrow();
  });

  it('a rotated secret replaces the old one at once', async () => {
    const device = await provision();
    (await connectDevice(platform.urls.broker, device)).end(true);
    const { body } = await api.post<{ secret: string }>(`/api/admin/devices/${device.id}/rotate`, undefined, token);
    await expect(connectDevice(platform.urls.broker, device)).rejects.toThrow();
    (await connectDevice(platform.urls.broker, { id: device.id, secret: body.secret })).end(true);
  });
});
