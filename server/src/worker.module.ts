import { type DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from './config/app.config.js';
import { CoreModule } from './core.module.js';
import type { DatabaseRepository } from './repositories/database.repository.js';
import { ALERT_REPOSITORIES } from './repositories/index.js';
import { RedisRepository } from './repositories/redis.repository.js';
import { DeliveryService } from './services/delivery.service.js';
import { EscalationService } from './services/escalation.service.js';
import { JobService } from './services/job.service.js';

/** What `npm run worker` runs: the alert job handlers on the shared database and Redis, no HTTP, no ingest. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig, db: DatabaseRepository, redis: RedisRepository): DynamicModule {
    return {
      module: WorkerModule,
      imports: [CoreModule.forRoot(config, db)],
      providers: [{ provide: RedisRepository, useValue: redis }, ...ALERT_REPOSITORIES, DeliveryService, EscalationService, JobService],
    };
  }
}
