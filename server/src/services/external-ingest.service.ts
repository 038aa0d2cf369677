import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { BROKER_COUNTER_TOPICS } from '../domain/broker-counters.js';
import { CANARY_TOPIC } from '../domain/canary.js';
import { SERVER_SUBSCRIPTIONS } from '../domain/protocol.js';
import { MqttConsumerRepository } from '../repositories/mqtt-consumer.repository.js';
import { BrokerWatchService } from './broker-watch.service.js';
import { IngestStoppedError } from './ingest-writer.service.js';
import { IngestService } from './ingest.service.js';

/** The shared-subscription filters of a group. */
export const groupTopics = (shareGroup: string) => SERVER_SUBSCRIPTIONS.map((topic) => `$share/${shareGroup}/${topic}`);

/**
 * Intake from an external broker (MQTT_URL: Mosquitto, EMQX): VIGIL_MQTT_CONSUMERS persistent
 * MQTT 5 sessions per instance in the shared-subscription group `$share/<VIGIL_MQTT_SHARE_GROUP>/...`,
 * so connections and instances split the load and messages published while all are down wait
 * in the broker. The broker enforces device credentials and topics there (docs/operations.md).
 * The broker's dropped-message counters and the ingest canary go to BrokerWatchService.
 */
@Injectable()
export class ExternalIngestService {
  private readonly logger = new Logger('ExternalIngestService');
  private accepting = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly consumer: MqttConsumerRepository,
    private readonly ingest: IngestService,
    private readonly watch: BrokerWatchService,
  ) {}

  async start(url: string): Promise<void> {
    this.accepting = true;
    const { clientId, shareGroup, consumers } = this.config.mqtt;
    const topics = groupTopics(shareGroup);
    let wasConnected = 0;
    await this.consumer.start({
      url,
      clientId,
      connections: consumers,
      topics,
      maxInFlight: this.config.ingest.maxInFlight,
      onMessage: (topic, payload, done) => {
        if (!this.accepting) return done(new IngestStoppedError());
        if (topic === CANARY_TOPIC) return this.watch.canaryReceived(payload, done);
        this.ingest.ingest({ topic, payload }, done);
      },
      onConnectionChange: (connected, of) => {
        if (connected === of && wasConnected < of) this.logger.log(`consuming ${topics.join(', ')} as ${clientId} over ${of} connection(s)`);
        if (of > 0 && connected < wasConnected)
          this.logger.warn(`lost the broker on ${of - connected} of ${of} connection(s); reconnecting (unacknowledged messages will be delivered again)`);
        wasConnected = connected;
      },
      counters: { topics: [...BROKER_COUNTER_TOPICS], onValue: (topic, value) => this.watch.counter(topic, value) },
    });
    this.watch.start(clientId, (topic, payload) => this.consumer.publish(topic, payload));
  }

  /** Stops taking messages; what arrives from now on is left unacknowledged for redelivery. */
  stopIntake(): void {
    this.accepting = false;
    this.watch.stop();
  }

  async stop(): Promise<void> {
    await this.consumer.stop();
  }
}
