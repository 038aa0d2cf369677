import { Injectable } from '@nestjs/common';
import { DatabaseRepository } from './database.repository.js';

/** The tables the plain-PostgreSQL retention sweep deletes from. */
export const RETAINED_TABLES = ['readings', 'readings_1m_rollup', 'readings_1h_rollup'] as const;
export type RetainedTable = (typeof RETAINED_TABLES)[number];

/** What the TimescaleDB retention policies drop chunks of: the readings and their rollups, kept alike on both dialects. */
export const RETAINED_RELATIONS = ['readings', 'readings_1m', 'readings_1h'] as const;
export type RetainedRelation = (typeof RETAINED_RELATIONS)[number];

/** Data-lifecycle statements: TimescaleDB policies, and their plain-PostgreSQL stand-ins. */
@Injectable()
export class StorageRepository {
  constructor(private readonly db: DatabaseRepository) {}

  /**
   * The retention policies' `drop_after`, in days, of the readings hypertable and of its two
   * rollups (continuous aggregates), by relation; a relation without a policy is missing (TimescaleDB).
   */
  async retentionDays(): Promise<Partial<Record<RetainedRelation, number>>> {
    const { rows } = await this.db.query<{ relation: RetainedRelation; days: number }>(
      `SELECT hypertable_name AS relation, (extract(epoch FROM (config->>'drop_after')::interval) / 86400)::float8 AS days
         FROM timescaledb_information.jobs
        WHERE proc_name = 'policy_retention' AND hypertable_name = ANY($1::text[])`,
      [RETAINED_RELATIONS],
    );
    return Object.fromEntries(rows.map((row) => [row.relation, row.days]));
  }

  /** Sets one relation's retention policy to `days`, replacing the one it had. */
  async setRetention(relation: RetainedRelation, days: number): Promise<void> {
    await this.db.query(`SELECT remove_retention_policy($1::regclass, if_exists => true)`, [relation]);
    await this.db.query(`SELECT add_retention_policy($1::regclass, drop_after => make_interval(days => $2::int))`, [relation, days]);
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
