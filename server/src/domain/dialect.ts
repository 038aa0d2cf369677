/** The SQL dialect Vigil runs on: PostgreSQL with TimescaleDB, or plain PostgreSQL. */
export type Dialect = 'timescaledb' | 'postgresql';

/** VIGIL_DIALECT: `auto` takes TimescaleDB when it is installed, the others are the operator's choice. */
export const DIALECT_CHOICES = ['auto', 'timescaledb', 'postgresql'] as const;
export type DialectChoice = (typeof DIALECT_CHOICES)[number];

/** What the database offers, as read before choosing. */
export interface DialectFacts {
  /** TimescaleDB is in pg_available_extensions (its files are installed). */
  available: boolean;
  /** The server's shared_preload_libraries setting. */
  preloadLibraries: string;
}

/** The dialect to run on, or the one-line reason it cannot be had. */
export function chooseDialect(choice: DialectChoice, facts: DialectFacts): { dialect: Dialect } | { problem: string } {
  if (choice === 'postgresql') return { dialect: 'postgresql' };
  if (!facts.available) {
    if (choice === 'timescaledb') {
      return { problem: 'VIGIL_DIALECT=timescaledb, but the TimescaleDB extension is not installed on this PostgreSQL; install it, or unset VIGIL_DIALECT' };
    }
    return { dialect: 'postgresql' };
  }
  return { dialect: 'timescaledb' };
}

/**
 * The one-line message when `CREATE EXTENSION timescaledb` fails. TimescaleDB refuses to load
 * unless it is in shared_preload_libraries (https://docs.timescale.com/self-hosted/latest/install/installation-linux/,
 * "Configure PostgreSQL"), a common slip when installing it by hand.
 */
export function timescaleProblem(error: string, facts: DialectFacts): string {
  const plain = 'or set VIGIL_DIALECT=postgresql to run on plain PostgreSQL';
  if (!isPreloaded(facts.preloadLibraries)) {
    return `TimescaleDB is installed on this PostgreSQL but not preloaded: add timescaledb to shared_preload_libraries in postgresql.conf and restart PostgreSQL, ${plain}`;
  }
  return `CREATE EXTENSION timescaledb failed (${error}); mend the TimescaleDB installation, ${plain}`;
}

function isPreloaded(libraries: string): boolean {
  return libraries
    .split(',')
    .map((name) => name.trim().replace(/^"|"$/g, ''))
    .some((name) => name === 'timescaledb' || name.endsWith('/timescaledb'));
}
