import { NestFactory } from '@nestjs/core';
import pino from 'pino';
import { AppModule } from '../app.module.js';
import type { AppConfig } from '../config/app.config.js';
import { UsageError } from '../config/operator-config.js';
import { CLI_ACTOR } from '../domain/actor.js';
import { createLogger } from '../logger.js';
import { BrokerRepository } from '../repositories/broker.repository.js';
import { DatabaseRepository } from '../repositories/database.repository.js';
import { RedisRepository } from '../repositories/redis.repository.js';
import { type RetiredSession, SessionRetireService } from '../services/session-retire.service.js';

/**
 * `vigil mqtt retire --client-id ID`: the server's ingest (device directory, validation, batch
 * writer) in this process, without HTTP and without a session of its own in the group, consuming
 * only the session being retired (SessionRetireService). Needs the production services:
 * DATABASE_URL, REDIS_URL and MQTT_URL, as the server has them. Logs go to standard error.
 */
export async function retireSession(config: AppConfig, clientId: string, quietMs: number): Promise<RetiredSession> {
  const missing = (['DATABASE_URL', 'REDIS_URL', 'MQTT_URL'] as const).filter(
    (name) => !{ DATABASE_URL: config.database.url, REDIS_URL: config.redis.url, MQTT_URL: config.mqtt.url }[name],
  );
  if (missing.length) throw new UsageError(`mqtt retire needs ${missing.join(', ')} (the server's own settings)`);
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, pino.destination(2));
  const db = DatabaseRepository.connect(config.database.url!, { max: 3, applicationName: 'vigil-retire' });
  const redis = new RedisRepository(config.redis.url!);
  try {
    await db.detectDialect();
    const app = await NestFactory.createApplicationContext(AppModule.forRoot({ config, logger, db, redis, broker: new BrokerRepository(config.mqtt.url!) }), {
      logger: false,
    });
    try {
      return await app.get(SessionRetireService).retire(CLI_ACTOR, clientId, quietMs);
    } finally {
      await app.close();
    }
  } finally {
    await redis.close();
    await db.close();
  }
}
