import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { type BrokerCounters, brokerCounters } from '../domain/broker-counters.js';
import { CANARY_TOPIC, type CanaryVerdict, canaryBucket, canaryPayloadSchema, judgeCanaries, judgedBuckets } from '../domain/canary.js';
import { CanaryRepository } from '../repositories/canary.repository.js';
import { ClockRepository, type Timer } from '../repositories/clock.repository.js';
import { MetricsRepository } from '../repositories/metrics.repository.js';

/** What readiness shows about an external broker's delivery to Vigil. */
export interface DeliveryStatus {
  /** Something is being lost or withheld; `problems` says what and what to do. */
  degraded: boolean;
  /** Messages the broker says it dropped since it started (Mosquitto, EMQX $SYS counters). */
  droppedByBroker?: number;
  /** Messages the broker holds (Mosquitto's store). */
  storedByBroker?: number;
  /** Canaries of the whole group over the judged window. */
  canary: CanaryVerdict;
  problems: string[];
}

/**
 * Watches that what an external broker acknowledged to devices reaches Vigil: the broker's own
 * dropped-message counters, and the ingest canary (domain/canary.ts) for a shared-group member
 * that takes messages and never delivers them. Both are reported in /metrics, in /api/ready
 * (degraded, with the counts) and in the log.
 */
@Injectable()
export class BrokerWatchService {
  private readonly logger = new Logger('BrokerWatchService');
  private readonly latest = new Map<string, string>();
  private counters: BrokerCounters = {};
  private verdict: CanaryVerdict = { sent: 0, received: 0, missing: 0 };
  private readonly timers: Timer[] = [];
  private readonly timing: { intervalMs: number };
  private publish?: (topic: string, payload: string) => Promise<void>;
  private clientId = '';

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly canaries: CanaryRepository,
    private readonly clock: ClockRepository,
    metrics: MetricsRepository,
  ) {
    this.timing = { intervalMs: config.mqtt.canaryMs };
    metrics.gauge(
      'vigil_broker_dropped_messages',
      'Messages the external broker dropped since it started, by its own counter ($SYS): readings acknowledged to devices and never delivered',
      [],
      () => this.counters.dropped ?? 0,
    );
    metrics.gauge(
      'vigil_broker_stored_messages',
      "Messages the external broker holds (Mosquitto's $SYS/broker/store/messages/count)",
      [],
      () => this.counters.stored ?? 0,
    );
    metrics.gauge('vigil_ingest_canaries_sent', 'Ingest canaries the shared group sent in the judged window (all instances)', [], () => this.verdict.sent);
    metrics.gauge(
      'vigil_ingest_canaries_missing',
      'Ingest canaries sent and never received in the judged window: a member of the shared group withholds its share',
      [],
      () => this.verdict.missing,
    );
  }

  /** Starts the canary: `publish` sends a QoS 1 message through the ingest session. */
  start(clientId: string, publish: (topic: string, payload: string) => Promise<void>): void {
    this.clientId = clientId;
    this.publish = publish;
    this.timers.push(this.clock.every(this.timing.intervalMs, () => void this.sendCanary()));
    this.timers.push(this.clock.every(this.timing.intervalMs, () => void this.judge()));
  }

  stop(): void {
    for (const timer of this.timers.splice(0)) timer.cancel();
    this.publish = undefined;
  }

  /** A value the broker published on one of its counter topics. */
  counter(topic: string, value: string): void {
    this.latest.set(topic, value);
    const before = this.counters.dropped;
    this.counters = brokerCounters(this.latest);
    const dropped = this.counters.dropped ?? 0;
    if (dropped > (before ?? 0)) {
      this.logger.error(
        `the broker dropped ${dropped - (before ?? 0)} message(s) (${dropped} since it started): acknowledged to devices and never delivered to Vigil. ` +
          'Its queue limits are too small for the backlog (docs/operations.md, "Broker queues")',
      );
    }
  }

  /** A canary came through the group; counted before it is acknowledged. */
  canaryReceived(payload: Buffer, done: (error?: Error) => void): void {
    let sentAt: number;
    try {
      sentAt = canaryPayloadSchema.parse(JSON.parse(payload.toString())).sentAt;
    } catch {
      this.logger.warn(`ignored a message on ${CANARY_TOPIC} that is no canary`);
      return done();
    }
    this.canaries.countReceived(this.config.mqtt.shareGroup, canaryBucket(sentAt, this.timing)).then(
      () => done(),
      (error: Error) => done(error), // not acknowledged: it comes again, to be counted then
    );
  }

  status(): DeliveryStatus {
    const problems: string[] = [];
    if (this.counters.dropped) {
      problems.push(
        `the broker dropped ${this.counters.dropped} message(s) since it started: its queue limits were reached (docs/operations.md, "Broker queues")`,
      );
    }
    if (this.verdict.missing) problems.push(this.missingCause());
    return { degraded: problems.length > 0, droppedByBroker: this.counters.dropped, storedByBroker: this.counters.stored, canary: this.verdict, problems };
  }

  private async sendCanary(): Promise<void> {
    const sentAt = this.clock.now();
    try {
      await this.publish?.(CANARY_TOPIC, JSON.stringify({ canary: 1, sentAt, from: this.clientId }));
      await this.canaries.countSent(this.config.mqtt.shareGroup, canaryBucket(sentAt, this.timing));
    } catch {
      // Broker or Redis away: readiness reports them; an uncounted canary is no shortfall.
    }
  }

  private async judge(): Promise<void> {
    try {
      const counts = await this.canaries.counts(this.config.mqtt.shareGroup, judgedBuckets(this.clock.now(), this.timing));
      const verdict = judgeCanaries(counts);
      if (verdict.missing && !this.verdict.missing) this.logger.error(`${this.missingCause(verdict)}`);
      if (!verdict.missing && this.verdict.missing) this.logger.log('every ingest canary of the shared group arrives again');
      this.verdict = verdict;
    } catch {
      // Redis away: keep the last verdict; readiness reports Redis.
    }
  }

  private missingCause(verdict = this.verdict): string {
    const group = this.config.mqtt.shareGroup;
    return (
      `${verdict.missing} of ${verdict.sent} ingest canaries sent to the shared group "${group}" never arrived: a member of the group takes its share of ` +
      'device messages and does not deliver them. Likely a persistent session left behind by an instance that is gone (scaled down, a changed ' +
      'VIGIL_MQTT_CLIENT_ID or hostname, fewer VIGIL_MQTT_CONSUMERS): the broker keeps queuing its share until the session expires. ' +
      'Retire it with `vigil mqtt retire --client-id <id>` (docs/operations.md, "Retiring a session")'
    );
  }
}
