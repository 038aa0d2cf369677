import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';

import { chooseDialect, type Dialect, type DialectChoice, timescaleProblem } from '../domain/dialect.js';

export type { Dialect } from '../domain/dialect.js';

export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** What `transaction` hands its work: queries, and COPY … FROM STDIN, on the transaction's connection. */
export interface Transaction extends Queryable {
  /** Runs `sql` (a `COPY … FROM STDIN`) with `data` as its whole input; rejects with the server's error. */
  copyFrom(sql: string, data: Buffer): Promise<void>;
}

/** A lock `tryHoldLock` took: held until released or until its connection fails. */
export interface HeldLock {
  /** Resolves once the lock is no longer held (released, or its connection failed). */
  lost: Promise<void>;
  release(): void;
}

/** Class id of the two-key advisory locks `tryHoldLock` takes (apart from the one-key migration lock). */
const HELD_LOCK_CLASS = 0x5649;

// Counts come back as bigint; every count Vigil reads fits a JS number.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === Number(pg.types.builtins.INT8) ? Number : (pg.types.getTypeParser(oid, format) as (value: string) => unknown)) as typeof pg.types.getTypeParser,
};

/**
 * The connection pool to PostgreSQL or TimescaleDB (or the embedded PGlite, which takes a
 * pool of one). Every other repository queries through it.
 */
export class DatabaseRepository implements Queryable {
  private detected?: Dialect;

  constructor(private readonly pool: pg.Pool) {}

  /**
   * `statementTimeoutMs` bounds every statement on the server side, so a query that hangs (a
   * lock, a lost network path) fails and is retried instead of holding its batch for ever.
   */
  static connect(url: string, options: { max?: number; applicationName?: string; statementTimeoutMs?: number } = {}): DatabaseRepository {
    const pool = new pg.Pool({
      connectionString: url,
      max: options.max ?? 10,
      application_name: options.applicationName ?? 'vigil',
      keepAlive: true,
      ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
      types,
    });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    return new DatabaseRepository(pool);
  }

  get dialect(): Dialect {
    if (!this.detected) throw new Error('the database dialect has not been detected yet');
    return this.detected;
  }

  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.pool.query<R>(text, values);
  }

  /** Runs `work` in one transaction on one connection; rolls back if it throws. */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      const tx: Transaction = {
        query: (text, values) => client.query(text, values),
        copyFrom: (sql, data) => pipeline(Readable.from([data]), client.query(copyStreams.from(sql))),
      };
      try {
        await client.query('BEGIN');
        const result = await work(tx);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  /** Holds a session-level advisory lock on one connection while `work` runs (e.g. migrations). */
  withAdvisoryLock<T>(key: number, work: (session: Queryable) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      // Lock holders (migrations) may run long: no statement timeout while the lock is held.
      await client.query('SET statement_timeout = 0');
      await client.query('SELECT pg_advisory_lock($1)', [key]);
      try {
        return await work(client);
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [key]);
        await client.query('RESET statement_timeout');
      }
    });
  }

  /**
   * Tries to take the session-level advisory lock `name` on a connection of its own, kept out
   * of the pool while held; undefined when another session holds it. PostgreSQL releases it
   * when that connection ends, also when the process holding it is killed. The connection is
   * checked every `checkMs`: `lost` resolves when it fails, and released it is closed.
   */
  async tryHoldLock(name: string, checkMs: number): Promise<HeldLock | undefined> {
    const client = await this.pool.connect();
    let timer: NodeJS.Timeout | undefined = undefined; // set once the lock is held
    let checking = false;
    let resolveLost!: () => void;
    const lost = new Promise<void>((resolve) => (resolveLost = resolve));
    let ended = false;
    const end = (error?: Error) => {
      if (ended) return;
      ended = true;
      clearInterval(timer);
      client.off('error', end);
      client.release(error ?? true); // closed, never back into the pool: that ends the lock
      resolveLost();
    };
    client.on('error', end);
    try {
      const { rows } = await client.query<{ held: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS held', [HELD_LOCK_CLASS, name]);
      if (!rows[0].held) {
        end();
        return undefined;
      }
    } catch (error) {
      end(error as Error);
      throw error;
    }
    timer = setInterval(() => {
      if (checking) return;
      checking = true;
      client.query('SELECT 1').then(
        () => (checking = false),
        (error: Error) => end(error),
      );
    }, checkMs);
    timer.unref();
    return { lost, release: () => end() };
  }

  /**
   * One connection of the pool for `work`. While checked out a client has no pool listener
   * for 'error', and an unhandled one (the connection lost mid-transaction) would end the
   * process: here it only fails `work`'s queries, and the broken client leaves the pool.
   */
  private async withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let lost: Error | undefined;
    const onError = (error: Error) => (lost = error);
    client.on('error', onError);
    try {
      return await work(client);
    } finally {
      client.off('error', onError);
      client.release(lost);
    }
  }

  /**
   * The dialect VIGIL_DIALECT asks for; with `auto`, TimescaleDB when the extension is installed
   * or installable, else plain PostgreSQL (version 14 or later, for date_bin).
   */
  async detectDialect(choice: DialectChoice = 'auto'): Promise<{ dialect: Dialect; version: string; timescaledb?: string }> {
    const { rows } = await this.query<{ num: string; version: string; available: boolean; preload: string }>(
      `SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version,
              EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') AS available,
              current_setting('shared_preload_libraries', true) AS preload`,
    );
    const { num, version, available, preload } = rows[0];
    if (Number(num) < 140000) {
      throw new Error(`DATABASE_URL: PostgreSQL ${version} is too old; Vigil needs PostgreSQL 14 or later`);
    }
    const facts = { available, preloadLibraries: preload ?? '' };
    const chosen = chooseDialect(choice, facts);
    if ('problem' in chosen) throw new Error(`DATABASE_URL: ${chosen.problem}`);
    if (chosen.dialect === 'postgresql') {
      this.detected = 'postgresql';
      return { dialect: 'postgresql', version };
    }
    try {
      await this.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
    } catch (error) {
      throw new Error(`DATABASE_URL: ${timescaleProblem((error as Error).message, facts)}`, { cause: error });
    }
    const ext = await this.query<{ extversion: string }>(`SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'`);
    this.detected = 'timescaledb';
    return { dialect: 'timescaledb', version, timescaledb: ext.rows[0].extversion };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
