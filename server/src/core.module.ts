import { type DynamicModule, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from './config/app.config.js';
import { DatabaseRepository } from './repositories/database.repository.js';
import { CORE_REPOSITORIES } from './repositories/index.js';
import { CORE_SERVICES } from './services/index.js';

/** Config, database, and everything that needs only those: what the operator CLI loads. */
@Module({})
export class CoreModule {
  static forRoot(config: AppConfig, db: DatabaseRepository): DynamicModule {
    const providers = [{ provide: APP_CONFIG, useValue: config }, { provide: DatabaseRepository, useValue: db }, ...CORE_REPOSITORIES, ...CORE_SERVICES];
    return { module: CoreModule, global: true, providers, exports: providers.map((p) => ('provide' in p ? p.provide : p)) };
  }
}
