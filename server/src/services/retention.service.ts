import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { DatabaseRepository } from '../repositories/database.repository.js';
import { StorageRepository } from '../repositories/storage.repository.js';

const PLAIN_SWEEP_MS = 60 * 60 * 1000;

/**
 * Keeps readings for VIGIL_RETENTION_DAYS. TimescaleDB drops whole chunks through its
 * retention policy (reconciled with the config at start-up); plain PostgreSQL gets an hourly
 * delete, which any number of instances may run (it is idempotent).
 */
@Injectable()
export class RetentionService implements OnApplicationShutdown {
  private readonly logger = new Logger('RetentionService');
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: DatabaseRepository,
    private readonly storage: StorageRepository,
  ) {}

  async apply(): Promise<void> {
    const days = this.config.retentionDays;
    if (this.db.dialect === 'timescaledb') {
      if ((await this.storage.retentionDays()) !== days) {
        await this.storage.setRetention(days);
        this.logger.log(`retention policy: readings older than ${days} days are dropped`);
      }
      return;
    }
    const sweep = () =>
      this.storage
        .deleteOlderThan(days)
        .then((n) => n && this.logger.log(`deleted ${n} readings older than ${days} days`))
        .catch((error: unknown) => this.logger.warn({ err: error }, 'retention sweep failed; will retry'));
    await sweep();
    this.timer = setInterval(sweep, PLAIN_SWEEP_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
