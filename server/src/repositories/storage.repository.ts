import { Injectable } from '@nestjs/common';
import { DatabaseRepository } from './database.repository.js';

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

  /** Plain PostgreSQL: delete readings and rollup rows older than `days`. Returns readings deleted. */
  async deleteOlderThan(days: number): Promise<number> {
    const cutoff = `now() - make_interval(days => $1::int)`;
    const { rowCount } = await this.db.query(`DELETE FROM readings WHERE time < ${cutoff}`, [days]);
    await this.db.query(`DELETE FROM readings_1m_rollup WHERE bucket < ${cutoff}`, [days]);
    await this.db.query(`DELETE FROM readings_1h_rollup WHERE bucket < ${cutoff}`, [days]);
    return rowCount ?? 0;
  }
}
