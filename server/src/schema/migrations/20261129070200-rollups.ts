import type { Dialect } from '../../repositories/database.repository.js';
import type { Migration } from '../migration.js';

/**
 * Per-minute and per-hour rollups with min, max, avg, count and last, read by the history
 * query through the same view names on both dialects.
 *
 * TimescaleDB: continuous aggregates with real-time aggregation (recent, not yet
 * materialised buckets are computed on read) and refresh policies.
 * Plain PostgreSQL: tables kept by the application in the same statement that inserts the
 * readings (see ReadingRepository), plus views that expose `avg` like the aggregates do.
 */
const ROLLUPS = [
  { view: 'readings_1m', width: '1 minute', start: '7 days', end: '1 minute', every: '1 minute' },
  { view: 'readings_1h', width: '1 hour', start: '30 days', end: '1 hour', every: '30 minutes' },
];

function timescale(): string[] {
  return ROLLUPS.flatMap(({ view, width, start, end, every }) => [
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${view}
       WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
     SELECT time_bucket(INTERVAL '${width}', time) AS bucket, patient_id, metric,
            min(value) AS min, max(value) AS max, avg(value) AS avg, count(*) AS count,
            last(value, time) AS last
       FROM readings
      GROUP BY bucket, patient_id, metric
     WITH NO DATA`,
    `SELECT add_continuous_aggregate_policy('${view}',
       start_offset => INTERVAL '${start}', end_offset => INTERVAL '${end}',
       schedule_interval => INTERVAL '${every}', if_not_exists => true)`,
  ]);
}

function postgres(): string[] {
  return ROLLUPS.flatMap(({ view }) => [
    `CREATE TABLE IF NOT EXISTS ${view}_rollup (
      bucket timestamptz NOT NULL,
      patient_id uuid NOT NULL,
      metric text NOT NULL,
      min double precision NOT NULL,
      max double precision NOT NULL,
      sum double precision NOT NULL,
      count bigint NOT NULL,
      last double precision NOT NULL,
      last_time timestamptz NOT NULL,
      PRIMARY KEY (patient_id, metric, bucket)
    )`,
    `CREATE OR REPLACE VIEW ${view} AS
     SELECT bucket, patient_id, metric, min, max, sum / count AS avg, count, last
       FROM ${view}_rollup`,
  ]);
}

const migration: Migration = {
  transaction: false,
  up: (dialect: Dialect) => (dialect === 'timescaledb' ? timescale() : postgres()),
};

export default migration;
