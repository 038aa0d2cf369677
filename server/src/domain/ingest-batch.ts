import type { RejectReason } from './protocol.js';

/**
 * A write batch of the ingest pipeline: the rows of many device messages, written in one
 * transaction, and the acknowledgements to send once it has committed. Pure data and rules;
 * the writer service owns the clock and the database.
 */

export interface ReadingRow {
  time: Date;
  patientId: string;
  deviceId: string;
  metric: string;
  value: number;
}

export interface EventRow {
  time: Date;
  patientId: string;
  deviceId: string;
  type: string;
  data: Record<string, unknown>;
}

export interface StatusUpdate {
  deviceId: string;
  online: boolean;
  battery?: number;
  rssi?: number;
  fw?: string;
  /** Server time the status arrived: the newest one wins, also across batches and instances. */
  receivedAt: Date;
}

/** A dead-letter row. Its text is storable (domain/text.ts); the payload excerpt is raw bytes (`bytea`). */
export interface DeadLetter {
  receivedAt: Date;
  topic: string;
  deviceId: string | null;
  reason: RejectReason;
  detail: string;
  payloadExcerpt: Uint8Array;
}

/** Where a message came from: enough to dead-letter it when the database refuses its rows. */
export interface MessageOrigin {
  topic: string;
  deviceId: string | null;
  receivedAt: Date;
  /** The first bytes of the payload (`payloadExcerpt`), not all of it: batches stay small. */
  payloadExcerpt: Uint8Array;
}

/** What one message contributes; any part may be absent. */
export interface BatchWork {
  readings?: ReadingRow[];
  event?: EventRow;
  status?: StatusUpdate;
  deadLetters?: DeadLetter[];
  origin?: MessageOrigin;
}

/** One message in a batch: its rows, its acknowledgement, and when it was submitted (clock ms). */
export interface BatchEntry<Ack> {
  work: BatchWork;
  ack: Ack;
  at: number;
}

export interface BatchLimits {
  /** Rows (readings, events, statuses, dead letters) after which a batch is written at once. */
  maxRows: number;
  /** Age after which a batch is written however small it is. */
  maxAgeMs: number;
}

export class WriteBatch<Ack> {
  readonly readings: ReadingRow[] = [];
  readonly events: EventRow[] = [];
  readonly deadLetters: DeadLetter[] = [];
  /** The messages, in arrival order: a batch refused for its data is split along them. */
  readonly entries: Array<BatchEntry<Ack>> = [];
  private readonly statusByDevice = new Map<string, StatusUpdate>();
  /** Per device, when its newest message with readings or an event arrived (liveness). */
  private readonly seenByDevice = new Map<string, Date>();

  /** A batch of some of another batch's messages. */
  static of<Ack>(entries: ReadonlyArray<BatchEntry<Ack>>): WriteBatch<Ack> {
    const batch = new WriteBatch<Ack>();
    for (const entry of entries) batch.push(entry);
    return batch;
  }

  add(work: BatchWork, ack: Ack, at = 0): void {
    this.push({ work, ack, at });
  }

  push(entry: BatchEntry<Ack>): void {
    const { work } = entry;
    if (work.readings) for (const row of work.readings) this.readings.push(row);
    if (work.event) this.events.push(work.event);
    const from = work.event?.deviceId ?? work.readings?.[0]?.deviceId;
    if (from !== undefined) {
      const at = work.origin?.receivedAt ?? new Date(entry.at);
      const previous = this.seenByDevice.get(from);
      if (!previous || previous < at) this.seenByDevice.set(from, at);
    }
    if (work.deadLetters) for (const letter of work.deadLetters) this.deadLetters.push(letter);
    if (work.status) {
      const previous = this.statusByDevice.get(work.status.deviceId);
      if (!previous || previous.receivedAt <= work.status.receivedAt) this.statusByDevice.set(work.status.deviceId, work.status);
    }
    this.entries.push(entry);
  }

  get acks(): Ack[] {
    return this.entries.map((entry) => entry.ack);
  }

  get rows(): number {
    return this.readings.length + this.events.length + this.deadLetters.length + this.statusByDevice.size;
  }

  get messages(): number {
    return this.entries.length;
  }

  isFull(limits: BatchLimits): boolean {
    return this.rows >= limits.maxRows;
  }

  /**
   * Readings in (device, metric, time) order, the unique key's order: concurrent batches then
   * take their index locks in the same order and cannot deadlock on a re-sent sample. A key
   * that came twice in the batch (a device sent the same sample again) is kept once, as first
   * received: the second could only be skipped, and it would make a COPY of the batch fail.
   */
  sortedReadings(): ReadingRow[] {
    // Grouped by device, then metric (one hash lookup per row), and only each group sorted by
    // time (a device's samples mostly arrive in order, so that is nearly linear): one sort of the
    // whole batch by the composite key compared 36-character device ids twice per step, 8 % of
    // the server's busy time at saturation (docs/benchmarks.md, issue 11).
    const byDevice = new Map<string, Map<string, ReadingRow[]>>();
    for (const row of this.readings) {
      let byMetric = byDevice.get(row.deviceId);
      if (!byMetric) byDevice.set(row.deviceId, (byMetric = new Map<string, ReadingRow[]>()));
      const rows = byMetric.get(row.metric);
      if (rows) rows.push(row);
      else byMetric.set(row.metric, [row]);
    }
    const sorted: ReadingRow[] = [];
    for (const deviceId of [...byDevice.keys()].sort(compareText)) {
      const byMetric = byDevice.get(deviceId)!;
      for (const metric of [...byMetric.keys()].sort(compareText)) {
        const rows = byMetric.get(metric)!.sort(compareTimes); // stable: repeats stay in arrival order
        let previous: number | undefined;
        for (const row of rows) {
          const time = row.time.getTime();
          if (time !== previous) sorted.push(row);
          previous = time;
        }
      }
    }
    return sorted;
  }

  /**
   * Devices heard from by a reading or an event, each with when its newest such message arrived,
   * in device order (lock order): a message from a device is proof it is online (ingest marks it so).
   */
  seen(): Array<{ deviceId: string; at: Date }> {
    return [...this.seenByDevice.entries()]
      .map(([deviceId, at]) => ({ deviceId, at }))
      .sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0));
  }

  /** The newest status per device, in device order (lock order again). */
  statuses(): StatusUpdate[] {
    return [...this.statusByDevice.values()].sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0));
  }
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const compareTimes = (a: ReadingRow, b: ReadingRow): number => a.time.getTime() - b.time.getTime();
