import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { chunks, LIVE_LIMITS, type LiveSample, samplesByPatient, type SharedReading, unsent, valueKeys } from '../domain/live-stream.js';
import { SERVER_EVENTS } from '../dtos/live.dto.js';
import type { LiveShare } from '../dtos/live-share.dto.js';
import { ClockRepository, type Timer } from '../repositories/clock.repository.js';
import { EventBusRepository } from '../repositories/event-bus.repository.js';
import { LiveRepository } from '../repositories/live.repository.js';
import { ReadingRepository } from '../repositories/reading.repository.js';
import { LiveMetrics } from './live-metrics.js';

export const patientRoom = (patientId: string) => `patient:${patientId}`;
export const teamRoom = (teamId: string) => `team:${teamId}`;
export const userRoom = (userId: string) => `user:${userId}`;

/** The patient or team a room is about; undefined for inbox and socket rooms. */
export function watchedIn(room: string): { patientId: string } | { teamId: string } | undefined {
  const [kind, target] = room.split(':');
  if (kind === 'patient') return { patientId: target };
  if (kind === 'team') return { teamId: target };
  return undefined;
}

/** What a socket that joined a patient room by a gap fill still needs filtered out of live batches. */
interface Joined {
  /** Samples pending at the join were covered by the gap fill: send only those after this index. */
  from: number;
  /** Values the gap fill sent, until `until`: a reading committed before the gap query may still arrive live. */
  sent?: ReadonlySet<string>;
  until: number;
}

/**
 * Live readings to patient rooms (docs/architecture.md, "Live and alerts contract"):
 * - every committed reading, from any instance, reaches this instance's watchers; each room
 *   gets at most one `reading.batch.v1` per 250 ms (4 a second) carrying every sample since
 *   the previous one. A room that got nothing for 250 ms is sent its next sample at once (a
 *   pulse oximeter measuring once a second is not held back); one sent to within the last
 *   250 ms is sent again when they have passed, on a 25 ms grid so that the rooms' sends fall
 *   together (one timer and one pass over the rooms per grid step, not one per room);
 * - `watch {patientId, since}` first sends the stored samples after `since`, then live data,
 *   each value once (live data arriving meanwhile is held and merged);
 * - a socket whose unsent bytes pass VIGIL_LIVE_MAX_BUFFER_BYTES leaves its rooms and gets
 *   `resync.v1` (refetch history, watch again with `since`); one four times past it is
 *   disconnected. Nothing queues for it without bound.
 */
@Injectable()
export class LiveStreamService implements OnModuleInit, OnModuleDestroy {
  private readonly pending = new Map<string, LiveSample[]>();
  /** Per patient room, when it may be sent its next batch (absent: at once). */
  private readonly dueAt = new Map<string, number>();
  /** The one timer of the next send, and when it fires. */
  private next?: { timer: Timer; at: number };
  /** Per patient, sockets whose gap fill runs: live samples held for them meanwhile. */
  private readonly filling = new Map<string, Map<string, LiveSample[]>>();
  /** Per patient, sockets that joined by a gap fill and still get filtered batches. */
  private readonly joined = new Map<string, Map<string, Joined>>();
  private readonly timers: Timer[] = [];
  private readonly unsubscribe: Array<() => void> = [];
  /** Called with the patients that got readings (the overview marks their rows changed). */
  private readonly readingListeners: Array<(patientIds: string[]) => void> = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly live: LiveRepository,
    private readonly bus: EventBusRepository,
    private readonly readings: ReadingRepository,
    private readonly clock: ClockRepository,
    private readonly metrics: LiveMetrics,
  ) {}

  onModuleInit(): void {
    this.unsubscribe.push(
      this.bus.on('readings.stored', ({ rows }) => {
        const shared: SharedReading[] = rows.map((r) => [r.time.getTime(), r.patientId, r.deviceId, r.metric, r.value]);
        this.live.share({ kind: 'readings', rows: shared });
      }),
    );
    this.live.onShared((message) => this.receive(message));
    this.timers.push(this.clock.every(LIVE_LIMITS.flushMs, () => this.tend()));
  }

  onModuleDestroy(): void {
    this.next?.timer.cancel();
    for (const timer of this.timers) timer.cancel();
    for (const off of this.unsubscribe) off();
  }

  onReadings(listener: (patientIds: string[]) => void): void {
    this.readingListeners.push(listener);
  }

  private receive(message: LiveShare): void {
    if (message.kind !== 'readings') return;
    const { rows } = message;
    // Samples only for the patients watched here or being gap-filled: building them for every
    // patient of every batch was 5 % of the server's busy time at full ingest (docs/benchmarks.md).
    const watched = (patientId: string) => this.live.localMembers(patientRoom(patientId)).size > 0;
    const byPatient = samplesByPatient(rows, (patientId) => watched(patientId) || this.filling.has(patientId));
    for (const [patientId, samples] of byPatient) {
      // Kept by the filter: watched here, or gap-filled (and then maybe watched too).
      const filling = this.filling.get(patientId);
      if (!filling || watched(patientId)) {
        const pending = this.pending.get(patientId);
        if (pending) pending.push(...samples);
        else {
          this.pending.set(patientId, samples.slice());
          this.sendAt(this.dueAt.get(patientId) ?? this.clock.now());
        }
      }
      for (const held of filling?.values() ?? []) held.push(...samples);
    }
    const patientIds = [...new Set(rows.map((row) => row[1]))];
    for (const listener of this.readingListeners) listener(patientIds);
  }

  /**
   * Live readings of a patient to a socket; with `since`, the stored samples after it first.
   * `wanted` false (the client unwatched meanwhile) stops it before it sends or joins anything.
   */
  async watch(socketId: string, patientId: string, since?: Date, wanted: () => boolean = () => true): Promise<void> {
    const room = patientRoom(patientId);
    if (!wanted() || this.live.rooms(socketId).includes(room)) return;
    if (!since) {
      this.live.join(socketId, room);
      return;
    }
    const held: LiveSample[] = [];
    const filling = this.filling.get(patientId) ?? new Map<string, LiveSample[]>();
    this.filling.set(patientId, filling.set(socketId, held));
    let stored: SharedReading[];
    try {
      stored = await this.readings.since(patientId, since, LIVE_LIMITS.gapFillMaxReadings + 1);
    } finally {
      filling.delete(socketId);
      if (filling.size === 0) this.filling.delete(patientId);
    }
    if (!wanted()) return;
    // From here to the join nothing awaits: no live batch can slip in between.
    let sent: ReadonlySet<string> | undefined;
    if (stored.length > LIVE_LIMITS.gapFillMaxReadings) {
      this.resync(socketId, { patientId, since: since.toISOString(), reason: 'gap too large: fetch history from since, then watch again' }, 'gap');
    } else {
      const gap = samplesByPatient(stored).get(patientId) ?? [];
      sent = valueKeys(gap);
      for (const part of chunks([...gap, ...unsent(held, sent)], LIVE_LIMITS.gapFillChunkSamples)) {
        this.live.emitToSocket(socketId, SERVER_EVENTS.readingBatch, { patientId, samples: part });
      }
      for (const key of valueKeys(held)) (sent as Set<string>).add(key);
    }
    const joined = this.joined.get(patientId) ?? new Map<string, Joined>();
    this.joined.set(patientId, joined.set(socketId, { from: this.pending.get(patientId)?.length ?? 0, sent, until: this.clock.now() + GAP_GRACE_MS }));
    this.live.join(socketId, room);
  }

  unwatch(socketId: string, patientId: string): void {
    this.live.leave(socketId, patientRoom(patientId));
    this.joined.get(patientId)?.delete(socketId);
  }

  /** A socket went away: forget what was held for it. */
  forget(socketId: string): void {
    for (const map of [...this.filling.values(), ...this.joined.values()]) map.delete(socketId);
  }

  /** Sends each patient room that may be sent now what arrived since its previous batch. */
  flush(): void {
    const now = this.clock.now();
    let earliest = Infinity;
    for (const [patientId, samples] of this.pending) {
      const due = this.dueAt.get(patientId) ?? now;
      if (due > now) {
        earliest = Math.min(earliest, due);
        continue;
      }
      this.send(patientId, samples, now);
      this.pending.delete(patientId); // deleting the current entry keeps a Map's iteration going
      this.dueAt.set(patientId, Math.ceil((now + LIVE_LIMITS.flushMs) / SEND_GRID_MS) * SEND_GRID_MS);
    }
    if (earliest < Infinity) this.sendAt(earliest);
  }

  /** Makes sure the next send runs no later than `at`. */
  private sendAt(at: number): void {
    if (this.next && this.next.at <= at) return;
    this.next?.timer.cancel();
    const timer = this.clock.after(Math.max(0, at - this.clock.now()), () => {
      this.next = undefined;
      this.flush();
    });
    this.next = { timer, at };
  }

  private send(patientId: string, samples: LiveSample[], now: number): void {
    const special = this.joined.get(patientId);
    const except: string[] = [];
    for (const [socketId, state] of special ?? []) {
      except.push(socketId);
      const rest = state.sent ? unsent(samples.slice(state.from), state.sent) : samples.slice(state.from);
      if (rest.length) this.live.emitToSocket(socketId, SERVER_EVENTS.readingBatch, { patientId, samples: rest });
      // Later batches start empty: from here this socket's filter is only the gap fill's values.
      state.from = 0;
      if (state.until <= now) special!.delete(socketId);
    }
    if (special?.size === 0) this.joined.delete(patientId);
    this.live.emitLocal(patientRoom(patientId), SERVER_EVENTS.readingBatch, { patientId, samples }, except);
    this.metrics.batches.inc();
  }

  /**
   * Every 250 ms: drops sockets that fell behind, ends gap-fill filters past their grace (of
   * rooms with nothing pending: a pending batch's `from` still counts), forgets send times
   * that have passed.
   */
  private tend(): void {
    this.dropSlowSockets();
    const now = this.clock.now();
    for (const [patientId, sockets] of this.joined) {
      if (this.pending.has(patientId)) continue;
      for (const [socketId, state] of sockets) if (state.until <= now) sockets.delete(socketId);
      if (sockets.size === 0) this.joined.delete(patientId);
    }
    for (const [patientId, due] of this.dueAt) if (due <= now) this.dueAt.delete(patientId);
  }

  private dropSlowSockets(): void {
    const limit = this.config.live.maxBufferBytes;
    let most = 0;
    for (const { id } of this.live.localSockets()) {
      const bytes = this.live.bufferedBytes(id);
      most = Math.max(most, bytes);
      if (bytes <= limit) continue;
      if (bytes > 4 * limit) {
        this.metrics.disconnects.inc({ reason: 'behind' });
        this.live.disconnect(id);
        continue;
      }
      for (const room of this.live.rooms(id)) {
        const about = watchedIn(room);
        if (!about) continue;
        this.live.leave(id, room);
        if ('patientId' in about) this.joined.get(about.patientId)?.delete(id);
        this.resync(id, { ...about, reason: 'the client fell behind: fetch history, then watch again with since' }, 'behind');
      }
    }
    this.metrics.buffered(most);
  }

  /** Tells a socket it was not given everything of a room (and, but for a large gap, left it): refetch, then watch again. */
  resync(socketId: string, payload: { patientId?: string; teamId?: string; since?: string; reason: string }, reason: 'gap' | 'behind' | 'access'): void {
    this.metrics.resyncs.inc({ reason });
    this.live.emitToSocket(socketId, SERVER_EVENTS.resync, payload);
  }
}

/**
 * How long values a gap fill sent are still filtered out of live batches: a reading committed
 * on another instance just before the gap query reaches this one over Redis a moment later.
 */
const GAP_GRACE_MS = 5_000;

/** Rooms' next sends are rounded up to this grid, so they fall together. */
const SEND_GRID_MS = 25;
