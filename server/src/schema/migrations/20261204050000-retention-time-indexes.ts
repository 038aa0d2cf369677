import type { Migration } from '../migration.js';

/**
 * Plain PostgreSQL: the hourly retention delete finds expired rows through a BRIN index on
 * `readings(time)` and the rollups' `bucket`. No index led with the time, so every sweep read
 * the whole of each table and, at production size, hit the statement timeout and deleted
 * nothing. BRIN rather than B-tree: these tables are written in time order, a BRIN index is a
 * few kB per GB and costs ingest next to nothing, where another B-tree on the hottest table
 * would cost every insert. TimescaleDB drops whole chunks instead and needs none of this.
 */
const migration: Migration = {
  up: (dialect) =>
    dialect === 'timescaledb'
      ? []
      : [
          `CREATE INDEX readings_time_brin ON readings USING brin (time)`,
          `CREATE INDEX readings_1m_rollup_bucket_brin ON readings_1m_rollup USING brin (bucket)`,
          `CREATE INDEX readings_1h_rollup_bucket_brin ON readings_1h_rollup USING brin (bucket)`,
        ],
};

export default migration;
