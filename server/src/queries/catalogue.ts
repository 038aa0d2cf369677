import { AlertSettingsRepository } from '../repositories/alert-settings.repository.js';
import { AlertStatsRepository } from '../repositories/alert-stats.repository.js';
import { AlertRepository } from '../repositories/alert.repository.js';
import { AuditRepository } from '../repositories/audit.repository.js';
import type { DatabaseRepository } from '../repositories/database.repository.js';
import { DeadLetterRepository } from '../repositories/dead-letter.repository.js';
import { DeliveryRepository } from '../repositories/delivery.repository.js';
import { DeviceEventRepository } from '../repositories/device-event.repository.js';
import { DeviceRepository } from '../repositories/device.repository.js';
import { HealthRepository } from '../repositories/health.repository.js';
import { InstallationRepository } from '../repositories/installation.repository.js';
import { MigrationRepository } from '../repositories/migration.repository.js';
import { OverviewRepository } from '../repositories/overview.repository.js';
import { PatientRepository } from '../repositories/patient.repository.js';
import { PushRepository } from '../repositories/push.repository.js';
import { ReadingRepository } from '../repositories/reading.repository.js';
import { RecoveryCodeRepository } from '../repositories/recovery-code.repository.js';
import { RuleStateRepository } from '../repositories/rule-state.repository.js';
import { SessionRepository } from '../repositories/session.repository.js';
import { RETAINED_TABLES, StorageRepository } from '../repositories/storage.repository.js';
import { TeamRepository } from '../repositories/team.repository.js';
import { ThresholdRepository } from '../repositories/threshold.repository.js';
import { UserRepository } from '../repositories/user.repository.js';
import { WebhookRepository } from '../repositories/webhook.repository.js';
import type { RecordingDatabase } from './record.js';

/**
 * The calls `npm run sql` makes on every method of every repository that queries the database,
 * to record the SQL it sends into server/src/queries/<Repository>.<method>[.<variant>].sql.
 * One call per method, or named variants where the SQL text depends on an argument; a string
 * instead says why the method sends no SQL. The compiler requires every public method to be
 * listed here, and the drift test every repository that takes the database.
 * The argument values do not matter (the SQL is parameterised), only the branch they take.
 */
type Call<R> = (repository: R, db: RecordingDatabase) => Promise<unknown>;
export type Entry<R> = Call<R> | { [variant: string]: Call<R> } | string;
type Methods<R> = { [K in keyof R as R[K] extends (...args: never[]) => unknown ? K : never]-?: Entry<R> };

export interface Catalogued<R = unknown> {
  repository: new (db: DatabaseRepository) => R;
  methods: Methods<R>;
}

const entry = <R>(repository: new (db: DatabaseRepository) => R, methods: Methods<R>): Catalogued => ({ repository, methods });

const ID = '00000000-0000-4000-8000-000000000001';
const T = new Date('2026-01-01T00:00:00Z');
const READING = { time: T, patientId: ID, deviceId: ID, metric: 'hr', value: 60 };
const THRESHOLD = { metric: 'hr', redLow: 40, yellowLow: 50, yellowHigh: 110, redHigh: 130, sustainedSeconds: 60, clearMargin: 2, clearAfterSeconds: 60 };
const KEY = { patientId: ID, kind: 'threshold' as const, metric: 'hr' };
const HASHES = { secretHash: 'x', mosquittoHash: 'y' };
const NO_MIGRATION_DB = null as unknown as DatabaseRepository;
// `load` only reads the migration files; each migration's statements are recorded as `apply` variants.
const MIGRATIONS = await new MigrationRepository(NO_MIGRATION_DB).load();

export const CATALOGUE: Catalogued[] = [
  entry(AlertRepository, {
    ofRetiredDevice: (r) => r.ofRetiredDevice(ID),
    raise: (r) => r.raise(KEY, { priority: 'high', value: 1, at: T }),
    unresolvedFor: (r) => r.unresolvedFor(KEY),
    offlineAlertDevices: (r) => r.offlineAlertDevices(ID),
    markConditionCleared: (r) => r.markConditionCleared(ID, T),
    resolveCleared: (r) => r.resolveCleared(ID, T),
    acknowledge: (r) => r.acknowledge(ID, ID, T),
    resolve: (r) => r.resolve(ID, ID, T, null),
    escalated: (r) => r.escalated(ID, 1, 0, T),
    planEscalation: (r) => r.planEscalation(ID, T),
    claimRealert: (r) => r.claimRealert(ID, T, 60),
    get: (r) => r.get(ID),
    list: (r) => r.list([ID], { limit: 10 }),
    unresolvedOf: (r) => r.unresolvedOf([ID]),
    addComment: (r) => r.addComment(ID, ID, 'x'),
    comments: (r) => r.comments(ID),
  }),
  entry(AlertSettingsRepository, {
    forTeam: (r) => r.forTeam(ID),
    update: (r) => r.update(ID, { realertSeconds: 60 }, ID),
    members: {
      role: (r) => r.members(ID, { role: 'clinician' }),
      user: (r) => r.members(ID, { userEmail: 'a@example.org' }),
    },
    roster: (r) => r.roster(ID),
    replaceRoster: (r) => r.replaceRoster(ID, [{ userId: ID, weekday: 1, fromMinute: 0, toMinute: 60 }]),
    devices: (r) => r.devices([ID]),
    devicesOfKinds: (r) => r.devicesOfKinds(['bed'], ['hr']),
    teamOfPatient: (r) => r.teamOfPatient(ID),
    addPassive: (r) => r.addPassive(ID, { startsAt: T, endsAt: null, reason: 'x' }, ID),
    endPassive: (r) => r.endPassive(ID, ID, T),
    passiveAt: (r) => r.passiveAt([ID], T),
  }),
  entry(AlertStatsRepository, {
    teamAlerts: (r) => r.teamAlerts(ID, T, T),
    teamReadings: (r) => r.teamReadings(ID, T, T),
    teamDeviceHoursOffline: (r) => r.teamDeviceHoursOffline(ID, T, T),
    teamNews2Peaks: (r) => r.teamNews2Peaks(ID, T, T),
    teamPatientCount: (r) => r.teamPatientCount(ID),
    news2Inputs: (r) => r.news2Inputs(ID, ['hr'], T, T, 60, 10),
  }),
  entry(AuditRepository, {
    append: (r) => r.append([{ actorId: ID, action: 'x' }]),
    query: {
      all: (r) => r.query({ limit: 10 }),
      patient: (r) => r.query({ patientId: ID, limit: 10 }),
    },
  }),
  entry(DeadLetterRepository, {
    insert: (r) => r.insert([{ receivedAt: T, topic: 'x', deviceId: null, reason: 'bad_json', detail: 'x', payloadExcerpt: new Uint8Array() }]),
    count: (r) => r.count(),
  }),
  entry(DeliveryRepository, {
    record: (r) => r.record([{ alertId: ID, level: 0, channel: 'in_app', recipient: 'x', attempt: 1, status: 'sent' }]),
    forAlert: (r) => r.forAlert(ID),
  }),
  entry(DeviceEventRepository, {
    insert: (r) => r.insert([{ time: T, patientId: ID, deviceId: ID, type: 'fall', data: {} }]),
    list: (r) => r.list(ID, T, T, 10),
  }),
  entry(DeviceRepository, {
    create: (r) => r.create({ patientId: ID, kind: 'bed', ...HASHES }),
    get: (r) => r.get(ID),
    activeLinks: (r) => r.activeLinks([ID]),
    count: (r) => r.count(),
    findCredentials: (r) => r.findCredentials(ID),
    applyStatuses: (r) => r.applyStatuses([{ deviceId: ID, online: true, receivedAt: T }]),
    markSeen: (r) => r.markSeen([{ deviceId: ID, at: T }]),
    list: (r) => r.list(),
    rotateSecret: (r) => r.rotateSecret(ID, HASHES),
    revoke: (r) => r.revoke(ID),
    mosquittoCredentials: (r) => r.mosquittoCredentials(),
    relink: (r) => r.relink(ID, ID),
    statusesWithPatient: (r) => r.statusesWithPatient([ID]),
  }),
  entry(HealthRepository, {
    pingDatabase: (r) => r.pingDatabase(),
  }),
  entry(InstallationRepository, {
    id: (r) => r.id(),
  }),
  entry(MigrationRepository, {
    load: 'reads the migration files; their statements are the variants of apply',
    withLock: (r) => r.withLock(() => Promise.resolve()),
    applied: (r, db) => r.applied(db),
    apply: Object.fromEntries(
      MIGRATIONS.map((migration): [string, Call<MigrationRepository>] => [migration.name, (r, db) => r.apply(db, migration, db.dialect)]),
    ),
  }),
  entry(OverviewRepository, {
    latestReadings: (r) => r.latestReadings([ID], ['hr'], 60, 60),
    devices: (r) => r.devices([ID]),
  }),
  entry(PatientRepository, {
    create: (r) => r.create({ name: 'x', teamId: ID, spo2Scale: 1 }),
    get: (r) => r.get(ID),
    existingInTeam: (r) => r.existingInTeam(ID, [ID]),
    teamsOf: (r) => r.teamsOf([ID]),
    count: (r) => r.count(),
    getForMember: (r) => r.getForMember(ID, ID),
    listForMember: (r) => r.listForMember(ID),
    list: (r) => r.list(),
    update: (r) => r.update(ID, { name: 'x' }),
  }),
  entry(PushRepository, {
    subscribe: (r) => r.subscribe(ID, { endpoint: 'x', p256dh: 'x', auth: 'x', label: 'x' }),
    devicesOf: (r) => r.devicesOf(ID),
    removeOwn: (r) => r.removeOwn(ID, ID),
    removeAllOf: (r) => r.removeAllOf(ID),
    activeOwner: (r) => r.activeOwner(ID, ID),
    forUsers: (r) => r.forUsers([ID]),
    get: (r) => r.get(ID),
    remove: (r) => r.remove(ID),
    send: 'sends to a push service over HTTPS',
  }),
  entry(ReadingRepository, {
    insertNew: (r) => r.insertNew([READING]),
    insertNewThen: (r) => r.insertNewThen([READING], () => Promise.resolve()),
    insertNewByCopy: {
      copy: (r) => r.insertNewByCopy([READING], () => Promise.resolve()),
      duplicate: (r, db) => {
        db.failNextCopy('23505');
        return r.insertNewByCopy([READING], () => Promise.resolve());
      },
    },
    raw: (r) => r.raw(ID, 'hr', T, T, 10),
    since: (r) => r.since(ID, T, 10),
    measurements: (r) => r.measurements(ID, ['hr'], 0, 1, 10),
    countMeasurements: (r) => r.countMeasurements(ID, ['hr'], 0, 1),
    measurement: (r) => r.measurement(ID, 'hr', 0),
    buckets: {
      raw: (r) => r.buckets(ID, 'hr', T, T, 'raw', 60_000),
      '1m': (r) => r.buckets(ID, 'hr', T, T, '1m', 60_000),
      '1h': (r) => r.buckets(ID, 'hr', T, T, '1h', 3_600_000),
    },
    count: (r) => r.count(),
  }),
  entry(RecoveryCodeRepository, {
    replace: (r) => r.replace(ID, ['x']),
    consume: (r) => r.consume(ID, 'x'),
    remaining: (r) => r.remaining(ID),
    removeAll: (r) => r.removeAll(ID),
  }),
  entry(RuleStateRepository, {
    lockPatient: (r, db) => r.lockPatient(ID, db),
    get: (r) => r.get(ID, ['x']),
    put: (r) => r.put(ID, [{ rule: 'x', state: {} }]),
    remove: (r) => r.remove(ID, ['x']),
    readingContexts: (r) => r.readingContexts([ID], ['hr'], T, 60),
    due: (r) => r.due(T),
    takeDue: (r, db) => r.takeDue(ID, 'x', T, db),
  }),
  entry(SessionRepository, {
    create: (r) => r.create({ userId: ID, lifetimeSeconds: 60 }),
    liveUser: (r) => r.liveUser(ID),
    liveAmong: (r) => r.liveAmong([ID]),
    addRefreshToken: (r) => r.addRefreshToken(ID, 'x'),
    consumeRefreshToken: (r) => r.consumeRefreshToken('x'),
    revokeByRefreshToken: (r) => r.revokeByRefreshToken('x', 'x'),
    revoke: (r) => r.revoke(ID, 'x'),
    pruneEnded: (r) => r.pruneEnded(),
    revokeAllForUser: (r) => r.revokeAllForUser(ID, 'x'),
  }),
  entry(StorageRepository, {
    retentionDays: (r) => r.retentionDays(),
    setRetention: (r) => r.setRetention('readings', 30),
    deleteOlderThan: Object.fromEntries(RETAINED_TABLES.map((table): [string, Call<StorageRepository>] => [table, (r) => r.deleteOlderThan(table, T, 10)])),
  }),
  entry(TeamRepository, {
    create: (r) => r.create('x'),
    get: (r) => r.get(ID),
    findByName: (r) => r.findByName('x'),
    list: (r) => r.list(),
    addMember: (r) => r.addMember(ID, ID),
    rename: (r) => r.rename(ID, 'x'),
    removeMember: (r) => r.removeMember(ID, ID),
    listForMember: (r) => r.listForMember(ID),
    membershipsOf: (r) => r.membershipsOf([ID]),
    memberIds: (r) => r.memberIds(ID),
  }),
  entry(ThresholdRepository, {
    list: {
      patient: (r) => r.list({ patientId: ID }),
      team: (r) => r.list({ teamId: ID }),
    },
    upsert: {
      patient: (r) => r.upsert({ patientId: ID }, THRESHOLD, ID),
      team: (r) => r.upsert({ teamId: ID }, THRESHOLD, ID),
    },
    remove: {
      patient: (r) => r.remove({ patientId: ID }, 'hr'),
      team: (r) => r.remove({ teamId: ID }, 'hr'),
    },
  }),
  entry(UserRepository, {
    create: (r) => r.create({ email: 'a@example.org', name: 'x', role: 'clinician', passwordHash: 'x', totpSecret: null }),
    findByEmail: (r) => r.findByEmail('a@example.org'),
    count: (r) => r.count(),
    get: (r) => r.get(ID),
    findCredentials: {
      email: (r) => r.findCredentials({ email: 'a@example.org' }),
      id: (r) => r.findCredentials({ id: ID }),
    },
    recordFailure: (r) => r.recordFailure(ID, 5, 60),
    clearFailures: (r) => r.clearFailures(ID),
    claimTotpStep: (r) => r.claimTotpStep(ID, 1),
    enrolTotp: (r) => r.enrolTotp(ID, 'x', 1),
    list: (r) => r.list(),
    update: (r) => r.update(ID, { name: 'x' }),
    setPasswordHash: (r) => r.setPasswordHash(ID, 'x'),
    resetTotp: (r) => r.resetTotp(ID),
    unlock: (r) => r.unlock(ID),
  }),
  entry(WebhookRepository, {
    create: (r) => r.create(ID, 'https://example.org', 'x'),
    forTeam: (r) => r.forTeam(ID),
    get: (r) => r.get(ID),
    remove: (r) => r.remove(ID, ID),
    post: 'POSTs to the webhook over HTTP',
  }),
];
