import { type DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from './config/app.config.js';
import { CoreModule } from './core.module.js';
import type { DatabaseRepository } from './repositories/database.repository.js';
import { ALERT_REPOSITORIES } from './repositories/index.js';
import { LiveRepository } from './repositories/live.repository.js';
import { RedisRepository } from './repositories/redis.repository.js';
import { TokenRepository } from './repositories/token.repository.js';
import { DeliveryService } from './services/delivery.service.js';
import { EscalationService } from './services/escalation.service.js';
import { JobService } from './services/job.service.js';
import { LiveEventsService } from './services/live-events.service.js';

/**
 * What `npm run worker` runs: the alert job handlers on the shared database and Redis, no HTTP, no
 * ingest; alert changes it makes (escalations) reach browsers through LiveEventsService, whose
 * LiveRepository emits through the Redis emitter when no socket server runs in the process.
 */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig, db: DatabaseRepository, redis: RedisRepository): DynamicModule {
    return {
      module: WorkerModule,
      imports: [CoreModule.forRoot(config, db)],
      providers: [
        { provide: RedisRepository, useValue: redis },
        ...ALERT_REPOSITORIES,
        TokenRepository,
        LiveRepository,
        LiveEventsService,
        DeliveryService,
        EscalationService,
        JobService,
      ],
    };
  }
}
