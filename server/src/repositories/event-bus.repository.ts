import { EventEmitter } from 'node:events';
import { Injectable, Logger } from '@nestjs/common';
import type { EventRow, ReadingRow, StatusUpdate } from '../domain/ingest-batch.js';
import type { AlertWire } from '../dtos/live.dto.js';

/**
 * The internal, typed event bus ("reading stored", "alert opened", ...). In-process only;
 * what must reach other instances goes through Redis (pub/sub or BullMQ) by the feature
 * that needs it. Kept apart from the socket.io gateway on purpose.
 *
 * Add an event by adding a key to AppEvents; payloads are plain data.
 */
export interface AppEvents {
  /** Rows committed to `readings` (duplicates already removed), after the commit. */
  'readings.stored': { rows: ReadingRow[] };
  /** Device events (fall, bed exit, door, dose, alarm button, ...) committed to `device_events`. */
  'events.stored': { rows: EventRow[] };
  /** Device status updates (online, battery, ...) committed to `devices`. */
  'statuses.stored': { rows: StatusUpdate[] };
  /**
   * An alert opened, was updated by a repeat, acknowledged, resolved, cleared by itself or
   * escalated. The live gateway sends it to the team's inboxes as `alert.v1`.
   */
  'alert.changed': { alert: AlertWire; teamId: string; change: AlertChange };
  /** A patient's threshold or a team's default was set or removed: what this instance remembers of them for the rules' triage is dropped. */
  'thresholds.changed': { owner: { patientId: string } | { teamId: string } };
  /**
   * Who may see what changed: a patient moved to another team, a member left a team, a user was
   * disabled. Every instance checks again what its connected sockets watch (LiveService).
   */
  'access.changed': { reason: 'patient_moved' | 'member_removed' | 'user_disabled' };
  /** A device was created, relinked, rotated or revoked: caches keyed by device id must drop it. */
  'device.changed': { deviceId: string; change: 'created' | 'relinked' | 'rotated' | 'revoked' };
}

export type AlertChange = 'opened' | 'updated' | 'acknowledged' | 'resolved' | 'cleared' | 'escalated';

export type AppEventName = keyof AppEvents;

@Injectable()
export class EventBusRepository {
  private readonly emitter = new EventEmitter();
  private readonly logger = new Logger('EventBusRepository');

  constructor() {
    this.emitter.setMaxListeners(50);
    this.emitter.on('error', (error: unknown) => this.logger.error({ err: error }, 'event listener failed'));
  }

  /** Listeners run after the current tick, so an emitter on a hot path never waits for them. */
  emit<E extends AppEventName>(event: E, payload: AppEvents[E]): void {
    setImmediate(() => this.emitter.emit(event, payload));
  }

  /** Subscribes; returns the unsubscribe function. A listener that throws is logged, not fatal. */
  on<E extends AppEventName>(event: E, listener: (payload: AppEvents[E]) => void | Promise<void>): () => void {
    const wrapped = (payload: AppEvents[E]) => {
      Promise.resolve()
        .then(() => listener(payload))
        .catch((error: unknown) => this.emitter.emit('error', error));
    };
    this.emitter.on(event, wrapped);
    return () => this.emitter.off(event, wrapped);
  }
}
