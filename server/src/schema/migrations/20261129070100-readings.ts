import type { Migration } from '../migration.js';

/**
 * The narrow time-series table. On TimescaleDB a hypertable with 1-day chunks, compressed
 * after 7 days segmented by patient and metric (the retention policy follows
 * VIGIL_RETENTION_DAYS and is reconciled at start-up). The unique key makes storage
 * exactly-once under at-least-once delivery. No foreign keys: they would cost every insert,
 * and the ingest path resolves device and patient before writing.
 */
const migration: Migration = {
  up: (dialect) => [
    `CREATE TABLE readings (
      time timestamptz NOT NULL,
      patient_id uuid NOT NULL,
      device_id uuid NOT NULL,
      metric text NOT NULL,
      value double precision NOT NULL
    )`,
    `CREATE UNIQUE INDEX readings_device_metric_time_key ON readings (device_id, metric, time)`,
    `CREATE INDEX readings_patient_metric_time_idx ON readings (patient_id, metric, time DESC)`,
    ...(dialect === 'timescaledb'
      ? [
          `SELECT create_hypertable('readings', by_range('time', INTERVAL '1 day'))`,
          `ALTER TABLE readings SET (
             timescaledb.compress,
             timescaledb.compress_segmentby = 'patient_id, metric',
             timescaledb.compress_orderby = 'time DESC'
           )`,
          `SELECT add_compression_policy('readings', compress_after => INTERVAL '7 days')`,
        ]
      : []),
  ],
};

export default migration;
