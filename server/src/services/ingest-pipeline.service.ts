import { type BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { BrokerRepository } from '../repositories/broker.repository.js';
import { DeviceDirectoryService } from './device-directory.service.js';
import { EmbeddedIngestService } from './embedded-ingest.service.js';
import { ExternalIngestService } from './external-ingest.service.js';
import { IngestWriterService } from './ingest-writer.service.js';

/** How long stopping waits for pending batches to commit before leaving them unacknowledged. */
const DRAIN_MS = 5000;

/**
 * Starts and stops ingest as a whole. Start: after migrations and before the embedded broker
 * opens its port (platform.ts). Stop: take no new messages, commit and acknowledge what is
 * pending, then leave the broker; whatever could not be committed stays unacknowledged and is
 * delivered again, so a restart loses nothing and stores nothing twice.
 */
@Injectable()
export class IngestPipelineService implements BeforeApplicationShutdown {
  private started = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly broker: BrokerRepository,
    private readonly directory: DeviceDirectoryService,
    private readonly writer: IngestWriterService,
    private readonly embedded: EmbeddedIngestService,
    private readonly external: ExternalIngestService,
  ) {}

  async start(): Promise<void> {
    await this.directory.start();
    if (this.broker.isEmbedded) this.embedded.start();
    else await this.external.start(this.config.mqtt.url!);
    this.started = true;
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.embedded.stopIntake();
    this.external.stopIntake();
    await this.writer.drain(DRAIN_MS);
    await this.external.stop();
    await this.directory.stop();
  }
}
