import { Injectable } from '@nestjs/common';
import type { Dialect } from '../repositories/database.repository.js';
import { MigrationRepository } from '../repositories/migration.repository.js';

export class MigrationError extends Error {}

@Injectable()
export class MigrationService {
  constructor(private readonly migrations: MigrationRepository) {}

  /** Applies every pending migration for `dialect`; returns the names applied (none the second time). */
  async migrate(dialect: Dialect): Promise<string[]> {
    const available = await this.migrations.load();
    return this.migrations.withLock(async (session) => {
      const applied = await this.migrations.applied(session);
      const other = applied.find((row) => row.dialect !== dialect);
      if (other) {
        throw new MigrationError(
          `the database was set up for ${other.dialect} but is now ${dialect}; ` + 'restore the TimescaleDB extension or use a new database',
        );
      }
      const done = new Set(applied.map((row) => row.name));
      const pending = available.filter((migration) => !done.has(migration.name));
      for (const migration of pending) {
        try {
          await this.migrations.apply(session, migration, dialect);
        } catch (error) {
          throw new MigrationError(`migration ${migration.name} failed: ${(error as Error).message}`);
        }
      }
      return pending.map((migration) => migration.name);
    });
  }
}
