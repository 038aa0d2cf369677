import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { MetricsRepository } from '../repositories/metrics.repository.js';

/** The live stream's Prometheus metrics (GET /metrics), declared once. */
@Injectable()
export class LiveMetrics {
  readonly batches: Counter;
  readonly resyncs: Counter<'reason'>;
  readonly disconnects: Counter<'reason'>;
  private sockets: () => number = () => 0;
  private maxBuffered = 0;

  constructor(metrics: MetricsRepository) {
    this.batches = metrics.counter('vigil_live_reading_batches_total', 'reading.batch.v1 emits to a patient room (one per room per send)');
    this.resyncs = metrics.counter('vigil_live_resyncs_total', 'resync.v1 sent: a client fell behind, its gap was too large, or its user may no longer see the room', ['reason']);
    this.disconnects = metrics.counter('vigil_live_disconnects_total', 'Sockets the server disconnected', ['reason']);
    metrics.gauge('vigil_live_sockets', 'Connected socket.io clients on this instance', [], () => this.sockets());
    metrics.gauge('vigil_live_max_buffered_bytes', 'The most bytes any socket held unsent at the last check', [], () => this.maxBuffered);
  }

  countSockets(read: () => number): void {
    this.sockets = read;
  }

  buffered(bytes: number): void {
    this.maxBuffered = bytes;
  }
}
