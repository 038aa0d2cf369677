import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { NestFactory } from '@nestjs/core';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import type { Logger } from 'pino';
import { AppModule } from './app.module.js';
import type { AppConfig } from './config/app.config.js';
import { type RunningDemo, startDemo } from './demo.js';
import { startControlServer } from './embedded/control-server.js';
import { DataDirLock } from './embedded/data-dir-lock.js';
import { createEmbeddedBroker } from './embedded/embedded-broker.js';
import { startEmbeddedDatabase } from './embedded/embedded-database.js';
import { startEmbeddedRedis } from './embedded/embedded-redis.js';
import { resolveSigningSecret } from './embedded/signing-secret.js';
import { LiveIoAdapter } from './gateways/live-io.adapter.js';
import { hardenHttp } from './middleware/http-hardening.js';
import { serveOpenApi } from './openapi.js';
import { describeError } from './domain/error-status.js';
import { redactUrl } from './domain/urls.js';
import { BrokerRepository } from './repositories/broker.repository.js';
import { DatabaseRepository, type Dialect } from './repositories/database.repository.js';
import { RedisRepository } from './repositories/redis.repository.js';
import { IngestPipelineService } from './services/ingest-pipeline.service.js';
import { MigrationService } from './services/migration.service.js';
import { OperatorService } from './services/operator.service.js';
import { RetentionService } from './services/retention.service.js';

export interface Platform {
  app: NestExpressApplication;
  /** Addresses as a user would type them. */
  urls: { http: string; broker: string };
  dialect: Dialect;
  embedded: { database: boolean; redis: boolean; broker: boolean };
  /** Set when the embedded broker could not take its default port. */
  brokerMovedFrom?: number;
  /** The demo ward and its simulated homes, when VIGIL_DEMO runs them. */
  demo?: Omit<RunningDemo, 'stop'>;
  /** Stops accepting work, flushes what is pending, closes everything. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Brings up Vigil: each of database, Redis and MQTT broker is the configured service, or an
 * embedded one when its URL is unset (PGlite + TimescaleDB, a redis-server child, aedes).
 */
export async function startPlatform(given: AppConfig, logger: Logger): Promise<Platform> {
  const config = resolveSigningSecret(given);
  const teardown: Array<() => unknown> = []; // a step may return a promise: it is awaited
  const stop = async () => {
    while (teardown.length) {
      const step = teardown.pop()!;
      try {
        await step();
      } catch (error) {
        logger.warn({ err: error }, 'error while stopping');
      }
    }
  };

  try {
    const embedded = { database: !config.database.url, redis: !config.redis.url, broker: !config.mqtt.url };

    // The broker's port is settled first: a taken VIGIL_MQTT_PORT fails in a moment, not after the database.
    const embeddedBroker = embedded.broker ? await createEmbeddedBroker(config.mqtt.embeddedPort, config.mqtt.embeddedPortExplicit) : undefined;
    if (embeddedBroker) teardown.push(() => embeddedBroker.stop());

    let databaseUrl = config.database.url;
    let lock: DataDirLock | undefined;
    if (!databaseUrl) {
      lock = await DataDirLock.acquire(config.dataDir, 'server', 30_000);
      teardown.push(() => lock!.release());
      const started = Date.now();
      const database = await startEmbeddedDatabase(config.dataDir);
      teardown.push(() => database.stop());
      databaseUrl = database.url;
      logger.info({ dataDir: config.dataDir, ms: Date.now() - started }, 'embedded PGlite with TimescaleDB started');
    }
    // PGlite is one backend: one connection, so transactions never interleave on it.
    const db = DatabaseRepository.connect(databaseUrl, embedded.database ? { max: 1 } : { max: 10, statementTimeoutMs: 60_000 });
    teardown.push(() => db.close());
    const { dialect, version, timescaledb } = await db.detectDialect(config.database.dialect);
    logger.info({ dialect, postgres: version, timescaledb }, `database dialect: ${dialect}`);

    let redisUrl = config.redis.url;
    if (!redisUrl) {
      const redisServer = await startEmbeddedRedis(config.dataDir);
      teardown.push(() => redisServer.stop());
      redisUrl = redisServer.url;
      logger.info({ url: redisUrl }, 'embedded redis-server started');
    }
    const redis = new RedisRepository(redisUrl);
    teardown.push(() => redis.close());

    const broker = new BrokerRepository(embeddedBroker?.url ?? config.mqtt.url!, embeddedBroker?.aedes);

    const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot({ config, logger, db, redis, broker }), {
      bufferLogs: true,
      bodyParser: false, // hardenHttp installs the only one, with a size limit
    });
    app.useLogger(app.get(NestPinoLogger));
    teardown.push(() => app.close());
    app.useWebSocketAdapter(new LiveIoAdapter(app, config));
    hardenHttp(app, config);
    serveOpenApi(app);
    serveDashboard(app, logger);

    const applied = await app.get(MigrationService).migrate(dialect);
    if (applied.length) logger.info({ applied }, `applied ${applied.length} migration(s)`);
    await app.get(RetentionService).apply();
    // Broker hooks go in before the embedded broker opens its port; with an external broker, consuming starts here.
    await app.get(IngestPipelineService).start();

    if (embeddedBroker) {
      await embeddedBroker.listen();
      if (embeddedBroker.movedFrom) {
        logger.warn(`MQTT port ${embeddedBroker.movedFrom} is taken (another broker?); the embedded broker uses ${embeddedBroker.port}`);
      }
    }

    await app.listen(config.port);

    if (lock) {
      const operator = app.get(OperatorService);
      const control = await startControlServer((command, args) => operator.execute(command, args), describeError);
      teardown.push(() => control.stop());
      lock.publish({ port: control.port, token: control.token }, embeddedBroker?.url);
    }

    // Only with the embedded database unless asked: a real installation is not a demo.
    const demo = config.demo && (embedded.database || config.demoExplicit) ? await startDemo(app, config, logger, broker.url) : undefined;
    if (demo) teardown.push(() => demo.stop()); // first to stop: the devices leave before the broker goes

    let stopped: Promise<void> | undefined;
    return {
      app,
      urls: { http: config.publicUrl, broker: embeddedBroker?.url ?? redactUrl(config.mqtt.url!) },
      dialect,
      embedded,
      brokerMovedFrom: embeddedBroker?.movedFrom,
      demo,
      stop: () => (stopped ??= stop()),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

const DASHBOARD_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dashboard/dist');

/** The built Svelte dashboard, served at / (`npm run build` produces it). */
function serveDashboard(app: NestExpressApplication, logger: Logger): void {
  if (!fs.existsSync(path.join(DASHBOARD_DIST, 'index.html'))) {
    logger.warn(`the dashboard is not built (${DASHBOARD_DIST}); run npm run build`);
    return;
  }
  app.useStaticAssets(DASHBOARD_DIST, { index: 'index.html', maxAge: '1h', setHeaders: noCacheForIndex });
  // The dashboard routes on real URLs (/patients/{id}): a browser asking for such a page gets the
  // app, which then renders the route. API, FHIR, socket.io and metrics paths never get it.
  const index = path.join(DASHBOARD_DIST, 'index.html');
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' || !DASHBOARD_ROUTE.test(req.path) || !req.accepts('html')) return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
}

/** Client-side routes of the dashboard (dashboard/src/lib/state/router.svelte.ts). */
const DASHBOARD_ROUTE = /^\/(sign-in|patients\/[^/]+|alerts(\/[^/]+)?|settings\/notifications|results|admin(\/[^/]+)?)\/?$/;

// Files with a fixed name that must not be kept stale: the page, the service worker (a stale
// one keeps old notification handling) and the web app manifest. Hashed assets may be cached.
const NO_CACHE_FILES = ['index.html', 'sw.js', 'manifest.webmanifest'];

function noCacheForIndex(res: { setHeader(name: string, value: string): void }, file: string): void {
  if (NO_CACHE_FILES.includes(path.basename(file))) res.setHeader('Cache-Control', 'no-cache');
}
