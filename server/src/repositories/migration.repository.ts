import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Injectable } from '@nestjs/common';
import type { Migration } from '../schema/migration.js';
import { DatabaseRepository, type Dialect, type Queryable } from './database.repository.js';

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'schema', 'migrations');
const FILE = /^(\d{14}-[a-z0-9-]+)\.(js|ts)$/;
// Any constant shared by every Vigil instance: only one of them migrates at a time.
const MIGRATION_LOCK = 0x76_69_67_6c;

export interface NamedMigration extends Migration {
  name: string;
}

@Injectable()
export class MigrationRepository {
  constructor(private readonly db: DatabaseRepository) {}

  /** The migration files shipped with this build, in the order they apply. */
  async load(): Promise<NamedMigration[]> {
    const names = fs
      .readdirSync(MIGRATIONS_DIR)
      .map((file) => FILE.exec(file))
      .filter((match): match is RegExpExecArray => match !== null)
      .sort((a, b) => a[1].localeCompare(b[1]));
    return Promise.all(
      names.map(async ([file, name]) => {
        const module = (await import(path.join(MIGRATIONS_DIR, file))) as { default: Migration };
        return { ...module.default, name };
      }),
    );
  }

  withLock<T>(work: (session: Queryable) => Promise<T>): Promise<T> {
    return this.db.withAdvisoryLock(MIGRATION_LOCK, work);
  }

  async applied(session: Queryable): Promise<Array<{ name: string; dialect: Dialect }>> {
    await session.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY,
      dialect text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await session.query<{ name: string; dialect: Dialect }>('SELECT name, dialect FROM schema_migrations ORDER BY name');
    return rows;
  }

  async apply(session: Queryable, migration: NamedMigration, dialect: Dialect): Promise<void> {
    const statements = migration.up(dialect);
    const record = () => session.query('INSERT INTO schema_migrations (name, dialect) VALUES ($1, $2)', [migration.name, dialect]);
    if (migration.transaction === false) {
      for (const sql of statements) await session.query(sql);
      await record();
      return;
    }
    await session.query('BEGIN');
    try {
      for (const sql of statements) await session.query(sql);
      await record();
      await session.query('COMMIT');
    } catch (error) {
      await session.query('ROLLBACK');
      throw error;
    }
  }
}
