import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { BROKER_COUNTER_TOPICS } from '../domain/broker-counters.js';
import { CANARY_TOPIC } from '../domain/canary.js';
import { SERVER_SUBSCRIPTIONS } from '../domain/protocol.js';
import { ClockRepository } from '../repositories/clock.repository.js';
import { DatabaseRepository, type HeldLock } from '../repositories/database.repository.js';
import { MqttConsumerRepository } from '../repositories/mqtt-consumer.repository.js';
import { BrokerWatchService } from './broker-watch.service.js';
import { IngestStoppedError } from './ingest-writer.service.js';
import { IngestService } from './ingest.service.js';

/** The shared-subscription filters of a group. */
export const groupTopics = (shareGroup: string) => SERVER_SUBSCRIPTIONS.map((topic) => `$share/${shareGroup}/${topic}`);

/** How often the lease's connection is checked, and how often a standby instance asks for the lease. */
const LEASE_CHECK_MS = 1000;

/**
 * How this instance takes part in external ingest: `shared` (its own sessions in the shared
 * group), `active` (it holds the group's exclusive session) or `standby` (another instance does).
 */
export type IngestRole = 'shared' | 'active' | 'standby';

/** A turn on the exclusive session: the lease, and why the turn ended once it has. */
interface Turn {
  lease?: HeldLock;
  ended: Promise<string | undefined>;
}

/**
 * Intake from an external broker (MQTT_URL: Mosquitto, EMQX), in one of two modes
 * (VIGIL_MQTT_SUBSCRIPTION, docs/operations.md "Ingest sessions with an external broker"):
 *
 * - `shared`: VIGIL_MQTT_CONSUMERS persistent MQTT 5 sessions per instance in the group
 *   `$share/<VIGIL_MQTT_SHARE_GROUP>/...`, so connections and instances split the load.
 *   Mosquitto 2.0 does not restore shared subscriptions after its own restart: what devices
 *   publish until the servers have subscribed again is acknowledged and dropped.
 * - `exclusive`: one persistent session for the whole group (`<group>-ingest`) with plain
 *   subscriptions, which Mosquitto keeps across its restart, so it queues for the session from
 *   its first moment back. The instance that holds the group's lease (a PostgreSQL advisory lock,
 *   released by PostgreSQL when its holder dies) consumes; the others stand by and take the
 *   session over, with everything queued and unacknowledged in it, once the lease is free.
 *   Should two ever connect at once, the broker disconnects the older one (session taken over),
 *   which then stands by instead of taking it back.
 *
 * Messages published while no instance consumes wait in the broker. The broker enforces device
 * credentials and topics. Its dropped-message counters and the ingest canary go to BrokerWatchService.
 */
@Injectable()
export class ExternalIngestService {
  private readonly logger = new Logger('ExternalIngestService');
  private accepting = false;
  private current: IngestRole = 'shared';
  private turns?: Promise<void>;
  private halted = false;
  private markStopped!: () => void;
  private readonly stopped = new Promise<void>((resolve) => (this.markStopped = resolve));

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly consumer: MqttConsumerRepository,
    private readonly ingest: IngestService,
    private readonly watch: BrokerWatchService,
    private readonly db: DatabaseRepository,
    private readonly clock: ClockRepository,
  ) {}

  get role(): IngestRole {
    return this.current;
  }

  /** Resolves once this instance consumes, or (exclusive mode, another instance holding the lease) stands by. */
  async start(url: string): Promise<void> {
    this.accepting = true;
    const { subscription, clientId, shareGroup, consumers } = this.config.mqtt;
    if (subscription === 'shared') {
      await this.consume(url, clientId, consumers, groupTopics(shareGroup));
      return;
    }
    this.current = 'standby';
    // An embedded database's data folder admits one instance: no other to take turns with.
    const first = this.config.database.url ? await this.tryLease() : undefined;
    const turn = first || !this.config.database.url ? await this.activate(url, first) : undefined;
    this.turns = this.takeTurns(url, turn);
  }

  /** Stops taking messages; what arrives from now on is left unacknowledged for redelivery. */
  stopIntake(): void {
    this.accepting = false;
    this.watch.stop();
  }

  async stop(): Promise<void> {
    this.halted = true;
    this.markStopped();
    if (this.turns) await this.turns;
    await this.consumer.stop();
  }

  private async takeTurns(url: string, turn: Turn | undefined): Promise<void> {
    for (;;) {
      if (turn) {
        const reason = await turn.ended;
        this.current = 'standby';
        this.watch.stop();
        await this.consumer.stop();
        turn.lease?.release();
        if (reason) this.logger.warn(`standing by: ${reason}; whichever instance of the group holds the lease next consumes`);
      }
      if (!this.accepting || this.halted) return;
      const asked = this.tryLease();
      const lease = await Promise.race([asked, this.stopped.then(() => undefined)]);
      if (this.halted) {
        void asked.then((late) => late?.release()); // a database that answers slowly must not hold the stop
        return;
      }
      turn = lease ? await this.activate(url, lease) : undefined;
      if (!turn) await Promise.race([this.clock.sleep(LEASE_CHECK_MS), this.stopped]);
    }
  }

  private async tryLease(): Promise<HeldLock | undefined> {
    try {
      return await this.db.tryHoldLock(`vigil.mqtt-ingest:${this.config.mqtt.exclusiveClientId}`, LEASE_CHECK_MS);
    } catch {
      return undefined; // database away: readiness reports it; asked again shortly
    }
  }

  /** Consumes through the group's exclusive session until the lease is lost, the session is taken over, or stop. */
  private async activate(url: string, lease: HeldLock | undefined): Promise<Turn> {
    let takenOver!: () => void;
    const taken = new Promise<void>((resolve) => (takenOver = resolve));
    this.current = 'active';
    await this.consume(url, this.config.mqtt.exclusiveClientId, 1, [...SERVER_SUBSCRIPTIONS], takenOver);
    const ended = Promise.race([
      ...(lease ? [lease.lost.then(() => 'lost the ingest lease (its database connection failed)')] : []),
      taken.then(() => 'another connection took the ingest session over'),
      this.stopped.then(() => undefined),
    ]);
    return { lease, ended };
  }

  private async consume(url: string, clientId: string, connections: number, topics: string[], onSessionTakenOver?: () => void): Promise<void> {
    let wasConnected = 0;
    await this.consumer.start({
      url,
      clientId,
      connections,
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
      onSessionTakenOver,
      counters: { topics: [...BROKER_COUNTER_TOPICS], onValue: (topic, value) => this.watch.counter(topic, value) },
    });
    this.watch.start(this.config.mqtt.clientId, (topic, payload) => this.consumer.publish(topic, payload));
  }
}
