import { Injectable } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import { MetricsRepository } from '../repositories/metrics.repository.js';

/** The ingest pipeline's Prometheus metrics (GET /metrics), declared once. */
@Injectable()
export class IngestMetrics {
  readonly messages: Counter<'kind'>;
  readonly points: Counter;
  readonly duplicatePoints: Counter;
  readonly rejects: Counter<'reason'>;
  readonly deadLetters: Counter;
  readonly batchRows: Histogram;
  readonly commitSeconds: Histogram;
  readonly writeFailures: Counter;
  readonly writePaths: Counter<'path'>;
  readonly batchRetries: Histogram;
  readonly unstorable: Counter;
  private writer: WriterGauges = { inFlight: () => 0, oldestWaitingSeconds: () => 0, retriesPending: () => 0 };

  constructor(metrics: MetricsRepository) {
    this.messages = metrics.counter('vigil_ingest_messages_total', 'Device messages received, by kind', ['kind']);
    this.points = metrics.counter('vigil_ingest_points_total', 'Reading points committed (the ingest rate)');
    this.duplicatePoints = metrics.counter('vigil_ingest_duplicate_points_total', 'Reading points skipped as already stored');
    this.rejects = metrics.counter('vigil_ingest_rejects_total', 'Rejections by reason (docs/protocol.md)', ['reason']);
    this.deadLetters = metrics.counter('vigil_ingest_dead_letters_total', 'Rows committed to the dead_letters table');
    this.batchRows = metrics.histogram('vigil_ingest_batch_rows', 'Rows per committed write batch', [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000]);
    this.commitSeconds = metrics.histogram(
      'vigil_ingest_commit_seconds',
      'Time to write and commit one batch',
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    );
    this.writeFailures = metrics.counter('vigil_ingest_write_failures_total', 'Batch writes that failed and will be retried');
    this.writePaths = metrics.counter(
      'vigil_ingest_write_batches_total',
      'Committed batches with readings, by how they were written: copy (COPY, no duplicate), fallback (COPY met a duplicate; INSERT … ON CONFLICT), insert (INSERT … ON CONFLICT only: embedded PGlite or VIGIL_INGEST_COPY=off)',
      ['path'],
    );
    this.batchRetries = metrics.histogram(
      'vigil_ingest_batch_retries',
      'Failed write attempts per batch before all of it was committed or dead-lettered (transient retries and splits)',
      [0, 1, 2, 3, 5, 10, 20, 50, 100],
    );
    this.unstorable = metrics.counter(
      'vigil_ingest_unstorable_messages_total',
      'Messages the database refused even as a dead letter (logged with their payload, then acknowledged); should stay 0',
    );
    metrics.gauge('vigil_ingest_in_flight_messages', 'Messages received and not yet acknowledged (waiting for their commit)', [], () => this.writer.inFlight());
    metrics.gauge('vigil_ingest_oldest_unacked_seconds', 'Age of the oldest message received and not yet acknowledged (0 when none waits)', [], () =>
      this.writer.oldestWaitingSeconds(),
    );
    metrics.gauge('vigil_ingest_batch_retries_pending', 'Failed attempts so far of the batches being written now (0 while writes succeed)', [], () =>
      this.writer.retriesPending(),
    );
  }

  /** Where the writer's gauges are read from at each scrape. */
  observeWriter(gauges: WriterGauges): void {
    this.writer = gauges;
  }
}

export interface WriterGauges {
  inFlight(): number;
  oldestWaitingSeconds(): number;
  retriesPending(): number;
}
