import { AlertSettingsRepository } from './alert-settings.repository.js';
import { AlertStatsRepository } from './alert-stats.repository.js';
import { AlertRepository } from './alert.repository.js';
import { AuditRepository } from './audit.repository.js';
import { CanaryRepository } from './canary.repository.js';
import { ClockRepository } from './clock.repository.js';
import { CryptoRepository } from './crypto.repository.js';
import { DeadLetterRepository } from './dead-letter.repository.js';
import { DeliveryRepository } from './delivery.repository.js';
import { DemoWardRepository } from './demo-ward.repository.js';
import { DeviceChangeRepository } from './device-change.repository.js';
import { DeviceEventRepository } from './device-event.repository.js';
import { DeviceRepository } from './device.repository.js';
import { EventBusRepository } from './event-bus.repository.js';
import { HealthRepository } from './health.repository.js';
import { LiveRepository } from './live.repository.js';
import { InstallationRepository } from './installation.repository.js';
import { JobRepository } from './job.repository.js';
import { MfaChallengeRepository } from './mfa-challenge.repository.js';
import { MigrationRepository } from './migration.repository.js';
import { MqttConsumerRepository } from './mqtt-consumer.repository.js';
import { MqttEmbeddedRepository } from './mqtt-embedded.repository.js';
import { OverviewRepository } from './overview.repository.js';
import { PatientRepository } from './patient.repository.js';
import { PushRepository } from './push.repository.js';
import { RateLimitRepository } from './rate-limit.repository.js';
import { ReadingRepository } from './reading.repository.js';
import { RecoveryCodeRepository } from './recovery-code.repository.js';
import { RuleStateRepository } from './rule-state.repository.js';
import { SessionRepository } from './session.repository.js';
import { StorageRepository } from './storage.repository.js';
import { TeamRepository } from './team.repository.js';
import { ThresholdRepository } from './threshold.repository.js';
import { TokenRepository } from './token.repository.js';
import { UserRepository } from './user.repository.js';
import { WebhookRepository } from './webhook.repository.js';

/** Repositories that need only the database and the config (the CLI and the server both use them). */
export const CORE_REPOSITORIES = [
  AlertRepository,
  AlertSettingsRepository,
  AlertStatsRepository,
  AuditRepository,
  ClockRepository,
  CryptoRepository,
  DeadLetterRepository,
  DeliveryRepository,
  DemoWardRepository,
  DeviceEventRepository,
  DeviceRepository,
  EventBusRepository,
  HealthRepository,
  InstallationRepository,
  MigrationRepository,
  OverviewRepository,
  PatientRepository,
  PushRepository,
  ReadingRepository,
  RecoveryCodeRepository,
  RuleStateRepository,
  SessionRepository,
  StorageRepository,
  TeamRepository,
  ThresholdRepository,
  UserRepository,
  WebhookRepository,
];

/** Alert jobs on BullMQ (server and worker: they need Redis). */
export const ALERT_REPOSITORIES = [JobRepository];

/** Ingest repositories that need Redis or the MQTT broker (server only). */
export const INGEST_REPOSITORIES = [CanaryRepository, DeviceChangeRepository, MqttConsumerRepository, MqttEmbeddedRepository];

/** Sign-in state that needs Redis or the signing key (server only). */
export const SECURITY_REPOSITORIES = [MfaChallengeRepository, RateLimitRepository, TokenRepository];

/** socket.io (the gateway's server with the Redis adapter, or the Redis emitter): server and workers. */
export const LIVE_REPOSITORIES = [LiveRepository];
