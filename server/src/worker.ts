import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadConfig } from './config/app.config.js';
import { createLogger } from './logger.js';
import { DatabaseRepository } from './repositories/database.repository.js';
import { RedisRepository } from './repositories/redis.repository.js';
import { JobService } from './services/job.service.js';
import { WorkerModule } from './worker.module.js';

/**
 * `npm run worker`: the alert delivery and escalation workers as their own process, on the
 * same DATABASE_URL and REDIS_URL as the servers. BullMQ hands each job to one worker, so
 * running it beside servers that also run workers delivers nothing twice.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) process.stderr.write(`vigil worker: configuration error: ${problem}\n`);
    process.exit(78);
  }
  if (!config.database.url || !config.redis.url) {
    process.stderr.write('vigil worker: set DATABASE_URL and REDIS_URL to those of the servers (the embedded database belongs to the server process)\n');
    process.exit(78);
  }
  if (!config.auth.secret) {
    process.stderr.write("vigil worker: set VIGIL_SECRET to the servers' value (it signs the Acknowledge action of push notifications)\n");
    process.exit(78);
  }
  const logger = createLogger(config.logLevel);
  const db = DatabaseRepository.connect(config.database.url, { max: 4, applicationName: 'vigil-worker', statementTimeoutMs: 60_000 });
  await db.detectDialect();
  const redis = new RedisRepository(config.redis.url);
  // The handlers are resolved (and a missing one fails the start) before the worker takes jobs.
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot({ ...config, alerts: { ...config.alerts, workers: true } }, db, redis), {
    logger: false,
  });
  await app.init();
  logger.info({ handlers: [...app.get(JobService).resolveHandlers().keys()] }, 'vigil worker started');
  process.stderr.write('vigil worker: delivering alerts (Ctrl+C stops)\n');

  const stop = async () => {
    await app.close();
    await redis.close();
    await db.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

void main();
