import type { Dialect } from '../repositories/database.repository.js';

/**
 * A versioned migration. Files in schema/migrations are named `<yyyymmddhhmmss>-<what>.ts`,
 * applied in name order, recorded in `schema_migrations`, and never edited once released.
 */
export interface Migration {
  /** Statements for the detected dialect. */
  up(dialect: Dialect): string[];
  /**
   * Run in one transaction (default). TimescaleDB continuous aggregates cannot be created in
   * a transaction: such migrations set `false` and write idempotent statements.
   */
  transaction?: boolean;
}
