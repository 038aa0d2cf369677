import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Sample } from '../../server/src/domain/protocol.js';
import { SimClock } from '../../simulators/src/clock.js';
import { WardStats } from '../../simulators/src/status/stats.js';
import { planWard } from '../../simulators/src/ward/plan.js';
import { WardRunner } from '../../simulators/src/ward/ward-runner.js';
import { startMosquitto, type TestMosquitto } from '../support/mosquitto.js';
import { type Observer, observe, sleep, until } from '../support/observer.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const SPEED = 10;
const OUTAGE_SIM_MS = 30_000;

describe('a simulated device losing its connection, against the real Mosquitto', () => {
  let mosquitto: TestMosquitto;
  let proxy: TcpProxy;
  let observer: Observer;

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    proxy = await startTcpProxy(mosquitto.port);
    observer = await observe(mosquitto.url, ['vigil/v1/devices/+/readings']);
  });
  afterAll(async () => {
    await observer?.close();
    await proxy?.close();
    await mosquitto?.remove();
  });

  it('delivers every sample buffered during 30 simulated seconds offline after reconnecting, as backfill arrays, none lost', async () => {
    // Start in the past so that the clock may run 10× faster than the real one.
    const start = Date.now() - 10 * 60_000;
    const clock = new SimClock({ start, speed: SPEED });
    const devices = [{ id: 'oximeter-outage', kind: 'pulse_oximeter' as const, secret: 'unused' }];
    const plan = planWard([{ id: 'patient-outage', name: 'Outage', spo2Scale: 1, devices }], ['stable'], { seed: 5, start, utcOffsetMinutes: 60 });
    const stats = new WardStats();
    const runner = new WardRunner(plan, { brokerUrl: `mqtt://127.0.0.1:${proxy.port}`, clock, stats, seed: 5, tickMs: 50 });
    runner.start();
    try {
      await until(() => stats.connected === 1, 10_000, 'first connection');
      await sleep(10_000 / SPEED);

      const inFlightAtCut = stats.inFlight;
      const cutAt = clock.now();
      proxy.cut();
      await sleep(OUTAGE_SIM_MS / SPEED);
      const restoredAt = clock.now();
      expect(runner.devices[0].isOnline).toBe(false);
      expect(stats.buffered).toBeGreaterThanOrEqual(25); // ~1 Hz for 30 s, less a motion artefact or two
      proxy.restore();

      await until(() => stats.connected === 1 && stats.buffered === 0, 20_000, 'reconnection and backfill');
      await sleep(5_000 / SPEED);
      await runner.stop();
      expect(stats.reconnects).toBe(1);
      expect(stats.failed).toBe(0);
      await until(() => stats.acked === stats.sent, 5_000, 'every message acknowledged');

      const received = observer.messages.map((m) => ({ array: m.payload.startsWith('['), samples: ([] as Sample[]).concat(JSON.parse(m.payload)) }));
      const times = received.flatMap((m) => m.samples.map((s) => Date.parse(s.t as string)));
      const last = Math.max(...times);
      expect(last).toBeGreaterThan(restoredAt);
      const expected = plan[0].devices[0].model
        .outputs(start, last)
        .filter((o) => o.type === 'sample')
        .map((o) => o.t);
      // None lost: everything the device measured up to its last delivered sample arrived...
      expect([...new Set(times)].sort()).toEqual(expected.sort());
      // ...the outage's samples as backfill arrays...
      const backfilled = received.filter((m) => m.array).flatMap((m) => m.samples.map((s) => Date.parse(s.t as string)));
      const missed = expected.filter((t) => t > cutAt && t <= restoredAt);
      expect(missed.length).toBeGreaterThanOrEqual(25);
      for (const t of missed) expect(backfilled).toContain(t);
      // ...and nothing twice, beyond what MQTT itself re-sends (QoS 1) for messages in flight at the cut.
      expect(times.length - new Set(times).size).toBeLessThanOrEqual(inFlightAtCut);
    } finally {
      await runner.stop();
    }
  });
});
