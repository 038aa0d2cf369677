import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { DIALECT_CHOICES, type DialectChoice } from '../domain/dialect.js';
import { redactUrl } from '../domain/urls.js';

/**
 * The one place that reads the environment. `loadConfig(process.env)` runs once at boot;
 * everything else receives the typed result through dependency injection.
 */

const port = (fallback: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'expected a whole number between 1 and 65535')
    .transform(Number)
    .pipe(z.number().int().min(1, 'expected a port between 1 and 65535').max(65535, 'expected a port between 1 and 65535'))
    .optional()
    .default(fallback);

const positiveInt = (fallback: number, unit: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `expected a whole number of ${unit}`)
    .transform(Number)
    .pipe(z.number().int().positive(`expected a positive number of ${unit}`))
    .optional()
    .default(fallback);

const url = (protocols: string[], example: string) =>
  z
    .string()
    .trim()
    .refine((value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    }, `expected a URL like ${example}`)
    .optional();

const flag = (fallback: boolean) =>
  z
    .enum(['1', '0', 'true', 'false', 'on', 'off', 'yes', 'no'], { error: 'expected on or off' })
    .transform((value) => ['1', 'true', 'on', 'yes'].includes(value))
    .optional()
    .default(fallback);

const envSchema = z.object({
  PORT: port(3000),
  DATABASE_URL: url(['postgres:', 'postgresql:'], 'postgres://user:password@host:5432/vigil'),
  REDIS_URL: url(['redis:', 'rediss:'], 'redis://host:6379'),
  MQTT_URL: url(['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'ws:', 'wss:'], 'mqtt://host:1883'),
  DATA_DIR: z.string().trim().min(1, 'expected a folder path').optional().default('./data'),
  VIGIL_MQTT_PORT: port(1883),
  VIGIL_DIALECT: z.enum(DIALECT_CHOICES, { error: 'expected auto, timescaledb or postgresql' }).optional().default('auto'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty'], { error: 'expected auto, json or pretty' }).optional().default('auto'),
  NODE_ENV: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional().default('info'),
  // Security (docs/security.md): token signing key, browser origins, proxy trust, lockout period.
  VIGIL_SECRET: z
    .string()
    .min(32, 'expected at least 32 characters (e.g. openssl rand -base64 48)')
    .refine((value) => !value.startsWith('change-me'), 'replace the example value with a random one (e.g. openssl rand -base64 48)')
    .optional(),
  VIGIL_CORS_ORIGINS: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url({ protocol: /^https?$/, error: 'expected comma-separated origins like https://dashboard.example.org' })))
    .optional()
    .default([]),
  VIGIL_TRUST_PROXY: z
    .string()
    .trim()
    .regex(/^(off|loopback|\d{1,2})$/, 'expected off, loopback, or the number of proxy hops in front of the server')
    .transform((value): false | number | 'loopback' => (value === 'off' ? false : value === 'loopback' ? value : Number(value)))
    .optional()
    .default(false),
  VIGIL_LOCKOUT_SECONDS: positiveInt(900, 'seconds'),
  VIGIL_RETENTION_DAYS: positiveInt(730, 'days'),
  VIGIL_DEMO: flag(true),
  // The demo's opening replay (docs/simulators.md): simulated seconds per real second; 1 starts it in real time.
  VIGIL_DEMO_SPEED: positiveInt(60, 'simulated seconds per second'),
  VIGIL_PUBLIC_URL: url(['http:', 'https:'], 'https://vigil.example.org'),
  // Ingest (docs/protocol.md): batch bounds, write concurrency, unacknowledged-message cap.
  VIGIL_INGEST_BATCH_ROWS: positiveInt(5000, 'rows'),
  VIGIL_INGEST_BATCH_MS: positiveInt(20, 'milliseconds'),
  VIGIL_INGEST_WRITERS: positiveInt(2, 'writers'),
  VIGIL_INGEST_MAX_IN_FLIGHT: positiveInt(10_000, 'messages').pipe(z.number().max(65_535, 'expected at most 65535 messages')),
  VIGIL_INGEST_COPY: flag(true),
  VIGIL_INGEST_STALL_SECONDS: positiveInt(60, 'seconds'),
  VIGIL_DEVICE_CACHE_SECONDS: positiveInt(60, 'seconds'),
  VIGIL_MQTT_CLIENT_ID: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'expected 1 to 64 letters, digits, or _ . : -')
    .optional(),
  VIGIL_BROKER_AUTH_TOKEN: z.string().trim().min(24, 'expected at least 24 characters (e.g. openssl rand -hex 24)').optional(),
  VIGIL_MQTT_CONSUMERS: positiveInt(1, 'connections').pipe(z.number().max(64, 'expected at most 64 connections')),
  VIGIL_MQTT_CANARY_SECONDS: positiveInt(5, 'seconds'),
  VIGIL_METRICS_TOKEN: z.string().trim().min(24, 'expected at least 24 characters (e.g. openssl rand -hex 24)').optional(),
  VIGIL_MQTT_SHARE_GROUP: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'expected 1 to 32 letters, digits, _ or -')
    .optional()
    .default('vigil'),
  VIGIL_MQTT_SUBSCRIPTION: z.enum(['shared', 'exclusive'], { error: 'expected shared or exclusive' }).optional().default('shared'),
  // Live stream (docs/architecture.md, "Live and alerts contract"): per-socket send bound, session re-check.
  VIGIL_LIVE_MAX_BUFFER_BYTES: positiveInt(1_048_576, 'bytes'),
  VIGIL_LIVE_SESSION_CHECK_SECONDS: positiveInt(30, 'seconds'),
  VIGIL_LIVE_PING_INTERVAL_SECONDS: positiveInt(10, 'seconds'),
  VIGIL_LIVE_PING_TIMEOUT_SECONDS: positiveInt(5, 'seconds'),
  // Alerts (docs/alerts.md): workers in this process, the rule sweep, webhook retries, Web Push keys, NEWS2 freshness.
  VIGIL_WORKERS: flag(true),
  VIGIL_QUEUE_PREFIX: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9{}:._-]{1,100}$/, 'expected 1 to 100 letters, digits or {}:._- (e.g. {vigil-ward-3})')
    .optional(),
  VIGIL_ALERT_SWEEP_MS: positiveInt(5000, 'milliseconds'),
  VIGIL_WEBHOOK_ATTEMPTS: positiveInt(6, 'attempts').pipe(z.number().max(20, 'expected at most 20 attempts')),
  VIGIL_WEBHOOK_BACKOFF_MS: positiveInt(2000, 'milliseconds'),
  VIGIL_NEWS2_FRESH_SECONDS: positiveInt(24 * 60 * 60, 'seconds'),
  VIGIL_VAPID_PUBLIC_KEY: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{80,100}$/, 'expected a base64url P-256 public key (npx web-push generate-vapid-keys)')
    .optional(),
  VIGIL_VAPID_PRIVATE_KEY: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{40,50}$/, 'expected a base64url P-256 private key (npx web-push generate-vapid-keys)')
    .optional(),
  VIGIL_VAPID_SUBJECT: z
    .string()
    .trim()
    .regex(/^(mailto:|https:)/, 'expected mailto:someone@example.org or an https: URL')
    .optional(),
});

/** Every environment variable the server reads (deployment files are checked against it). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

const SECRET_VARIABLES = new Set(['VIGIL_SECRET', 'VIGIL_BROKER_AUTH_TOKEN', 'VIGIL_METRICS_TOKEN', 'VIGIL_VAPID_PRIVATE_KEY']);

/**
 * A bad value as the start-up error shows it, with no secret in it: anything that parses as a
 * URL without its password (a database or broker URL with the wrong scheme still carries one);
 * a named secret, and what a URL variable holds that does not parse, by its length only.
 * Without a host a URL cannot be told apart from credentials: `user:password@host` (the
 * scheme forgotten) parses with `user` as its scheme.
 */
function shown(name: string, value: string): string {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (!SECRET_VARIABLES.has(name) && url?.host) return JSON.stringify(redactUrl(value));
  if (SECRET_VARIABLES.has(name) || url || name.endsWith('_URL')) return `${value.length} characters`;
  return JSON.stringify(value);
}

export type LogLevel = z.infer<typeof envSchema>['LOG_LEVEL'];

export interface AppConfig {
  /** HTTP port of the API, dashboard and socket.io. */
  port: number;
  /** Absolute path of the folder for embedded data (PGlite, Redis) and run files. */
  dataDir: string;
  logLevel: LogLevel;
  /** LOG_FORMAT, and whether NODE_ENV is production (which keeps `auto` on JSON). */
  log: { format: 'auto' | 'json' | 'pretty'; production: boolean };
  /** Browser-facing HTTP: allowed cross-origin callers and how many proxies to trust for the client address. */
  http: { corsOrigins: string[]; trustProxy: false | number | 'loopback' };
  auth: {
    /** Key that signs access tokens; the platform fills it from DATA_DIR in embedded mode when unset. */
    secret?: string;
    /** How long an account stays locked after repeated failed sign-in attempts. */
    lockoutSeconds: number;
  };
  /** `dialect`: VIGIL_DIALECT, the operator's choice of TimescaleDB or plain PostgreSQL (`auto`: TimescaleDB when installed). */
  database: { url?: string; dialect: DialectChoice };
  redis: { url?: string };
  mqtt: {
    url?: string;
    /** Port of the embedded aedes broker, and whether the operator chose it explicitly. */
    embeddedPort: number;
    embeddedPortExplicit: boolean;
    /** External broker: the server's persistent-session client id (one per instance) and shared-subscription group. */
    clientId: string;
    shareGroup: string;
    /** Connections each instance consumes through, all in the group (the first under clientId, then clientId-2, …). */
    consumers: number;
    /**
     * `shared`: every instance consumes through its own sessions in `$share/<shareGroup>/…`.
     * `exclusive`: one session of the group (`exclusiveClientId`) with plain subscriptions, which
     * Mosquitto 2.0 keeps across its restart; the instance holding the group's lease consumes.
     */
    subscription: 'shared' | 'exclusive';
    /** The exclusive session's client id: `<shareGroup>-ingest`, the same on every instance of the group. */
    exclusiveClientId: string;
    /** Each instance publishes an ingest canary this often (domain/canary.ts). */
    canaryMs: number;
  };
  /** Shared secret an external broker (EMQX) presents to /api/broker/*; unset = those endpoints are off. */
  brokerAuthToken?: string;
  /** Bearer token Prometheus must present to /metrics; unset = /metrics is open (restrict it in the proxy). */
  metricsToken?: string;
  ingest: {
    /** A batch is written when it holds this many rows ... */
    batchRows: number;
    /** ... or when its first message is this old. */
    batchMs: number;
    /** Batches written concurrently (1 on the embedded PGlite, which is one backend). */
    writers: number;
    /** Messages held unacknowledged at most (MQTT 5 Receive Maximum towards an external broker). */
    maxInFlight: number;
    /** Write readings by an optimistic COPY on an external database (off: INSERT … ON CONFLICT only). */
    copy: boolean;
    /** How long a device's credentials and patient link are cached (changes also invalidate at once). */
    deviceCacheSeconds: number;
    /** /api/ready is degraded when no ingest write has committed for this long while messages wait. */
    stallSeconds: number;
  };
  live: {
    /** A socket holding more than this many bytes unsent is behind: it is told to resync instead of queueing more. */
    maxBufferBytes: number;
    /** How often connected sockets' sessions are checked (a revoked session's sockets are disconnected). */
    sessionCheckSeconds: number;
    /**
     * socket.io heartbeat: the server pings each socket this often and drops one that has not
     * answered within the timeout; the client, told both in the handshake, shows itself
     * disconnected when no ping arrives within their sum (a half-open network).
     */
    pingIntervalSeconds: number;
    pingTimeoutSeconds: number;
  };
  retentionDays: number;
  alerts: {
    /** Run the BullMQ workers (delivery, escalation) in this process; `npm run worker` runs them alone. */
    workers: boolean;
    /** Redis key prefix of the BullMQ queue; unset: one named by the installation id (docs/operations.md). */
    queuePrefix?: string;
    /** How often due graces and no-data are checked. */
    sweepMs: number;
    webhookAttempts: number;
    webhookBackoffMs: number;
    /** A NEWS2 parameter counts when its latest value is at most this old (stale = missing). */
    news2FreshSeconds: number;
    /** Web Push (VAPID, RFC 8292); off unless both keys are set. */
    vapid?: { publicKey: string; privateKey: string; subject: string };
  };
  /** Seed a demo ward and run its simulated devices when the database is new (embedded mode). */
  demo: boolean;
  /** VIGIL_DEMO was set: `on` then runs the demo with DATABASE_URL too. */
  demoExplicit: boolean;
  /** How fast the demo replays the simulated time before its start (1: no replay, real time from the start). */
  demoSpeed: number;
  /** Address printed for the dashboard; defaults to http://localhost:PORT. */
  publicUrl: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws ConfigError with one line per bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()): AppConfig {
  // An empty variable counts as unset, as operators expect from `FOO= npm start`.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      return `${name}: ${issue.message} (got ${shown(name, String(env[name]))})`;
    });
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  if (e.VIGIL_MQTT_SUBSCRIPTION === 'exclusive' && e.VIGIL_MQTT_CONSUMERS > 1) {
    throw new ConfigError([
      `VIGIL_MQTT_CONSUMERS: expected 1 with VIGIL_MQTT_SUBSCRIPTION exclusive, where one session takes every message (got ${e.VIGIL_MQTT_CONSUMERS})`,
    ]);
  }
  return {
    port: e.PORT,
    dataDir: path.resolve(cwd, e.DATA_DIR),
    logLevel: e.LOG_LEVEL,
    log: { format: e.LOG_FORMAT, production: e.NODE_ENV === 'production' },
    http: { corsOrigins: e.VIGIL_CORS_ORIGINS, trustProxy: e.VIGIL_TRUST_PROXY },
    auth: { secret: e.VIGIL_SECRET, lockoutSeconds: e.VIGIL_LOCKOUT_SECONDS },
    database: { url: e.DATABASE_URL, dialect: e.VIGIL_DIALECT },
    redis: { url: e.REDIS_URL },
    mqtt: {
      url: e.MQTT_URL,
      embeddedPort: e.VIGIL_MQTT_PORT,
      embeddedPortExplicit: present.VIGIL_MQTT_PORT !== undefined,
      clientId:
        e.VIGIL_MQTT_CLIENT_ID ??
        `vigil-${os
          .hostname()
          .replace(/[^A-Za-z0-9_.:-]/g, '-')
          .slice(0, 50)}`,
      shareGroup: e.VIGIL_MQTT_SHARE_GROUP,
      consumers: e.VIGIL_MQTT_CONSUMERS,
      subscription: e.VIGIL_MQTT_SUBSCRIPTION,
      exclusiveClientId: `${e.VIGIL_MQTT_SHARE_GROUP}-ingest`,
      canaryMs: e.VIGIL_MQTT_CANARY_SECONDS * 1000,
    },
    brokerAuthToken: e.VIGIL_BROKER_AUTH_TOKEN,
    metricsToken: e.VIGIL_METRICS_TOKEN,
    ingest: {
      batchRows: e.VIGIL_INGEST_BATCH_ROWS,
      batchMs: e.VIGIL_INGEST_BATCH_MS,
      writers: e.VIGIL_INGEST_WRITERS,
      maxInFlight: e.VIGIL_INGEST_MAX_IN_FLIGHT,
      copy: e.VIGIL_INGEST_COPY,
      deviceCacheSeconds: e.VIGIL_DEVICE_CACHE_SECONDS,
      stallSeconds: e.VIGIL_INGEST_STALL_SECONDS,
    },
    live: {
      maxBufferBytes: e.VIGIL_LIVE_MAX_BUFFER_BYTES,
      sessionCheckSeconds: e.VIGIL_LIVE_SESSION_CHECK_SECONDS,
      pingIntervalSeconds: e.VIGIL_LIVE_PING_INTERVAL_SECONDS,
      pingTimeoutSeconds: e.VIGIL_LIVE_PING_TIMEOUT_SECONDS,
    },
    retentionDays: e.VIGIL_RETENTION_DAYS,
    alerts: {
      workers: e.VIGIL_WORKERS,
      queuePrefix: e.VIGIL_QUEUE_PREFIX,
      sweepMs: e.VIGIL_ALERT_SWEEP_MS,
      webhookAttempts: e.VIGIL_WEBHOOK_ATTEMPTS,
      webhookBackoffMs: e.VIGIL_WEBHOOK_BACKOFF_MS,
      news2FreshSeconds: e.VIGIL_NEWS2_FRESH_SECONDS,
      vapid:
        e.VIGIL_VAPID_PUBLIC_KEY && e.VIGIL_VAPID_PRIVATE_KEY
          ? { publicKey: e.VIGIL_VAPID_PUBLIC_KEY, privateKey: e.VIGIL_VAPID_PRIVATE_KEY, subject: e.VIGIL_VAPID_SUBJECT ?? 'mailto:alerts@vigil.invalid' }
          : undefined,
    },
    demo: e.VIGIL_DEMO,
    demoExplicit: present.VIGIL_DEMO !== undefined,
    demoSpeed: e.VIGIL_DEMO_SPEED,
    publicUrl: e.VIGIL_PUBLIC_URL ?? `http://localhost:${e.PORT}`,
  };
}

/** Injection token for the AppConfig object. */
export const APP_CONFIG = Symbol('AppConfig');
