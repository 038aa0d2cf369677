import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import type { Actor } from '../domain/actor.js';
import { CANARY_TOPIC } from '../domain/canary.js';
import { InvalidInputError } from '../domain/errors.js';
import { MqttConsumerRepository } from '../repositories/mqtt-consumer.repository.js';
import { AccessService } from './access.service.js';
import { AuditService } from './audit.service.js';
import { BrokerWatchService } from './broker-watch.service.js';
import { DeviceDirectoryService } from './device-directory.service.js';
import { groupTopics } from './external-ingest.service.js';
import { IngestService } from './ingest.service.js';

export interface RetiredSession {
  clientId: string;
  /** The broker still held a session under that client id. */
  sessionPresent: boolean;
  /** Messages it held, ingested (each stored once, by the readings' unique key) and acknowledged. */
  messages: number;
}

/** A client id as the config accepts one (VIGIL_MQTT_CLIENT_ID), with the `-N` of a further connection. */
const CLIENT_ID = /^[A-Za-z0-9_.:-]{1,70}$/;

/**
 * `vigil mqtt retire`: ends a shared-group session that no instance consumes any more (issue
 * 11) without losing what it holds: its queued messages go through the normal ingest (stored,
 * then acknowledged), and only then is the session ended with expiry 0.
 */
@Injectable()
export class SessionRetireService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly consumer: MqttConsumerRepository,
    private readonly directory: DeviceDirectoryService,
    private readonly ingest: IngestService,
    private readonly watch: BrokerWatchService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
  ) {}

  async retire(actor: Actor, clientId: string, quietMs: number): Promise<RetiredSession> {
    this.access.requireAdmin(actor);
    if (!CLIENT_ID.test(clientId)) throw new InvalidInputError('clientId: expected 1 to 70 letters, digits, or _ . : -');
    if (!this.config.mqtt.url) throw new InvalidInputError('MQTT_URL: retiring a session needs the external broker (the embedded one keeps no shared group)');
    await this.directory.start();
    try {
      const result = await this.consumer.retire({
        url: this.config.mqtt.url,
        clientId,
        topics: groupTopics(this.config.mqtt.shareGroup),
        quietMs,
        onMessage: (topic, payload, done) => (topic === CANARY_TOPIC ? this.watch.canaryReceived(payload, done) : this.ingest.ingest({ topic, payload }, done)),
      });
      await this.audit.record(actor, 'mqtt.session.retire', { details: { clientId, ...result } });
      return { clientId, ...result };
    } finally {
      await this.directory.stop();
    }
  }
}
