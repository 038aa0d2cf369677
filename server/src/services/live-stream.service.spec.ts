import { describe, expect, it } from '@jest/globals';
import type { AppConfig } from '../config/app.config.js';
import type { SharedReading } from '../domain/live-stream.js';
import { FakeClock } from '../repositories/clock.fake.js';
import type { EventBusRepository } from '../repositories/event-bus.repository.js';
import type { LiveRepository } from '../repositories/live.repository.js';
import { MetricsRepository } from '../repositories/metrics.repository.js';
import type { ReadingRepository } from '../repositories/reading.repository.js';
import { LiveMetrics } from './live-metrics.js';
import { LiveStreamService, patientRoom } from './live-stream.service.js';

const P = 'p1';
const D = 'd1';
const T = Date.UTC(2026, 11, 1, 8);
const LIMIT = 1000;

/** socket.io as LiveStreamService sees it: rooms, emits per socket (room emits expanded), buffered bytes. */
class FakeLive {
  members = new Map<string, Set<string>>();
  got = new Map<string, Array<{ event: string; payload: unknown }>>();
  buffered = new Map<string, number>();
  disconnected: string[] = [];
  listener?: (message: unknown) => void;
  share(message: unknown) {
    this.listener?.(message);
  }
  onShared(listener: (message: unknown) => void) {
    this.listener = listener;
  }
  localMembers(room: string) {
    return this.members.get(room) ?? new Set();
  }
  emitLocal(room: string, event: string, payload: unknown, except: string[] = []) {
    for (const id of this.localMembers(room)) if (!except.includes(id)) this.emitToSocket(id, event, payload);
  }
  emitToSocket(id: string, event: string, payload: unknown) {
    this.got.set(id, [...(this.got.get(id) ?? []), { event, payload }]);
  }
  join(id: string, room: string) {
    this.members.set(room, new Set([...this.localMembers(room), id]));
  }
  leave(id: string, room: string) {
    this.members.get(room)?.delete(id);
  }
  rooms(id: string) {
    return [...this.members].filter(([, members]) => members.has(id)).map(([room]) => room);
  }
  localSockets() {
    return [...new Set([...this.members.values()].flatMap((m) => [...m]))].map((id) => ({ id }));
  }
  bufferedBytes(id: string) {
    return this.buffered.get(id) ?? 0;
  }
  disconnect(id: string) {
    this.disconnected.push(id);
    for (const members of this.members.values()) members.delete(id);
  }
  /** Every value a socket received in reading batches, as device|metric|ms=value. */
  values(id: string) {
    return (this.got.get(id) ?? [])
      .filter((m) => m.event === 'reading.batch.v1')
      .flatMap((m) =>
        (m.payload as { samples: Array<{ t: string; deviceId: string; m: Record<string, number> }> }).samples.flatMap((s) =>
          Object.entries(s.m).map(([metric, v]) => `${s.deviceId}|${metric}|${Date.parse(s.t)}=${v}`),
        ),
      );
  }
  events(id: string, event: string) {
    return (this.got.get(id) ?? []).filter((m) => m.event === event).map((m) => m.payload);
  }
}

function setup() {
  const live = new FakeLive();
  let stored: SharedReading[] = [];
  let release: () => void = () => undefined;
  const readings = {
    since: () =>
      new Promise<SharedReading[]>((resolve) => {
        release = () => resolve(stored);
      }),
  };
  const clock = new FakeClock(T);
  const bus = { on: () => () => undefined };
  const config = { live: { maxBufferBytes: LIMIT, sessionCheckSeconds: 30 } } as AppConfig;
  const service = new LiveStreamService(
    config,
    live as unknown as LiveRepository,
    bus as unknown as EventBusRepository,
    readings as unknown as ReadingRepository,
    clock,
    new LiveMetrics(new MetricsRepository()),
  );
  service.onModuleInit();
  const receive = (...rows: SharedReading[]) => live.share({ kind: 'readings', rows });
  return { live, service, clock, receive, setStored: (rows: SharedReading[]) => (stored = rows), release: () => release() };
}

const r = (s: number, metric = 'hr', value = 70): SharedReading => [T + s * 1000, P, D, metric, value];
const v = (s: number, metric = 'hr', value = 70) => `${D}|${metric}|${T + s * 1000}=${value}`;

describe('LiveStreamService', () => {
  it('sends a quiet room its sample at once, then at most one batch per 250 ms carrying every sample since', async () => {
    const { live, clock, service, receive } = setup();
    await service.watch('x', P);
    receive(r(1));
    await clock.advance(0);
    expect(live.values('x')).toEqual([v(1)]);
    receive(r(2), r(2, 'spo2', 97));
    receive(r(3));
    await clock.advance(249);
    expect(live.values('x')).toEqual([v(1)]);
    await clock.advance(1);
    expect(live.events('x', 'reading.batch.v1')).toHaveLength(2);
    expect(live.values('x')).toEqual([v(1), v(2), v(2, 'spo2', 97), v(3)]);
    await clock.advance(1000);
    expect(live.events('x', 'reading.batch.v1')).toHaveLength(2); // nothing new, nothing sent
    receive(r(4)); // quiet for 250 ms and more: at once again
    await clock.advance(0);
    expect(live.values('x')).toEqual([v(1), v(2), v(2, 'spo2', 97), v(3), v(4)]);
  });

  it("puts a room's next send 250 ms after its last one, rounded up to the 25 ms grid: rooms sent apart are sent together", async () => {
    const { live, clock, service, receive } = setup();
    const Q = 'p2';
    await service.watch('x', P);
    await service.watch('y', Q);
    await clock.advance(10);
    receive(r(1)); // sent at T + 10 ms: next no earlier than T + 275 ms
    await clock.advance(0);
    await clock.advance(5);
    receive([T + 1000, Q, D, 'hr', 80]); // sent at T + 15 ms: next also at T + 275 ms
    await clock.advance(0);
    receive(r(2));
    receive([T + 2000, Q, D, 'hr', 81]);
    await clock.advance(274 - 15);
    expect([live.values('x'), live.values('y')]).toEqual([[v(1)], [`${D}|hr|${T + 1000}=80`]]);
    await clock.advance(1);
    expect([live.values('x'), live.values('y')]).toEqual([
      [v(1), v(2)],
      [`${D}|hr|${T + 1000}=80`, `${D}|hr|${T + 2000}=81`],
    ]);
  });

  it('gap fill: stored samples first, then live, each value once, whatever arrived while the query ran', async () => {
    const { live, clock, service, receive, setStored, release } = setup();
    await service.watch('x', P); // another watcher keeps the room's pending buffer filling
    receive(r(1)); // before the gap query: committed, so the query sees it
    const watching = service.watch('y', P, new Date(T));
    receive(r(2)); // while the query runs: committed before it or not, it is held for y
    setStored([r(1), r(2), r(3)]); // r(3): committed before the query, not yet delivered here
    release();
    await watching;
    receive(r(3)); // ... arrives now, after the join: y must not get it again
    receive(r(4)); // new
    await clock.advance(0);
    expect(live.values('y')).toEqual([v(1), v(2), v(3), v(4)]);
    expect(live.values('x')).toEqual([v(1), v(2), v(3), v(4)]);
    receive(r(5));
    await clock.advance(250);
    expect(live.values('y')).toEqual([v(1), v(2), v(3), v(4), v(5)]);
  });

  it('gap fill with nobody else watching: what arrives while the query runs is still held for it', async () => {
    const { live, clock, service, receive, setStored, release } = setup();
    const watching = service.watch('y', P, new Date(T));
    receive(r(2)); // committed after the query's snapshot: only the live path brings it
    setStored([r(1)]);
    release();
    await watching;
    await clock.advance(250);
    expect(live.values('y')).toEqual([v(1), v(2)]);
  });

  it('a gap larger than the bound: resync instead of the samples, then live data', async () => {
    const { live, clock, service, setStored, release, receive } = setup();
    const watching = service.watch('y', P, new Date(T));
    setStored(Array.from({ length: 20_001 }, (_, i) => r(i)));
    release();
    await watching;
    expect(live.events('y', 'resync.v1')).toEqual([{ patientId: P, since: new Date(T).toISOString(), reason: expect.stringMatching(/gap too large/) }]);
    expect(live.values('y')).toEqual([]);
    receive(r(30_000));
    await clock.advance(0);
    expect(live.values('y')).toEqual([v(30_000)]);
  });

  it.each([
    ['within the bound: kept', LIMIT, false, false],
    ['past the bound: leaves the room, gets resync', LIMIT + 1, true, false],
    ['past four times the bound: disconnected', 4 * LIMIT + 1, false, true],
  ])('a socket holding unsent bytes %s', async (_, bytes, resynced, disconnected) => {
    const { live, clock, service, receive } = setup();
    await service.watch('slow', P);
    live.buffered.set('slow', bytes);
    await clock.advance(250); // the buffers are looked at every 250 ms
    receive(r(1));
    await clock.advance(0);
    expect(live.events('slow', 'resync.v1')).toEqual(resynced ? [{ patientId: P, reason: expect.stringMatching(/fell behind/) }] : []);
    expect(live.disconnected).toEqual(disconnected ? ['slow'] : []);
    expect(live.localMembers(patientRoom(P)).has('slow')).toBe(!resynced && !disconnected);
    expect(live.values('slow')).toEqual(resynced || disconnected ? [] : [v(1)]);
  });
});
