import { AdminService } from './admin.service.js';
import { BrokerAuthService } from './broker-auth.service.js';
import { DeviceDirectoryService } from './device-directory.service.js';
import { HistoryService } from './history.service.js';
import { IngestMetrics } from './ingest-metrics.js';
import { EmbeddedIngestService } from './ingest-embedded.service.js';
import { ExternalIngestService } from './ingest-external.service.js';
import { IngestPipelineService } from './ingest-pipeline.service.js';
import { IngestWriterService } from './ingest-writer.service.js';
import { IngestService } from './ingest.service.js';
import { MigrationService } from './migration.service.js';
import { OperatorService } from './operator.service.js';
import { RetentionService } from './retention.service.js';
import { SeedService } from './seed.service.js';
import { StatusService } from './status.service.js';

/** Services that need only the database (the CLI and the server both use them). */
export const CORE_SERVICES = [AdminService, HistoryService, MigrationService, OperatorService, RetentionService, SeedService, StatusService];

/** Device ingest: MQTT intake, validation, batching and writing (server only; see ingest-pipeline.service.ts). */
export const INGEST_SERVICES = [
  BrokerAuthService,
  DeviceDirectoryService,
  EmbeddedIngestService,
  ExternalIngestService,
  IngestMetrics,
  IngestPipelineService,
  IngestService,
  IngestWriterService,
];
