import { AuditRepository } from './audit.repository.js';
import { ClockRepository } from './clock.repository.js';
import { CryptoRepository } from './crypto.repository.js';
import { DeadLetterRepository } from './dead-letter.repository.js';
import { DemoWardRepository } from './demo-ward.repository.js';
import { DeviceChangeRepository } from './device-change.repository.js';
import { DeviceEventRepository } from './device-event.repository.js';
import { DeviceRepository } from './device.repository.js';
import { EventBusRepository } from './event-bus.repository.js';
import { InstallationRepository } from './installation.repository.js';
import { MfaChallengeRepository } from './mfa-challenge.repository.js';
import { MigrationRepository } from './migration.repository.js';
import { MqttConsumerRepository } from './mqtt-consumer.repository.js';
import { MqttEmbeddedRepository } from './mqtt-embedded.repository.js';
import { OverviewRepository } from './overview.repository.js';
import { PatientRepository } from './patient.repository.js';
import { RateLimitRepository } from './rate-limit.repository.js';
import { ReadingRepository } from './reading.repository.js';
import { RecoveryCodeRepository } from './recovery-code.repository.js';
import { SessionRepository } from './session.repository.js';
import { StorageRepository } from './storage.repository.js';
import { TeamRepository } from './team.repository.js';
import { TokenRepository } from './token.repository.js';
import { UserRepository } from './user.repository.js';

/** Repositories that need only the database and the config (the CLI and the server both use them). */
export const CORE_REPOSITORIES = [
  AuditRepository,
  ClockRepository,
  CryptoRepository,
  DeadLetterRepository,
  DemoWardRepository,
  DeviceEventRepository,
  DeviceRepository,
  EventBusRepository,
  InstallationRepository,
  MigrationRepository,
  OverviewRepository,
  PatientRepository,
  ReadingRepository,
  RecoveryCodeRepository,
  SessionRepository,
  StorageRepository,
  TeamRepository,
  UserRepository,
];

/** Ingest repositories that need Redis or the MQTT broker (server only). */
export const INGEST_REPOSITORIES = [DeviceChangeRepository, MqttConsumerRepository, MqttEmbeddedRepository];

/** Sign-in state that needs Redis or the signing key (server only). */
export const SECURITY_REPOSITORIES = [MfaChallengeRepository, RateLimitRepository, TokenRepository];
