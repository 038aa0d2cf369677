import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import type { AppConfig } from './config/app.config.js';
import { BrokerAuthController } from './controllers/broker-auth.controller.js';
import { HealthController } from './controllers/health.controller.js';
import { SECURITY_CONTROLLERS } from './controllers/index.js';
import { MetricsController } from './controllers/metrics.controller.js';
import { CoreModule } from './core.module.js';
import { httpLogOptions } from './logger.js';
import { ErrorFilter } from './middleware/error.filter.js';
import { RefusalAuditInterceptor } from './middleware/refusal-audit.interceptor.js';
import { ResponseSchemaInterceptor } from './middleware/zod.js';
import { BrokerRepository } from './repositories/broker.repository.js';
import type { DatabaseRepository } from './repositories/database.repository.js';
import { INGEST_REPOSITORIES, SECURITY_REPOSITORIES } from './repositories/index.js';
import { MetricsRepository } from './repositories/metrics.repository.js';
import { RedisRepository } from './repositories/redis.repository.js';
import { INGEST_SERVICES, SECURITY_SERVICES } from './services/index.js';
import { ReadinessService } from './services/readiness.service.js';

/** The connections the platform opened before the application starts (see platform.ts). */
export interface AppConnections {
  config: AppConfig;
  logger: Logger;
  db: DatabaseRepository;
  redis: RedisRepository;
  broker: BrokerRepository;
}

@Module({})
export class AppModule {
  static forRoot({ config, logger, db, redis, broker }: AppConnections): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.forRoot(config, db), LoggerModule.forRoot({ pinoHttp: httpLogOptions(logger) }), TerminusModule],
      controllers: [HealthController, MetricsController, BrokerAuthController, ...SECURITY_CONTROLLERS],
      providers: [
        { provide: RedisRepository, useValue: redis },
        { provide: BrokerRepository, useValue: broker },
        MetricsRepository,
        ReadinessService,
        ...INGEST_REPOSITORIES,
        ...INGEST_SERVICES,
        ...SECURITY_REPOSITORIES,
        ...SECURITY_SERVICES,
        { provide: APP_INTERCEPTOR, useClass: ResponseSchemaInterceptor },
        { provide: APP_INTERCEPTOR, useClass: RefusalAuditInterceptor },
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    };
  }
}
