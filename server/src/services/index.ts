import { AccessService } from './access.service.js';
import { AlertConfigService } from './alert-config.service.js';
import { AlertRuleService } from './alert-rule.service.js';
import { AlertStatsService } from './alert-stats.service.js';
import { AlertService } from './alert.service.js';
import { AuditWriterService } from './audit-writer.service.js';
import { AuditService } from './audit.service.js';
import { AuthService } from './auth.service.js';
import { DeviceAdminService } from './device-admin.service.js';
import { BrokerAuthService } from './broker-auth.service.js';
import { BrokerWatchService } from './broker-watch.service.js';
import { DeliveryService } from './delivery.service.js';
import { DeviceDirectoryService } from './device-directory.service.js';
import { EnrolmentService } from './enrolment.service.js';
import { EscalationService } from './escalation.service.js';
import { FhirService } from './fhir.service.js';
import { HistoryService } from './history.service.js';
import { IngestMetrics } from './ingest-metrics.js';
import { EmbeddedIngestService } from './embedded-ingest.service.js';
import { ExternalIngestService } from './external-ingest.service.js';
import { IngestPipelineService } from './ingest-pipeline.service.js';
import { IngestWriterService } from './ingest-writer.service.js';
import { IngestService } from './ingest.service.js';
import { JobService } from './job.service.js';
import { LiveEventsService } from './live-events.service.js';
import { LiveMetrics } from './live-metrics.js';
import { LiveOverviewService } from './live-overview.service.js';
import { LiveStreamService } from './live-stream.service.js';
import { LiveService } from './live.service.js';
import { LockoutService } from './lockout.service.js';
import { RefusalAuditService } from './refusal-audit.service.js';
import { MigrationService } from './migration.service.js';
import { MosquittoExportService } from './mosquitto-export.service.js';
import { OperatorService } from './operator.service.js';
import { OverviewService } from './overview.service.js';
import { PatientAdminService } from './patient-admin.service.js';
import { PatientService } from './patient.service.js';
import { ProvisioningCheckService } from './provisioning-check.service.js';
import { PushService } from './push.service.js';
import { RetentionService } from './retention.service.js';
import { RuleTriageService } from './rule-triage.service.js';
import { SeedService } from './seed.service.js';
import { SessionRetireService } from './session-retire.service.js';
import { SessionService } from './session.service.js';
import { StatusService } from './status.service.js';
import { TeamAdminService } from './team-admin.service.js';
import { UserAdminService } from './user-admin.service.js';

/** Services that need only the database (the CLI and the server both use them). */
export const CORE_SERVICES = [
  AccessService,
  AlertConfigService,
  AuditService,
  AuditWriterService,
  DeviceAdminService,
  HistoryService,
  MigrationService,
  MosquittoExportService,
  OperatorService,
  PatientAdminService,
  ProvisioningCheckService,
  RetentionService,
  SeedService,
  StatusService,
  TeamAdminService,
  UserAdminService,
];

/** Alerts: rules on stored batches, the lifecycle, delivery and escalation jobs (they need Redis for BullMQ). */
export const ALERT_SERVICES = [
  AlertRuleService,
  AlertService,
  AlertStatsService,
  DeliveryService,
  EscalationService,
  JobService,
  PushService,
  RuleTriageService,
];

/** Device ingest: MQTT intake, validation, batching and writing (server only; see ingest-pipeline.service.ts). */
export const INGEST_SERVICES = [
  BrokerAuthService,
  BrokerWatchService,
  DeviceDirectoryService,
  EmbeddedIngestService,
  ExternalIngestService,
  IngestMetrics,
  IngestPipelineService,
  IngestService,
  IngestWriterService,
  SessionRetireService,
];

/** Sign-in, sessions and the patient routes (server only: they need Redis or the signing key). */
export const SECURITY_SERVICES = [
  AuthService,
  EnrolmentService,
  FhirService,
  LockoutService,
  OverviewService,
  PatientService,
  RefusalAuditService,
  SessionService,
];

/** The live stream to socket.io clients (LiveEventsService alone also serves a worker process). */
export const LIVE_SERVICES = [LiveEventsService, LiveMetrics, LiveOverviewService, LiveService, LiveStreamService];
