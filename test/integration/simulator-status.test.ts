import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SimClock } from '../../simulators/src/clock.js';
import { WardStats } from '../../simulators/src/status/stats.js';
import { planWard } from '../../simulators/src/ward/plan.js';
import { WardRunner } from '../../simulators/src/ward/ward-runner.js';
import { startMosquitto, type TestMosquitto } from '../support/mosquitto.js';
import { observe } from '../support/observer.js';
import { waitFor } from '../support/wait.js';

const status = (id: string) => `vigil/v1/devices/${id}/status`;

describe('simulated device status against the real Mosquitto', () => {
  let mosquitto: TestMosquitto;

  beforeAll(async () => {
    mosquitto = await startMosquitto();
  });
  afterAll(() => mosquitto?.remove());

  it('keeps a retained online status, and the Last Will speaks for a device whose battery dies', async () => {
    const start = Date.now() - 10 * 60_000;
    const clock = new SimClock({ start, speed: 10 });
    const stats = new WardStats();
    // Two homes: one stable oximeter, one whose oximeter battery is empty after 30 simulated seconds.
    const plan = planWard(
      [
        { id: 'patient-a', name: 'A', spo2Scale: 1, devices: [{ id: 'oximeter-a', kind: 'pulse_oximeter', secret: 'x' }] },
        { id: 'patient-b', name: 'B', spo2Scale: 1, devices: [{ id: 'oximeter-b', kind: 'pulse_oximeter', secret: 'x' }] },
      ],
      ['stable', 'battery-drain'],
      { seed: 2, start, utcOffsetMinutes: 60, onset: 0, over: 30_000 },
    );
    const runner = new WardRunner(plan, { brokerUrl: mosquitto.url, clock, stats, seed: 2, tickMs: 50 });
    runner.start();
    try {
      await waitFor(() => stats.connected === 2, Boolean, 10_000, 'both devices connected');
      // A subscriber that comes later is told at once that both are online (retained).
      const early = await observe(mosquitto.url, [status('+')]);
      await waitFor(() => early.messages.filter((m) => m.retain).length === 2, Boolean, 5_000, 'retained statuses');
      for (const id of ['oximeter-a', 'oximeter-b']) {
        const retained = early.messages.find((m) => m.topic === status(id) && m.retain)!;
        expect(JSON.parse(retained.payload)).toMatchObject({ online: true, battery: expect.any(Number), rssi: expect.any(Number), fw: expect.any(String) });
      }
      // B reports its falling battery, then vanishes; the broker publishes its Last Will.
      await waitFor(() => stats.off === 1, Boolean, 10_000, 'battery empty');
      await waitFor(() => early.messages.some((m) => m.topic === status('oximeter-b') && m.payload === '{"online":false}'), Boolean, 5_000, 'the Last Will');
      const levels = early.messages
        .filter((m) => m.topic === status('oximeter-b') && !m.retain && JSON.parse(m.payload).online)
        .map((m) => JSON.parse(m.payload).battery as number);
      expect(levels.length).toBeGreaterThanOrEqual(5);
      expect([...levels].sort((x, y) => y - x)).toEqual(levels);
      expect(stats.connected).toBe(1);
      await early.close();

      // A leaves cleanly (no Last Will) with a retained offline status of its own.
      await runner.stop();
      const late = await observe(mosquitto.url, [status('+')]);
      await waitFor(() => late.messages.length === 2, Boolean, 5_000, 'retained statuses after the run');
      const final = Object.fromEntries(late.messages.map((m) => [m.topic, JSON.parse(m.payload)]));
      expect(final[status('oximeter-a')]).toEqual({ t: expect.any(String), online: false });
      expect(final[status('oximeter-b')]).toEqual({ online: false }); // the Will, retained
      expect(late.messages.every((m) => m.retain)).toBe(true);
      await late.close();
    } finally {
      await runner.stop();
    }
  });
});
