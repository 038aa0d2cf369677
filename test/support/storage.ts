import { DatabaseRepository, type Dialect } from '../../server/src/repositories/database.repository.js';
import { MigrationRepository } from '../../server/src/repositories/migration.repository.js';
import { MigrationService } from '../../server/src/services/migration.service.js';
import { createEmbeddedDatabase } from './embedded.js';
import { createTestDatabase } from './postgres.js';

export interface MigratedDatabase {
  db: DatabaseRepository;
  dialect: Dialect;
  url: string;
  migrations: MigrationService;
  close(): Promise<void>;
}

/**
 * A migrated database of the given dialect: its own database on the real PostgreSQL 15
 * (plain dialect) or a fresh embedded PGlite with TimescaleDB.
 */
export async function migratedDatabase(dialect: Dialect): Promise<MigratedDatabase> {
  const backing = dialect === 'postgresql' ? await createTestDatabase() : await createEmbeddedDatabase();
  const db = DatabaseRepository.connect(backing.url, { max: dialect === 'postgresql' ? 4 : 1 });
  const detected = await db.detectDialect();
  if (detected.dialect !== dialect) throw new Error(`expected ${dialect}, the database is ${detected.dialect}`);
  const migrations = new MigrationService(new MigrationRepository(db));
  await migrations.migrate(dialect);
  return {
    db,
    dialect,
    url: backing.url,
    migrations,
    async close() {
      await db.close();
      await ('drop' in backing ? backing.drop() : backing.stop());
    },
  };
}
