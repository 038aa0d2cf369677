import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { type BatchEntry, type BatchLimits, type BatchWork, type DeadLetter, type MessageOrigin, type ReadingRow, WriteBatch } from '../domain/ingest-batch.js';
import { deadLetterOf } from '../domain/ingest-validation.js';
import { type ClassifiedError, type IsolationEvent, writeIsolating } from '../domain/write-faults.js';
import { ClockRepository, type Timer } from '../repositories/clock.repository.js';
import type { Transaction } from '../repositories/database.repository.js';
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
/** What a write stored: the readings new to the table, how, and the devices its messages brought back online. */
type Stored = { inserted: ReadingRow[]; path: WritePath; cameOnline: string[] };
type Entry = BatchEntry<Ack>;

export class IngestStoppedError extends Error {
  constructor() {
    super('ingest is stopping; the message was not stored and will be sent again');
  }
}

/** Why ingest is not keeping up (GET /api/ready): messages wait and nothing has committed for too long. */
export interface IngestStall {
  reason: string;
  waiting: number;
  oldestWaitingSeconds: number;
  secondsSinceCommit: number;
}

/**
 * Batches the rows of many messages and writes each batch in one transaction (readings by an
 * optimistic COPY on an external database, else one UNNEST statement), then acknowledges its
 * messages. Failures go through `writeIsolating` (domain/write-faults.ts), so no message can
 * block another: a batch the database refuses for a reason in its data is split until the
 * message(s) at fault are found, which are dead-lettered as `storage_refused` and acknowledged
 * while the rest commits; a transient fault (connection lost, database restarting, disk full)
 * is retried with backoff for as long as it lasts, nothing is acknowledged meanwhile, so the
 * transports stop taking new messages once VIGIL_INGEST_MAX_IN_FLIGHT are waiting, and memory
 * stays bounded. Each batch's trouble is logged once (retrying, splitting), each message at
 * fault on its own line.
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
  private readonly stallMs: number;
  private current?: WriteBatch<Ack>;
  private readonly sealed: Array<WriteBatch<Ack>> = [];
  private timer?: Timer;
  /** The current batch has reached its age limit (set by its timer, not by comparing clocks). */
  private currentDue = false;
  private active = 0;
  /** Messages not yet acknowledged or refused, in submission order: the first is the oldest. */
  private readonly waiting = new Set<Entry>();
  private lastCommitAt: number;
  /** Failed attempts of the batches being written now. */
  private retrying = 0;
  private batchCount = 0;
  private giveUp = false;
  private idle?: () => void;
  private readonly settledListeners: Array<() => void> = [];

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
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
    this.stallMs = config.ingest.stallSeconds * 1000;
    this.lastCommitAt = clock.now();
    metrics.observeWriter({
      inFlight: () => this.waiting.size,
      oldestWaitingSeconds: () => this.oldestWaitingMs() / 1000,
      retriesPending: () => this.retrying,
    });
  }

  /** Messages received and not yet acknowledged or refused. */
  get inFlight(): number {
    return this.waiting.size;
  }

  /** Undefined while ingest keeps up; else why not (messages wait and no commit for VIGIL_INGEST_STALL_SECONDS). */
  stall(): IngestStall | undefined {
    const oldest = this.oldestWaitingMs();
    if (oldest === 0) return undefined;
    const now = this.clock.now();
    const sinceCommit = now - this.lastCommitAt;
    if (Math.min(sinceCommit, oldest) <= this.stallMs) return undefined;
    const seconds = (ms: number) => Math.round(ms / 100) / 10;
    return {
      reason: `no ingest write has committed for ${seconds(Math.min(sinceCommit, oldest))} s while ${this.waiting.size} message(s) wait (bound: ${this.stallMs / 1000} s)`,
      waiting: this.waiting.size,
      oldestWaitingSeconds: seconds(oldest),
      secondsSinceCommit: seconds(sinceCommit),
    };
  }

  private oldestWaitingMs(): number {
    const oldest: Entry | undefined = this.waiting.values().next().value;
    return oldest ? Math.max(0, this.clock.now() - oldest.at) : 0;
  }

  /** Called after each batch is acknowledged or refused (transports resume intake here). */
  onSettled(listener: () => void): void {
    this.settledListeners.push(listener);
  }

  submit(work: BatchWork, ack: Ack): void {
    if (this.giveUp) return ack(new IngestStoppedError());
    const entry: Entry = { work, ack, at: this.clock.now() };
    this.waiting.add(entry);
    const batch = (this.current ??= new WriteBatch<Ack>());
    batch.push(entry);
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
    if (this.waiting.size === 0) return;
    let deadline: Timer | undefined;
    await new Promise<void>((resolve) => {
      this.idle = resolve;
      deadline = this.clock.after(deadlineMs, () => {
        this.giveUp = true;
        this.logger.warn(`${this.waiting.size} message(s) not written before stopping; they were not acknowledged and will be sent again`);
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

  /**
   * Stores the batch through `writeIsolating`: each part that commits is acknowledged at once, a
   * message the database refuses is dead-lettered, what is left when stopping is refused.
   */
  private async write(batch: WriteBatch<Ack>): Promise<void> {
    const id = ++this.batchCount;
    // A retried part comes back as the same array: it is sorted once, not at every retry.
    const parts = new WeakMap<readonly Entry[], { batch: WriteBatch<Ack>; readings: ReadingRow[] }>();
    const partOf = (entries: readonly Entry[]) => {
      let part = parts.get(entries);
      if (!part) {
        const of = entries === batch.entries ? batch : WriteBatch.of(entries);
        parts.set(entries, (part = { batch: of, readings: of.sortedReadings() }));
      }
      return part;
    };
    const logged = new Set<IsolationEvent<Entry>['kind']>();
    let refused = 0;
    const outcome = await writeIsolating<Entry, Stored>(batch.entries, {
      write: (entries) => {
        const part = partOf(entries);
        return this.timedStore(part.batch, part.readings);
      },
      committed: (entries, stored) => this.committed(partOf(entries).batch, stored),
      poisoned: (entry, error) => {
        refused++;
        return this.quarantine(id, entry, error);
      },
      sleep: (ms) => this.clock.sleep(ms),
      stopped: () => this.giveUp,
      report: (event) => {
        if (event.kind === 'poisoned' || event.kind === 'recovered' || logged.has(event.kind)) return;
        logged.add(event.kind);
        const what = `batch ${id} (${batch.messages} messages, ${batch.rows} rows)`;
        const why = `${event.error.code ?? event.error.fault}: ${event.error.message}`;
        if (event.kind === 'retrying')
          this.logger.error(`${what} was not written (${event.error.fault} fault, ${why}); holding its acknowledgements and retrying with backoff`);
        else this.logger.warn(`${what} was refused for a reason in its data (${why}); splitting it to find the message(s) at fault`);
      },
    });
    this.retrying -= outcome.retries;
    this.metrics.batchRetries.observe(outcome.retries);
    if (outcome.unwritten.length) this.settle(outcome.unwritten, new IngestStoppedError());
    if (outcome.retries > 0) {
      this.logger.log(
        `batch ${id} settled after ${outcome.retries} failed attempt(s): ${batch.messages - refused - outcome.unwritten.length} message(s) committed, ` +
          `${refused} dead-lettered as storage_refused, ${outcome.unwritten.length} left unacknowledged`,
      );
    }
  }

  private async timedStore(batch: WriteBatch<Ack>, readings: ReadingRow[]): Promise<Stored> {
    const started = this.clock.monotonic();
    try {
      const stored = await this.store(batch, readings);
      this.metrics.commitSeconds.observe((this.clock.monotonic() - started) / 1000);
      return stored;
    } catch (error) {
      this.metrics.writeFailures.inc();
      this.retrying++;
      throw error;
    }
  }

  /**
   * One transaction for the whole batch: readings (first: an optimistic COPY that meets a stored
   * row runs the transaction again without COPY), events, statuses, and the liveness of every
   * device heard from, so that a device is online exactly when its readings are stored.
   */
  private async store(batch: WriteBatch<Ack>, readings: ReadingRow[]): Promise<Stored> {
    const rest = async (tx: Transaction) => {
      await this.deviceEvents.insert(batch.events, tx);
      await this.devices.applyStatuses(batch.statuses(), tx);
      const cameOnline = await this.devices.markSeen(batch.seen(), tx);
      await this.deadLetters.insert(batch.deadLetters, tx);
      return cameOnline;
    };
    if (this.copy) {
      const { inserted, path, result: cameOnline } = await this.readings.insertNewByCopy(readings, rest);
      return { inserted, path, cameOnline };
    }
    const { inserted, result: cameOnline } = await this.readings.insertNewThen(readings, rest);
    return { inserted, path: 'insert', cameOnline };
  }

  /** A part committed: its messages are acknowledged, counted, and announced on the event bus. */
  private committed(part: WriteBatch<Ack>, { inserted, path, cameOnline }: Stored): void {
    this.lastCommitAt = this.clock.now();
    this.settle(part.entries);
    this.metrics.batchRows.observe(part.rows);
    if (part.readings.length) this.metrics.writePaths.inc({ path });
    this.metrics.points.inc(inserted.length);
    this.metrics.duplicatePoints.inc(part.readings.length - inserted.length);
    this.metrics.deadLetters.inc(part.deadLetters.length);
    if (inserted.length) this.events.emit('readings.stored', { rows: inserted });
    if (part.events.length) this.events.emit('events.stored', { rows: part.events });
    // A device back online by its readings is a status change too (device.status.v1; its device_offline clears),
    // also when an older status of it (a Last Will) is in the same batch.
    const statuses = new Map(part.statuses().map((status) => [status.deviceId, status]));
    const seenAt = new Map(part.seen().map((s) => [s.deviceId, s.at]));
    for (const deviceId of cameOnline) {
      const at = seenAt.get(deviceId);
      const status = statuses.get(deviceId);
      if (at && (!status || status.receivedAt < at)) statuses.set(deviceId, { ...status, deviceId, online: true, receivedAt: at });
    }
    if (statuses.size) this.events.emit('statuses.stored', { rows: [...statuses.values()] });
  }

  /**
   * A message whose rows the database refuses on their own: none of them is stored; a
   * `storage_refused` dead letter takes its place (written through the same mechanism), and the
   * message is acknowledged once that commits, so it is not delivered again for ever. A dead
   * letter cannot be refused (storable text, bytea excerpt); were it still, the message is
   * logged with its excerpt, counted, and acknowledged rather than block its device.
   */
  private async quarantine(batchId: number, entry: Entry, error: ClassifiedError): Promise<void> {
    const letter = this.refusedLetter(entry.work, error);
    this.metrics.rejects.inc({ reason: 'storage_refused' });
    this.logger.warn(
      { topic: letter.topic, code: error.code },
      `batch ${batchId}: the database refused a message's rows (${error.message}); dead-lettered as storage_refused`,
    );
    const outcome = await writeIsolating<DeadLetter, void>([letter], {
      write: (letters) => this.deadLetters.insert([...letters]),
      committed: () => {
        this.lastCommitAt = this.clock.now();
        this.metrics.deadLetters.inc();
        this.settle([entry]);
      },
      poisoned: (_letter, again) => {
        this.metrics.unstorable.inc();
        this.logger.error(
          { topic: letter.topic, payloadBase64: Buffer.from(letter.payloadExcerpt).toString('base64'), code: again.code },
          `a message could not be stored even as a dead letter (${again.message}); acknowledged so that it does not block its device`,
        );
        this.settle([entry]);
      },
      sleep: (ms) => this.clock.sleep(ms),
      stopped: () => this.giveUp,
    });
    if (outcome.unwritten.length) this.settle([entry], new IngestStoppedError());
  }

  private refusedLetter(work: BatchWork, error: ClassifiedError): DeadLetter {
    const first = work.deadLetters?.[0];
    const origin: MessageOrigin =
      work.origin ??
      (first
        ? { topic: first.topic, deviceId: first.deviceId, receivedAt: first.receivedAt, payloadExcerpt: first.payloadExcerpt }
        : { topic: '', deviceId: null, receivedAt: this.clock.date(), payloadExcerpt: new Uint8Array() });
    const rows = [
      work.readings?.length && `${work.readings.length} reading(s)`,
      work.event && `a ${work.event.type} event`,
      work.status && 'a status',
      work.deadLetters?.length && `${work.deadLetters.length} dead letter(s)`,
    ].filter(Boolean);
    return deadLetterOf(origin, {
      reason: 'storage_refused',
      detail: `${error.code ?? 'error'}: ${error.message} (the message's ${rows.join(', ') || 'rows'})`,
    });
  }

  /** Each acknowledgement and listener on its own: one that throws must not keep the others from running. */
  private settle(entries: readonly Entry[], error?: Error): void {
    for (const entry of entries) {
      if (!this.waiting.delete(entry)) continue; // settled already
      this.safely(() => entry.ack(error), 'an acknowledgement');
    }
    for (const listener of this.settledListeners) this.safely(listener, 'a settled listener');
    if (this.waiting.size === 0 && this.idle) {
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
}
