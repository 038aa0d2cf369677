import { Writable } from 'node:stream';
import type pg from 'pg';
import { DatabaseRepository, type Dialect, type Transaction } from '../repositories/database.repository.js';

const NO_ROWS = { rows: [], rowCount: 0, command: '', oid: 0, fields: [] };

/** The part of pg.Pool and its clients that DatabaseRepository uses, recording each statement instead of sending it. */
class RecordingPool {
  readonly statements: string[] = [];
  copyError?: string;

  query(query: string | { text: string }): Promise<typeof NO_ROWS> | Writable {
    if (typeof query === 'string') {
      this.statements.push(query);
      return Promise.resolve(NO_ROWS);
    }
    // A COPY … FROM STDIN stream (pg-copy-streams): record its SQL and swallow the data.
    this.statements.push(query.text);
    const outcome = this.copyOutcome();
    return new Writable({
      write: (_chunk, _encoding, done) => done(),
      final: (done) => void outcome.then(() => done(), done),
    });
  }

  connect(): Promise<this> {
    return Promise.resolve(this);
  }

  on(): this {
    return this;
  }

  off(): this {
    return this;
  }

  release(): void {}

  copyOutcome(): Promise<void> {
    const code = this.copyError;
    this.copyError = undefined;
    return code ? Promise.reject(Object.assign(new Error(`recorded COPY failing with SQLSTATE ${code}`), { code })) : Promise.resolve();
  }
}

/**
 * A DatabaseRepository on a pool that records the SQL it is sent instead of running it. The
 * real transaction, advisory-lock and COPY code runs on top, so what is recorded is exactly
 * what a repository method sends to PostgreSQL. Every query answers with no rows. It is also
 * the Transaction a sample hands a method that takes one.
 */
export class RecordingDatabase extends DatabaseRepository implements Transaction {
  constructor(
    private readonly recordedDialect: Dialect,
    private readonly recorder = new RecordingPool(),
  ) {
    super(recorder as unknown as pg.Pool);
  }

  override get dialect(): Dialect {
    return this.recordedDialect;
  }

  get statements(): readonly string[] {
    return this.recorder.statements;
  }

  /** The next COPY fails with this SQLSTATE (23505: a row of the batch is stored already). */
  failNextCopy(code: string): void {
    this.recorder.copyError = code;
  }

  copyFrom(sql: string): Promise<void> {
    this.recorder.statements.push(sql);
    return this.recorder.copyOutcome();
  }
}
