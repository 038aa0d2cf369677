import { Injectable } from '@nestjs/common';
import { DatabaseRepository } from './database.repository.js';

/** The tables the plain-PostgreSQL retention sweep deletes from. */
export const RETAINED_TABLES = ['readings', 'readings_1m_rollup', 'readings_1h_rollup'] as const;
export type RetainedTable = (typeof RETAINED_TABLES)[number];

/** Data-lifecycle statements: TimescaleDB policies, and their plain-PostgreSQL stand-ins. */
@Injectable()
export class StorageRepository {
  constructor(private readonly db: DatabaseRepository) {}

  /** The retention policy's `drop_after` on `readings`, in days, or undefined if none (TimescaleDB). */
  async retentionDays(): Promise<number | undefined> {
    const { rows } = await this.db.query<{ days: number }>(
      `SELECT (extract(epoch FROM (config->>'drop_after')::interval) / 86400)::float8 AS days
         FROM timescaledb_information.jobs
        WHERE proc_name = 'policy_retention' AND hypertable_name = 'readings'`,
    );
    return rows[0]?.days;
  }

  async setRetention(days: number): Promise<void> {
    await this.db.query(`SELECT remove_retention_policy('readings', if_exists => true)`);
    await this.db.query(`SELECT add_retention_policy('readings', drop_after => make_interval(days => $1::int))`, [days]);
  }

  /**
   * Plain PostgreSQL: deletes at most `limit` rows of `table` older than `cutoff` and returns how
   * many it deleted; the caller repeats until fewer come back. Bounded batches keep each
   * transaction (and its locks, WAL and dead tuples) small and far from the statement timeout,
   * however much a lowered retention suddenly expires. The expired rows are found through the
   * table's BRIN index on its time column.
   */
  async deleteOlderThan(table: RetainedTable, cutoff: Date, limit: number): Promise<number> {
    const time = table === 'readings' ? 'time' : 'bucket';
    const { rowCount } = await this.db.query(
      `DELETE FROM ${table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${table} WHERE ${time} < $1 LIMIT $2))`,
      [cutoff, limit],
    );
    return rowCount ?? 0;
  }
}
