import { Injectable } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import { serviceAddress } from '../domain/urls.js';
import { BrokerRepository } from '../repositories/broker.repository.js';
import { HealthRepository } from '../repositories/health.repository.js';
import { MqttConsumerRepository } from '../repositories/mqtt-consumer.repository.js';
import { RedisRepository } from '../repositories/redis.repository.js';
import { IngestWriterService } from './ingest-writer.service.js';
import { BrokerWatchService } from './broker-watch.service.js';
import { ExternalIngestService } from './external-ingest.service.js';

const TIMEOUT_MS = 2000;

@Injectable()
export class ReadinessService {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly probes: HealthRepository,
    private readonly redis: RedisRepository,
    private readonly broker: BrokerRepository,
    private readonly consumer: MqttConsumerRepository,
    private readonly writer: IngestWriterService,
    private readonly watch: BrokerWatchService,
    private readonly external: ExternalIngestService,
  ) {}

  /** Liveness: the process serves requests. */
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /**
   * Readiness: database (with its dialect), Redis and the MQTT broker all answer; an external
   * broker as the connections ingest actually uses (the persistent sessions), not a probe of its own
   * (`ingest`: its role; a standby instance of an exclusive session has none and serves the rest);
   * and ingest keeps up: down, with the reason, when no write has committed for
   * VIGIL_INGEST_STALL_SECONDS while messages wait. With an external broker, `delivery` says
   * whether what the broker acknowledged to devices reaches Vigil: up while it merely degrades
   * (`degraded: true`, with the dropped count, the canary counts and what to do), since taking
   * the instance out of service would not help.
   */
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () =>
        this.indicators
          .check('database')
          .attempt(() => this.probes.pingDatabase())
          .withTimeout(TIMEOUT_MS),
      () =>
        this.indicators
          .check('redis')
          .attempt(async () => {
            await this.redis.ping();
            return {};
          })
          .withTimeout(TIMEOUT_MS),
      () => {
        const broker = this.indicators.check('broker');
        if (this.broker.isEmbedded) {
          const details = { embedded: true, url: serviceAddress(this.broker.url) };
          return this.broker.embeddedRunning ? broker.up(details) : broker.down(details);
        }
        const role = this.external.role;
        const details = { embedded: false, url: serviceAddress(this.broker.url), ingest: role };
        const up = role === 'standby' || this.consumer.connected;
        return up ? broker.up(details) : broker.down(details);
      },
      () => {
        const ingest = this.indicators.check('ingest');
        const stall = this.writer.stall();
        return stall ? ingest.down({ ...stall }) : ingest.up({ waiting: this.writer.inFlight });
      },
      ...(this.broker.isEmbedded ? [] : [() => this.indicators.check('delivery').up({ ...this.watch.status() })]),
    ]);
  }
}
