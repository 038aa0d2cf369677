import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { ClockRepository, type Timer } from '../repositories/clock.repository.js';
import { DatabaseRepository } from '../repositories/database.repository.js';
import { SessionRepository } from '../repositories/session.repository.js';
import { StorageRepository } from '../repositories/storage.repository.js';

const SWEEP_MS = 60 * 60 * 1000;

/**
 * Keeps readings for VIGIL_RETENTION_DAYS. TimescaleDB drops whole chunks through its
 * retention policy (reconciled with the config at start-up); plain PostgreSQL gets an hourly
 * delete. The same hourly sweep, on both, prunes sign-in sessions that ended long ago. Any
 * number of instances may run it (it is idempotent).
 */
@Injectable()
export class RetentionService implements OnApplicationShutdown {
  private readonly logger = new Logger('RetentionService');
  private timer?: Timer;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: DatabaseRepository,
    private readonly storage: StorageRepository,
    private readonly sessions: SessionRepository,
    private readonly clock: ClockRepository,
  ) {}

  async apply(): Promise<void> {
    const days = this.config.retentionDays;
    if (this.db.dialect === 'timescaledb' && (await this.storage.retentionDays()) !== days) {
      await this.storage.setRetention(days);
      this.logger.log(`retention policy: readings older than ${days} days are dropped`);
    }
    await this.sweep();
    this.timer = this.clock.every(SWEEP_MS, () => void this.sweep());
  }

  onApplicationShutdown(): void {
    this.timer?.cancel();
  }

  private async sweep(): Promise<void> {
    const days = this.config.retentionDays;
    try {
      if (this.db.dialect !== 'timescaledb') {
        const deleted = await this.storage.deleteOlderThan(days);
        if (deleted) this.logger.log(`deleted ${deleted} readings older than ${days} days`);
      }
      const pruned = await this.sessions.pruneEnded();
      if (pruned) this.logger.log(`pruned ${pruned} sign-in sessions that ended over 30 days ago`);
    } catch (error) {
      this.logger.warn({ err: error }, 'retention sweep failed; will retry');
    }
  }
}
