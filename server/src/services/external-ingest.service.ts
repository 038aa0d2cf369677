import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { SERVER_SUBSCRIPTIONS } from '../domain/protocol.js';
import { MqttConsumerRepository } from '../repositories/mqtt-consumer.repository.js';
import { IngestStoppedError } from './ingest-writer.service.js';
import { IngestService } from './ingest.service.js';

/**
 * Intake from an external broker (MQTT_URL: Mosquitto, EMQX): one persistent MQTT 5 session
 * per instance in the shared-subscription group `$share/<VIGIL_MQTT_SHARE_GROUP>/...`, so
 * instances split the load and messages published while all are down wait in the broker.
 * The broker enforces device credentials and topics there (docs/operations.md).
 */
@Injectable()
export class ExternalIngestService {
  private readonly logger = new Logger('ExternalIngestService');
  private accepting = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly consumer: MqttConsumerRepository,
    private readonly ingest: IngestService,
  ) {}

  async start(url: string): Promise<void> {
    this.accepting = true;
    const topics = SERVER_SUBSCRIPTIONS.map((topic) => `$share/${this.config.mqtt.shareGroup}/${topic}`);
    let wasConnected = false;
    await this.consumer.start({
      url,
      clientId: this.config.mqtt.clientId,
      topics,
      maxInFlight: this.config.ingest.maxInFlight,
      onMessage: (topic, payload, done) => {
        if (!this.accepting) return done(new IngestStoppedError());
        this.ingest.ingest({ topic, payload }, done);
      },
      onConnectionChange: (connected) => {
        if (connected === wasConnected) return;
        wasConnected = connected;
        if (connected) this.logger.log(`consuming ${topics.join(', ')} as ${this.config.mqtt.clientId}`);
        else this.logger.warn('lost the broker; reconnecting (unacknowledged messages will be delivered again)');
      },
    });
  }

  /** Stops taking messages; what arrives from now on is left unacknowledged for redelivery. */
  stopIntake(): void {
    this.accepting = false;
  }

  async stop(): Promise<void> {
    await this.consumer.stop();
  }
}
