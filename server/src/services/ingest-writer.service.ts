import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { type BatchLimits, type BatchWork, type ReadingRow, retryDelayMs, WriteBatch } from '../domain/ingest-batch.js';
import { ClockRepository, type Timer } from '../repositories/clock.repository.js';
import { DatabaseRepository, type Transaction } from '../repositories/database.repository.js';
import { DeadLetterRepository } from '../repositories/dead-letter.repository.js';
import { DeviceEventRepository } from '../repositories/device-event.repository.js';
import { DeviceRepository } from '../repositories/device.repository.js';
import { EventBusRepository } from '../repositories/event-bus.repository.js';
import { type CopyPath, ReadingRepository } from '../repositories/reading.repository.js';
import { IngestMetrics } from './ingest-metrics.js';

/**
 * Called once per message: without an error after the batch holding it has committed (the
 * transport then acknowledges it), with an error when it will not be stored here (the
 * transport then does not acknowledge it, and the device or broker sends it again).
 */
export type Ack = (error?: Error) => void;

/** How a batch's readings were written (the vigil_ingest_write_batches_total label). */
type WritePath = CopyPath | 'insert';

export class IngestStoppedError extends Error {
  constructor() {
    super('ingest is stopping; the message was not stored and will be sent again');
  }
}

/**
 * Batches the rows of many messages and writes each batch in one transaction (readings by an
 * optimistic COPY on an external database, else one UNNEST statement), then acknowledges its
 * messages. A failed write is retried with backoff for as long as it takes: nothing is
 * acknowledged meanwhile, so the transports stop taking new messages once
 * VIGIL_INGEST_MAX_IN_FLIGHT are waiting, and memory stays bounded.
 *
 * A batch is written when full, or when it is due (VIGIL_INGEST_BATCH_MS) and a writer is
 * free; while all writers are busy the current batch keeps filling, so batches grow with load.
 */
@Injectable()
export class IngestWriterService {
  private readonly logger = new Logger('IngestWriterService');
  private readonly limits: BatchLimits;
  private readonly writers: number;
  private readonly copy: boolean;
  private current?: WriteBatch<Ack>;
  private readonly sealed: Array<WriteBatch<Ack>> = [];
  private timer?: Timer;
  /** The current batch has reached its age limit (set by its timer, not by comparing clocks). */
  private currentDue = false;
  private active = 0;
  private pending = 0;
  private failingSince?: number;
  private giveUp = false;
  private idle?: () => void;
  private readonly settledListeners: Array<() => void> = [];

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly db: DatabaseRepository,
    private readonly readings: ReadingRepository,
    private readonly deviceEvents: DeviceEventRepository,
    private readonly devices: DeviceRepository,
    private readonly deadLetters: DeadLetterRepository,
    private readonly events: EventBusRepository,
    private readonly metrics: IngestMetrics,
    private readonly clock: ClockRepository,
  ) {
    this.limits = { maxRows: config.ingest.batchRows, maxAgeMs: config.ingest.batchMs };
    // The embedded PGlite is one backend: a second writer would only queue behind the first.
    this.writers = config.database.url ? config.ingest.writers : 1;
    // Not on the embedded PGlite: COPY FROM STDIN through its socket server aborts it (see ReadingRepository).
    this.copy = Boolean(config.database.url) && config.ingest.copy;
    metrics.countInFlight(() => this.pending);
  }

  /** Messages received and not yet acknowledged or refused. */
  get inFlight(): number {
    return this.pending;
  }

  /** Called after each batch is acknowledged or refused (transports resume intake here). */
  onSettled(listener: () => void): void {
    this.settledListeners.push(listener);
  }

  submit(work: BatchWork, ack: Ack): void {
    if (this.giveUp) return ack(new IngestStoppedError());
    this.pending++;
    const batch = (this.current ??= new WriteBatch<Ack>());
    batch.add(work, ack);
    if (batch.isFull(this.limits)) {
      this.seal();
    } else if (!this.timer) {
      this.timer = this.clock.after(this.limits.maxAgeMs, () => {
        this.timer = undefined;
        this.currentDue = true;
        this.pump();
      });
    }
  }

  /**
   * Writes what is pending and waits for it. After `deadlineMs`, batches that still cannot be
   * written are refused (not acknowledged), so their messages are delivered again later.
   */
  async drain(deadlineMs: number): Promise<void> {
    this.seal();
    if (this.pending === 0) return;
    let deadline: Timer | undefined;
    await new Promise<void>((resolve) => {
      this.idle = resolve;
      deadline = this.clock.after(deadlineMs, () => {
        this.giveUp = true;
        this.logger.warn(`${this.pending} message(s) not written before stopping; they were not acknowledged and will be sent again`);
        // A write stuck on a dead connection must not hold the shutdown: its messages stay unacknowledged.
        this.clock.after(1000, resolve);
      });
    });
    deadline?.cancel();
  }

  private seal(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (this.current) this.sealed.push(this.current);
    this.current = undefined;
    this.currentDue = false;
    this.pump();
  }

  private pump(): void {
    while (this.active < this.writers) {
      let batch = this.sealed.shift();
      if (!batch && this.current && this.currentDue) {
        batch = this.current;
        this.current = undefined;
        this.currentDue = false;
        this.timer?.cancel();
        this.timer = undefined;
      }
      if (!batch) return;
      this.active++;
      this.write(batch)
        .catch((error: unknown) => this.logger.error({ err: error }, 'after writing a batch'))
        .finally(() => {
          this.active--;
          this.pump();
        });
    }
  }

  /** Stores the batch (retrying), then acknowledges its messages: once, whatever an acknowledgement does. */
  private async write(batch: WriteBatch<Ack>): Promise<void> {
    const stored = await this.storeUntilDone(batch);
    if (!stored) return this.settle(batch, new IngestStoppedError());
    const { inserted, path } = stored;
    this.settle(batch);
    this.metrics.batchRows.observe(batch.rows);
    if (batch.readings.length) this.metrics.writePaths.inc({ path });
    this.metrics.points.inc(inserted.length);
    this.metrics.duplicatePoints.inc(batch.readings.length - inserted.length);
    this.metrics.deadLetters.inc(batch.deadLetters.length);
    if (inserted.length) this.events.emit('readings.stored', { rows: inserted });
    if (batch.events.length) this.events.emit('events.stored', { rows: batch.events });
    const statuses = batch.statuses();
    if (statuses.length) this.events.emit('statuses.stored', { rows: statuses });
  }

  /** The committed write, retried with backoff until it succeeds; undefined once stopping gives up on it. */
  private async storeUntilDone(batch: WriteBatch<Ack>): Promise<{ inserted: ReadingRow[]; path: WritePath } | undefined> {
    const readings = batch.sortedReadings(); // once, not at every retry
    for (let attempt = 0; ; attempt++) {
      const started = this.clock.monotonic();
      try {
        const stored = await this.store(batch, readings);
        this.metrics.commitSeconds.observe((this.clock.monotonic() - started) / 1000);
        this.recovered();
        return stored;
      } catch (error) {
        this.metrics.writeFailures.inc();
        this.failed(error, batch);
        if (!this.giveUp) await this.clock.sleep(retryDelayMs(attempt));
        if (this.giveUp) return undefined;
      }
    }
  }

  /**
   * One transaction for the whole batch (COPY needs one for its savepoint and the rollups);
   * without COPY, readings alone (the common case) take one statement and no transaction.
   */
  private async store(batch: WriteBatch<Ack>, readings: ReadingRow[]): Promise<{ inserted: ReadingRow[]; path: WritePath }> {
    if (batch.readingsOnly && !this.copy) return { inserted: await this.readings.insertNew(readings), path: 'insert' };
    return this.db.transaction(async (tx: Transaction) => {
      const stored = this.copy
        ? await this.readings.insertNewByCopy(readings, tx)
        : { inserted: await this.readings.insertNew(readings, tx), path: 'insert' as const };
      await this.deviceEvents.insert(batch.events, tx);
      await this.devices.applyStatuses(batch.statuses(), tx);
      await this.deadLetters.insert(batch.deadLetters, tx);
      return stored;
    });
  }

  /** Each acknowledgement and listener on its own: one that throws must not keep the others from running. */
  private settle(batch: WriteBatch<Ack>, error?: Error): void {
    for (const ack of batch.acks) this.safely(() => ack(error), 'an acknowledgement');
    this.pending -= batch.messages;
    for (const listener of this.settledListeners) this.safely(listener, 'a settled listener');
    if (this.pending === 0 && this.idle) {
      this.idle();
      this.idle = undefined;
    }
  }

  private safely(call: () => void, what: string): void {
    try {
      call();
    } catch (error) {
      this.logger.error({ err: error }, `${what} threw after its batch was settled`);
    }
  }

  private failed(error: unknown, batch: WriteBatch<Ack>): void {
    if (this.failingSince === undefined) {
      this.failingSince = this.clock.now();
      this.logger.error({ err: error }, `writing a batch of ${batch.rows} rows failed; holding acknowledgements and retrying`);
    }
  }

  private recovered(): void {
    if (this.failingSince === undefined) return;
    this.logger.log(`database writes recovered after ${this.clock.now() - this.failingSince} ms`);
    this.failingSince = undefined;
  }
}
