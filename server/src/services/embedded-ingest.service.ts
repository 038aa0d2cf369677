import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { clientIdBelongsTo, deviceMay } from '../domain/topic-rights.js';
import { EventBusRepository } from '../repositories/event-bus.repository.js';
import { type AuthenticationResult, MqttEmbeddedRepository } from '../repositories/mqtt-embedded.repository.js';
import { DeviceDirectoryService } from './device-directory.service.js';
import { IngestStoppedError, IngestWriterService } from './ingest-writer.service.js';
import { IngestService } from './ingest.service.js';

/**
 * Device security and intake on the embedded aedes broker, hooked in directly (the server
 * does not subscribe as a client): devices authenticate against the devices table with a
 * client id of their own (their id, or starting with it), publish
 * only under their own id, subscribe only to their own commands, and each reading is
 * acknowledged only after its batch is committed. A revoked or rotated device's live
 * connections are closed as soon as `device.changed` says so (here or on another instance).
 * Past VIGIL_INGEST_MAX_IN_FLIGHT unacknowledged messages (a slow or absent database), the
 * broker stops reading from publishing clients until commits free room.
 */
@Injectable()
export class EmbeddedIngestService {
  private readonly logger = new Logger('EmbeddedIngestService');
  private accepting = false;
  private unsubscribe?: () => void;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly broker: MqttEmbeddedRepository,
    private readonly writer: IngestWriterService,
    private readonly directory: DeviceDirectoryService,
    private readonly ingest: IngestService,
    private readonly events: EventBusRepository,
  ) {}

  start(): void {
    this.broker.install({
      authenticate: (username, password, clientId) => this.authenticate(username, password, clientId),
      publish: (deviceId, topic, payload, done) => {
        if (!this.accepting) return done(new IngestStoppedError());
        this.ingest.ingest({ topic, payload, authenticatedAs: deviceId }, done);
        if (this.writer.inFlight >= this.config.ingest.maxInFlight) this.broker.pauseIntake();
      },
      maySubscribe: (deviceId, filter) => deviceId !== undefined && deviceMay(deviceId, 'subscribe', filter),
    });
    this.writer.onSettled(() => {
      if (this.writer.inFlight < this.config.ingest.maxInFlight) this.broker.resumeIntake();
    });
    this.unsubscribe = this.events.on('device.changed', ({ deviceId, change }) => {
      if (change !== 'revoked' && change !== 'rotated') return;
      const closed = this.broker.disconnect(deviceId);
      if (closed) this.logger.log(`closed ${closed} connection(s) of ${change} device ${deviceId}`);
    });
    this.accepting = true;
  }

  /** New messages are refused (not acknowledged; devices send them again to the next server). */
  stopIntake(): void {
    this.accepting = false;
    this.unsubscribe?.();
  }

  /** The device's credentials, and a client id of its own (topic-rights.ts: no session takeover). */
  private async authenticate(username: string | undefined, password: string | undefined, clientId: string): Promise<AuthenticationResult> {
    if (!this.accepting) return 'unavailable';
    const deviceId = await this.directory.authenticate(username, password);
    if (!deviceId) return 'refused';
    return clientIdBelongsTo(deviceId, clientId) ? { deviceId } : 'client_id_refused';
  }
}
