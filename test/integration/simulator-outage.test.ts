import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Sample } from '../../server/src/domain/protocol.js';
import { startMosquitto, type TestMosquitto } from '../support/mosquitto.js';
import { type Observer, observe } from '../support/observer.js';
import { measuredUpTo, playOutage } from '../support/outage.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

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
    const outage = await playOutage({ id: 'oximeter-outage', secret: 'unused', patientId: 'patient-outage' }, proxy);
    expect(outage.offlineDuringCut).toBe(true);
    // The device held samples in its offline buffer (how many it held at the moment of the restore
    // depends on how far its ticks kept up with the real clock; the count the outage covered comes
    // from the model below).
    expect(outage.bufferedAtRestore).toBeGreaterThan(0);
    expect(outage.stats).toMatchObject({ reconnects: 1, failed: 0 });

    const received = observer.messages.map((m) => ({ array: m.payload.startsWith('['), samples: ([] as Sample[]).concat(JSON.parse(m.payload)) }));
    const times = received.flatMap((m) => m.samples.map((s) => Date.parse(s.t as string)));
    const last = Math.max(...times);
    expect(last).toBeGreaterThan(outage.restoredAt);
    const expected = measuredUpTo(outage.model, last);
    // None lost: everything the device measured up to its last delivered sample arrived...
    expect([...new Set(times)].sort((a, b) => a - b)).toEqual(expected);
    // ...the outage's samples as backfill arrays...
    const backfilled = new Set(received.filter((m) => m.array).flatMap((m) => m.samples.map((s) => Date.parse(s.t as string))));
    const missed = expected.filter((t) => t > outage.cutAt && t <= outage.restoredAt);
    expect(missed.length).toBeGreaterThanOrEqual(25); // ~1 Hz for 30 s, less a motion artefact or two
    expect(missed.filter((t) => !backfilled.has(t))).toEqual([]);
    // ...and nothing twice, beyond what MQTT itself re-sends (QoS 1) for messages in flight at the cut.
    expect(times.length - new Set(times).size).toBeLessThanOrEqual(outage.inFlightAtCut);
  });
});
