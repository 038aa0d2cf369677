import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { ClockRepository, type Timer } from '../repositories/clock.repository.js';
import { DatabaseRepository } from '../repositories/database.repository.js';
import { SessionRepository } from '../repositories/session.repository.js';
import { RETAINED_RELATIONS, RETAINED_TABLES, StorageRepository } from '../repositories/storage.repository.js';

const SWEEP_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
// Rows per DELETE: a short transaction each, however much has expired at once.
const DELETE_BATCH = 50_000;

/**
 * Keeps readings for VIGIL_RETENTION_DAYS. TimescaleDB drops whole chunks through its
 * retention policy (reconciled with the config at start-up); plain PostgreSQL gets an hourly
 * delete, in bounded batches. The same hourly sweep, on both, prunes sign-in sessions that
 * ended long ago. Any number of instances may run it (it is idempotent). The first sweep runs
 * in the background: start-up (and with it ingest) never waits for a backlog of deletes.
 */
@Injectable()
export class RetentionService implements OnApplicationShutdown {
  private readonly logger = new Logger('RetentionService');
  private timer?: Timer;
  private sweeping = false;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: DatabaseRepository,
    private readonly storage: StorageRepository,
    private readonly sessions: SessionRepository,
    private readonly clock: ClockRepository,
  ) {}

  async apply(): Promise<void> {
    const days = this.config.retentionDays;
    if (this.db.dialect === 'timescaledb') {
      const current = await this.storage.retentionDays();
      const changed = RETAINED_RELATIONS.filter((relation) => current[relation] !== days);
      for (const relation of changed) await this.storage.setRetention(relation, days);
      if (changed.length) this.logger.log(`retention policy: readings and their rollups older than ${days} days are dropped`);
    }
    void this.sweep();
    this.timer = this.clock.every(SWEEP_MS, () => void this.sweep());
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /** One sweep; a failure is logged and the next hour's sweep tries again. A sweep still running is not joined by another. */
  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    const days = this.config.retentionDays;
    try {
      const pruned = await this.sessions.pruneEnded();
      if (pruned) this.logger.log(`pruned ${pruned} sign-in sessions that ended over 30 days ago`);
      if (this.db.dialect !== 'timescaledb') {
        const deleted = await this.deleteOlderThan(new Date(this.clock.now() - days * DAY_MS));
        if (deleted) this.logger.log(`deleted ${deleted} readings older than ${days} days`);
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'retention sweep failed; will retry');
    } finally {
      this.sweeping = false;
    }
  }

  /** Deletes readings and rollup rows older than `cutoff`, batch by batch (until shutdown); returns the readings deleted. */
  private async deleteOlderThan(cutoff: Date): Promise<number> {
    let readings = 0;
    for (const table of RETAINED_TABLES) {
      let deleted: number;
      do {
        deleted = await this.storage.deleteOlderThan(table, cutoff, DELETE_BATCH);
        if (table === 'readings') readings += deleted;
      } while (deleted === DELETE_BATCH && !this.stopped);
    }
    return readings;
  }
}
