import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Aedes } from 'aedes';
import { validateMessage } from '../../server/src/domain/ingest-validation.js';
import { runLoad } from '../../simulators/src/load/load-generator.js';

const devices = [
  { id: '00000000-0000-4000-8000-000000000001', secret: 's1' },
  { id: '00000000-0000-4000-8000-000000000002', secret: 's2' },
  { id: '00000000-0000-4000-8000-000000000003', secret: 's3' },
];

/**
 * The load generator against an in-process aedes on a TCP port that checks credentials,
 * validates each message and acknowledges it after 5 ms. Its rates are measured by the
 * benchmarks (npm run bench), not asserted here.
 */
describe('runLoad (the load generator of npm run simulate -- --devices)', () => {
  let aedes: Aedes;
  let server: net.Server;
  let url: string;
  const received = { messages: 0, points: 0, rejected: 0, byDevice: new Map<string, number>() };

  beforeAll(async () => {
    const { Aedes } = await import('aedes');
    aedes = await Aedes.createBroker({
      authenticate: (_client, username, password, done) =>
        done(
          null,
          devices.some((d) => d.id === username && d.secret === password?.toString()),
        ),
      authorizePublish: (_client, packet, done) => {
        const result = validateMessage('readings', packet.payload as Buffer, { now: Date.now(), retentionMs: 86_400_000 });
        received.messages++;
        received.points += result.points.length;
        received.rejected += result.rejections.length;
        const id = packet.topic.split('/')[3];
        received.byDevice.set(id, (received.byDevice.get(id) ?? 0) + 1);
        setTimeout(() => done(null), 5);
      },
    });
    server = net.createServer(aedes.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    url = `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends exactly totalSamples valid samples in backfill arrays and counts every acknowledgement', async () => {
    const snapshots: number[] = [];
    const report = await runLoad({ brokerUrl: url, devices, ratePerDevice: 200, metricsPerSample: 3, samplesPerMessage: 7, totalSamples: 601 }, (s) =>
      snapshots.push(s.acknowledged),
    );
    expect(report).toMatchObject({ offered: 601, sent: 601, acknowledged: 601, inFlight: 0, errors: 0, points: 1803 });
    expect(received.points).toBe(1803);
    expect(received.rejected).toBe(0);
    // 601 = 201 + 200 + 200 samples, 7 to a message with the last one partial: 29 + 29 + 29 messages.
    expect(received.messages).toBe(87);
    expect(report.latencyMs.p50).toBeGreaterThanOrEqual(5);
    expect(report.latencyMs.max).toBeGreaterThanOrEqual(report.latencyMs.p99);
    expect(report.connected).toBe(0); // disconnected at the end
  });

  it('runs for durationMs when given no sample count, and has every sample it sent acknowledged', async () => {
    const before = received.messages;
    const report = await runLoad({ brokerUrl: url, devices, ratePerDevice: 100, metricsPerSample: 1, durationMs: 1000 });
    expect(report.sent).toBeGreaterThan(0);
    expect(report).toMatchObject({ offered: report.sent, acknowledged: report.sent, inFlight: 0, errors: 0, points: report.sent });
    expect(received.messages - before).toBeGreaterThan(0);
    expect(received.rejected).toBe(0);
  });

  it('fails with the device when the broker refuses its credentials', async () => {
    await expect(
      runLoad({ brokerUrl: url, devices: [{ id: devices[0].id, secret: 'wrong' }], ratePerDevice: 1, metricsPerSample: 1, totalSamples: 1 }),
    ).rejects.toThrow(devices[0].id);
  });
});
