import { beforeEach, describe, expect, it } from '@jest/globals';
import type { Sample } from '@vigil/server/domain/protocol.js';
import { createPatient } from '../physiology/patient.js';
import { rngFor } from '../random.js';
import { leavesAt } from '../scenarios/wandering.js';
import { timingFor, PatientWorld } from '../scenarios/world.js';
import { WardStats } from '../status/stats.js';
import { Backoff } from './backoff.js';
import { DeviceRunner } from './device-runner.js';
import { DeviceModel } from './model.js';
import type { DeviceLink } from './mqtt-link.js';

const START = Date.parse('2026-11-30T10:00:00Z');

/** A link we drive by hand: it records what is published and acknowledges at once. */
class FakeLink implements DeviceLink {
  connected = false;
  connects = 0;
  dropped = false;
  ended = false;
  published: Array<{ topic: string; payload: string; retain: boolean }> = [];
  private handlers: Record<string, Array<(arg?: unknown) => void>> = {};

  connect() {
    this.connects++;
  }
  publish(topic: string, payload: string, retain = false) {
    this.published.push({ topic, payload, retain });
    return Promise.resolve();
  }
  drop() {
    this.dropped = true;
    this.emit('close');
  }
  async end() {
    this.ended = true;
  }
  on(event: string, handler: (arg?: never) => void) {
    (this.handlers[event] ??= []).push(handler as (arg?: unknown) => void);
  }
  emit(event: 'connect' | 'close' | 'error', arg?: unknown) {
    this.connected = event === 'connect' ? true : event === 'close' ? false : this.connected;
    for (const handler of this.handlers[event] ?? []) handler(arg);
  }
  samples(): Sample[] {
    return this.published
      .filter((p) => p.topic.endsWith('/readings'))
      .flatMap((p) => {
        const body = JSON.parse(p.payload) as Sample | Sample[];
        return Array.isArray(body) ? body : [body];
      });
  }
}

function setup(scenario: 'stable' | 'battery-drain' = 'stable', kind: 'pulse_oximeter' | 'fall_detector' = 'pulse_oximeter') {
  const patient = createPatient({ id: 'p1', name: 'Test', seed: 1, spo2Scale: 1, diabetic: false, utcOffsetMinutes: 60 });
  const world = new PatientWorld(patient, scenario, [kind], timingFor(scenario, START, { over: 60_000 }));
  const model = new DeviceModel(world, { id: 'dev-1', kind }, START);
  const link = new FakeLink();
  const stats = new WardStats();
  const timers: Array<{ fn: () => void; ms: number }> = [];
  const runner = new DeviceRunner({
    model,
    link,
    stats,
    backoff: new Backoff(rngFor(1), 1000, 8000),
    timers: { setTimeout: (fn, ms) => timers.push({ fn, ms }), clearTimeout: () => undefined },
  });
  return { runner, link, stats, timers, model };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('device runner', () => {
  let s: ReturnType<typeof setup>;
  beforeEach(() => {
    s = setup();
  });

  it('announces itself with a retained online status and publishes live samples at 1 Hz', async () => {
    s.runner.start(START);
    s.link.emit('connect');
    s.runner.tick(START + 10_000);
    await settle();
    const status = s.link.published.find((p) => p.topic === 'vigil/v1/devices/dev-1/status')!;
    expect(status.retain).toBe(true);
    expect(JSON.parse(status.payload)).toMatchObject({ online: true, battery: expect.any(Number), fw: expect.any(String) });
    expect(s.link.samples().length).toBeGreaterThanOrEqual(9); // 10 s at 1 Hz, a motion artefact may drop one
    expect(s.stats).toMatchObject({ connected: 1, acked: s.stats.sent });
  });

  it('buffers while offline and sends every sample exactly once, as backfill arrays, on reconnect', async () => {
    s.runner.start(START);
    s.link.emit('connect');
    for (let t = START + 250; t <= START + 60_000; t += 250) s.runner.tick(t);
    s.link.emit('close');
    for (let t = START + 60_250; t <= START + 90_000; t += 250) s.runner.tick(t); // 30 s offline
    expect(s.runner.buffer.size).toBeGreaterThanOrEqual(28);
    expect(s.stats.buffered).toBe(s.runner.buffer.size);
    const buffered = s.runner.buffer.size;
    const before = s.link.published.length;
    // The backoff asked for a retry; when it fires the device connects again.
    expect(s.timers).toHaveLength(1);
    expect(s.timers[0].ms).toBeGreaterThanOrEqual(500);
    s.timers[0].fn();
    expect(s.link.connects).toBe(2);
    s.link.emit('connect');
    for (let t = START + 90_250; t <= START + 120_000; t += 250) s.runner.tick(t);
    await settle();
    const backfill = s.link.published.slice(before).filter((p) => p.topic.endsWith('/readings') && p.payload.startsWith('['));
    expect(backfill.flatMap((p) => JSON.parse(p.payload)).length).toBe(buffered);
    const all = s.link.samples().map((x) => x.t);
    expect(new Set(all).size).toBe(all.length); // nothing twice
    const expected = s.model
      .outputs(START, START + 120_000)
      .filter((o) => o.type === 'sample')
      .map((o) => new Date(o.t).toISOString());
    expect(all.sort()).toEqual(expected.sort()); // nothing lost
    expect(s.stats).toMatchObject({ reconnects: 1, connected: 1, buffered: 0, sent: expected.length, acked: expected.length });
  });

  it('backs off further on each failed attempt and starts over once connected', () => {
    s.runner.start(START);
    for (let i = 0; i < 4; i++) {
      s.link.emit('error', Object.assign(new Error('Connection refused: Not authorized'), { code: 5 }));
      s.link.emit('close');
      s.timers.at(-1)!.fn();
    }
    expect(s.timers.map((t) => t.ms)).toEqual([expect.any(Number), expect.any(Number), expect.any(Number), expect.any(Number)]);
    const steps = [1000, 2000, 4000, 8000];
    s.timers.forEach((t, i) => {
      expect(t.ms).toBeGreaterThanOrEqual(steps[i] / 2);
      expect(t.ms).toBeLessThanOrEqual(steps[i]);
    });
    expect(s.stats.refused.get('dev-1')).toBe('not authorized');
    s.link.emit('connect');
    expect(s.stats.refused.size).toBe(0);
    s.link.emit('close');
    expect(s.timers.at(-1)!.ms).toBeLessThanOrEqual(1000);
  });

  it('says goodbye with a retained offline status when stopped', async () => {
    s.runner.start(START);
    s.link.emit('connect');
    await s.runner.stop();
    const last = s.link.published.at(-1)!;
    expect(last).toEqual({ topic: 'vigil/v1/devices/dev-1/status', payload: expect.any(String), retain: true });
    expect(JSON.parse(last.payload)).toMatchObject({ online: false });
    expect(s.link.ended).toBe(true);
  });

  it('powers off when its battery is empty: no goodbye (the Last Will speaks), no reconnect', () => {
    const d = setup('battery-drain');
    d.runner.start(START);
    d.link.emit('connect');
    for (let t = START + 1000; t <= START + 120_000; t += 1000) d.runner.tick(t);
    expect(d.link.dropped).toBe(true);
    expect(d.link.ended).toBe(false);
    expect(d.timers).toHaveLength(0);
    expect(d.stats).toMatchObject({ connected: 0, off: 1 });
  });

  it("reports its scenario's history (a night before the start) as backfill when it first connects", async () => {
    const patient = createPatient({ id: 'p1', name: 'Test', seed: 1, spo2Scale: 1, diabetic: false, utcOffsetMinutes: 60 });
    const world = new PatientWorld(patient, 'wandering', ['door_sensor'], timingFor('wandering', START, { wanderNight: 'last' }));
    const link = new FakeLink();
    const runner = new DeviceRunner({
      model: new DeviceModel(world, { id: 'door-1', kind: 'door_sensor' }, START),
      link,
      stats: new WardStats(),
      backoff: new Backoff(rngFor(1)),
    });
    runner.start(START);
    expect(link.connects).toBe(1);
    expect(link.published).toEqual([]); // nothing goes out before the connection
    link.emit('connect');
    runner.tick(START + 60_000);
    await settle();
    const sent = link.published.filter((p) => p.topic.endsWith('/events')).map((p) => JSON.parse(p.payload) as { t: string; type: string });
    expect(sent.map((e) => e.type)).toEqual(['door_open', 'door_close']);
    expect(Date.parse(sent[0].t)).toBe(leavesAt(world.context));
    expect(Date.parse(sent[0].t)).toBeLessThan(START);
    expect(Date.parse(sent[0].t)).toBeGreaterThan(START - 86_400_000);
  });

  it('stamps its messages with its own clock skew', async () => {
    const patient = createPatient({ id: 'p1', name: 'Test', seed: 1, spo2Scale: 1, diabetic: false, utcOffsetMinutes: 60 });
    const world = new PatientWorld(patient, 'stable', ['pulse_oximeter'], timingFor('stable', START));
    const link = new FakeLink();
    const runner = new DeviceRunner({
      model: new DeviceModel(world, { id: 'dev-1', kind: 'pulse_oximeter' }, START),
      link,
      stats: new WardStats(),
      backoff: new Backoff(rngFor(1)),
      skewMs: -90_000,
    });
    runner.start(START);
    link.emit('connect');
    runner.tick(START + 1000);
    expect(link.samples()[0].t).toBe(new Date(START + 1000 - 90_000).toISOString());
  });
});
