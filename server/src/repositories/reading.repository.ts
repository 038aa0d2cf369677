import { Injectable } from '@nestjs/common';
import type { HistorySource } from '../domain/history-resolution.js';
import { metricsOfGroup, type ObservationGroup } from '../domain/fhir.js';
import type { ReadingRow } from '../domain/ingest-batch.js';
import { METRIC_CODES } from '../domain/metric-catalogue.js';
import { type Bucket, HOUR_MS, MINUTE_MS, rollupBuckets } from '../domain/rollup-buckets.js';
import { DatabaseRepository, type Queryable, type Transaction } from './database.repository.js';
import { binaryArray, COPY_READINGS, copyReadings } from './pg-binary.js';

export type { ReadingRow };

/** How `insertNewByCopy` wrote a batch: 'copy' when none of it was stored before, else the ON CONFLICT 'fallback'. */
export type CopyPath = 'copy' | 'fallback';

export interface HistoryPoint {
  t: Date;
  min: number;
  max: number;
  avg: number;
  count: number;
}

// date_bin and time_bucket agree on minute and hour widths with this origin.
const ORIGIN = `TIMESTAMPTZ '2000-01-01 00:00:00+00'`;
// Times travel as epoch milliseconds: cheaper to send than ISO strings at 50k rows/s.
const UNNEST = `SELECT to_timestamp(t / 1000.0), p, d, m, v
  FROM unnest($1::float8[], $2::uuid[], $3::uuid[], $4::text[], $5::float8[]) AS u(t, p, d, m, v)`;

/**
 * Adds a bucket to the stored one. `last` is the value at the latest time; of two at the same
 * time (two devices of a patient) the larger, so every path and every split into batches keeps
 * the same one (domain/rollup-buckets.ts does the same).
 */
const ADD_TO_BUCKET = `ON CONFLICT (patient_id, metric, bucket) DO UPDATE SET
        min = LEAST(r.min, EXCLUDED.min),
        max = GREATEST(r.max, EXCLUDED.max),
        sum = r.sum + EXCLUDED.sum,
        count = r.count + EXCLUDED.count,
        last = CASE WHEN (EXCLUDED.last_time, EXCLUDED.last) > (r.last_time, r.last) THEN EXCLUDED.last ELSE r.last END,
        last_time = GREATEST(r.last_time, EXCLUDED.last_time)`;

/**
 * On plain PostgreSQL the rollups are kept in the same transaction that stores the readings:
 * only rows actually inserted (not duplicates), given as the relation `inserted`, are added
 * to the minute and hour buckets, in a fixed order so concurrent batches lock rollup rows
 * the same way.
 */
function rollupUpsert(view: 'readings_1m' | 'readings_1h', width: string): string {
  return `INSERT INTO ${view}_rollup AS r (bucket, patient_id, metric, min, max, sum, count, last, last_time)
      SELECT date_bin(INTERVAL '${width}', time, ${ORIGIN}) AS b, patient_id, metric,
             min(value), max(value), sum(value), count(*),
             (array_agg(value ORDER BY time DESC, value DESC))[1], max(time)
        FROM inserted GROUP BY b, patient_id, metric ORDER BY patient_id, metric, b
      ${ADD_TO_BUCKET}`;
}

/** The unique key of each row inserted (not skipped as a duplicate), compact to transfer. */
const INSERTED_KEY = `device_id AS d, metric AS m, (extract(epoch FROM time) * 1000)::float8 AS t`;

const INSERT_TIMESCALE = `INSERT INTO readings (time, patient_id, device_id, metric, value) ${UNNEST}
  ON CONFLICT (device_id, metric, time) DO NOTHING
  RETURNING ${INSERTED_KEY}`;

const ROLLUPS_FROM_INSERTED = `m AS (${rollupUpsert('readings_1m', '1 minute')}),
  h AS (${rollupUpsert('readings_1h', '1 hour')})`;

const INSERT_POSTGRES = `WITH inserted AS (
    INSERT INTO readings (time, patient_id, device_id, metric, value) ${UNNEST}
    ON CONFLICT (device_id, metric, time) DO NOTHING
    RETURNING time, patient_id, device_id, metric, value
  ), ${ROLLUPS_FROM_INSERTED}
  SELECT ${INSERTED_KEY} FROM inserted`;

/**
 * After a COPY every row of the batch was inserted, so the rollups take the batch itself,
 * summed here per bucket first (`rollupBuckets`): a 5,000-row batch of 100 devices is a few
 * hundred buckets, so PostgreSQL upserts those instead of grouping and sorting the rows
 * (docs/benchmarks.md). As binary arrays: as text they made the COPY path 17 % slower.
 */
function bucketUpsert(view: 'readings_1m' | 'readings_1h', first: number): string {
  const $ = (i: number) => `$${first + i}`;
  return `INSERT INTO ${view}_rollup AS r (bucket, patient_id, metric, min, max, sum, count, last, last_time)
      SELECT b, p, m, lo, hi, total, n::bigint, l, lt
        FROM unnest(${$(0)}::timestamptz[], ${$(1)}::uuid[], ${$(2)}::text[], ${$(3)}::float8[], ${$(4)}::float8[],
                    ${$(5)}::float8[], ${$(6)}::float8[], ${$(7)}::float8[], ${$(8)}::timestamptz[]) AS u(b, p, m, lo, hi, total, n, l, lt)
       ORDER BY p, m, b
      ${ADD_TO_BUCKET}`;
}

const ROLLUPS_POSTGRES = `WITH m AS (${bucketUpsert('readings_1m', 1)}),
  h AS (${bucketUpsert('readings_1h', 10)})
  SELECT`;

/** The FHIR Observation group of a metric `column`, in SQL: `bp` for the blood-pressure panel's metrics (domain/fhir.ts groupOf). */
const groupOfSql = (column: string) =>
  `CASE WHEN ${column} IN (${metricsOfGroup('bp')
    .map((m) => `'${m}'`)
    .join(', ')}) THEN 'bp' ELSE ${column} END`;

/**
 * Each metric's first $8 readings of a patient in [$3, $4] after the keyset ($5, $6, $7), by time
 * and device, each with its FHIR Observation group `g`. One index range a metric, stopped at the
 * limit: a page reads the rows it shows, not the patient's history. A measurement holds at most
 * one reading of each metric, so the first $8 measurements are made of these rows.
 */
const MEASUREMENT_ROWS = `SELECT r.* FROM unnest($2::text[]) AS wanted(metric),
  LATERAL (SELECT time, device_id, metric, value, ${groupOfSql('wanted.metric')} AS g
             FROM readings
            WHERE patient_id = $1 AND metric = wanted.metric AND time >= $3 AND time <= $4
              AND ($5::float8 IS NULL OR (time, device_id, ${groupOfSql('wanted.metric')})
                                       > (to_timestamp($5 / 1000.0), $6::uuid, $7::text))
            ORDER BY time, device_id LIMIT $8) r`;

/** A patient's readings of some metrics in [$3, $4], each with its FHIR Observation group `g`: what a search counts. */
const MEASUREMENT_COUNT_ROWS = `SELECT time, device_id, ${groupOfSql('metric')} AS g
  FROM readings WHERE patient_id = $1 AND metric = ANY($2::text[]) AND time >= $3 AND time <= $4`;

const UNIQUE_VIOLATION = '23505';

// Device ids come in lower case (deviceIdOf), as PostgreSQL returns UUIDs.
const keyOf = (deviceId: string, metric: string, ms: number) => `${deviceId}|${metric}|${ms}`;

/** Past this many readings (the planner's estimate) `count` gives the estimate instead of counting every row. */
export const COUNT_EXACT_UP_TO = 1_000_000;

@Injectable()
export class ReadingRepository {
  constructor(private readonly db: DatabaseRepository) {}

  /**
   * Stores a batch in one statement; duplicates of (device, metric, time), already stored or
   * twice in the batch, are skipped. Returns the rows actually inserted.
   */
  async insertNew(rows: ReadingRow[], on: Queryable = this.db): Promise<ReadingRow[]> {
    if (rows.length === 0) return [];
    const columns = [
      rows.map((row) => row.time.getTime()),
      rows.map((row) => row.patientId),
      rows.map((row) => row.deviceId),
      rows.map((row) => row.metric),
      rows.map((row) => row.value),
    ];
    const sql = this.db.dialect === 'timescaledb' ? INSERT_TIMESCALE : INSERT_POSTGRES;
    const { rows: inserted } = await on.query<{ d: string; m: string; t: number }>(sql, columns);
    if (inserted.length === rows.length) return rows;
    // Some were duplicates: keep the input rows whose key came back, each key once.
    const keys = new Set(inserted.map((row) => keyOf(row.d, row.m, row.t)));
    return rows.filter((row) => keys.delete(keyOf(row.deviceId, row.metric, row.time.getTime())));
  }

  /**
   * One transaction that stores a batch like `insertNew` and then runs `rest` on it (the rest of
   * an ingest batch; what it returns comes back as `result`), optimistically: duplicates are
   * rare (a redelivery after a restart, a device sending again), and COPY, which checks the
   * unique key without the per-row speculative insertion of ON CONFLICT, writes 5,000-row
   * batches about 1.5 times as fast, rollups included (docs/benchmarks.md). If COPY meets a row
   * already stored (unique_violation) the whole transaction is rolled back, before `rest` ran,
   * and run again with `insertNew`. No savepoint around the COPY: under load each statement of
   * the transaction waits a turn of the event loop, and a savepoint's two statements were a
   * quarter of the commit time (docs/benchmarks.md). Pass rows without repeats of (device,
   * metric, time) (WriteBatch removes them), or every such batch takes the fallback. On
   * TimescaleDB the continuous aggregates follow by themselves; on plain PostgreSQL the rollups
   * are added in the same transaction.
   *
   * Not for the embedded PGlite: COPY FROM STDIN through pglite-socket 0.0.21 aborts its wasm
   * backend (RuntimeError: unreachable) and with it the process.
   */
  async insertNewByCopy<T>(rows: ReadingRow[], rest: (tx: Transaction) => Promise<T>): Promise<{ inserted: ReadingRow[]; path: CopyPath; result: T }> {
    let duplicate = false;
    try {
      return await this.db.transaction(async (tx) => {
        if (rows.length) {
          await tx.copyFrom(COPY_READINGS, copyReadings(rows)).catch((error: unknown) => {
            duplicate = (error as { code?: string }).code === UNIQUE_VIOLATION;
            throw error;
          });
          if (this.db.dialect === 'postgresql') await this.addToRollups(rows, tx);
        }
        return { inserted: rows, path: 'copy' as const, result: await rest(tx) };
      });
    } catch (error) {
      if (!duplicate) throw error;
    }
    return { ...(await this.insertNewThen(rows, rest)), path: 'fallback' };
  }

  /** `insertNew` and then `rest` in one transaction: an ingest batch written without COPY. */
  async insertNewThen<T>(rows: ReadingRow[], rest: (tx: Transaction) => Promise<T>): Promise<{ inserted: ReadingRow[]; result: T }> {
    return this.db.transaction(async (tx) => ({ inserted: await this.insertNew(rows, tx), result: await rest(tx) }));
  }

  private async addToRollups(rows: ReadingRow[], tx: Transaction): Promise<void> {
    await tx.query(ROLLUPS_POSTGRES, [...bucketColumns(rollupBuckets(rows, MINUTE_MS)), ...bucketColumns(rollupBuckets(rows, HOUR_MS))]);
  }

  /** Raw samples in [from, to), oldest first, at most `limit`. */
  async raw(patientId: string, metric: string, from: Date, to: Date, limit: number): Promise<Array<{ t: Date; value: number }>> {
    const { rows } = await this.db.query<{ t: Date; value: number }>(
      `SELECT time AS t, value FROM readings
        WHERE patient_id = $1 AND metric = $2 AND time >= $3 AND time < $4
        ORDER BY time LIMIT $5`,
      [patientId, metric, from, to, limit],
    );
    return rows;
  }

  /**
   * A patient's readings stored with a time after `after`, oldest first, at most `limit`, as
   * the live stream carries them: [epoch ms, patient, device, metric, value].
   */
  async since(patientId: string, after: Date, limit: number): Promise<Array<[number, string, string, string, number]>> {
    const { rows } = await this.db.query<{ t: number; d: string; m: string; v: number }>(
      `SELECT (extract(epoch FROM time) * 1000)::float8 AS t, device_id AS d, metric AS m, value AS v FROM readings
        WHERE patient_id = $1 AND metric = ANY($4::text[]) AND time > $2 ORDER BY time, device_id, metric LIMIT $3`,
      // Every metric of the catalogue named: the patient's index is then read by metric and time.
      [patientId, after, limit, METRIC_CODES],
    );
    return rows.map((row) => [row.t, patientId, row.d, row.m, row.v]);
  }

  /**
   * FHIR Observations as stored measurements: one per (time, device, group), where the group is
   * the metric, or `bp` for the systolic and diastolic values of one blood pressure reading.
   * Times in [from, to] (inclusive, epoch ms), after the keyset `after`, in key order, at most `limit`.
   */
  async measurements(
    patientId: string,
    metrics: readonly string[],
    from: number,
    to: number,
    limit: number,
    after?: { time: number; deviceId: string; group: string },
  ): Promise<Array<{ time: number; deviceId: string; group: string; values: Record<string, number> }>> {
    const { rows } = await this.db.query<{ time: number; deviceId: string; group: string; values: Record<string, number> }>(
      `SELECT (extract(epoch FROM time) * 1000)::float8 AS time, device_id AS "deviceId", g AS "group", jsonb_object_agg(metric, value) AS values
         FROM (${MEASUREMENT_ROWS}) r
        GROUP BY time, device_id, g ORDER BY time, device_id, g LIMIT $8`,
      [
        patientId,
        metrics,
        new Date(Math.max(from, after?.time ?? from)),
        new Date(to),
        after?.time ?? null,
        after?.deviceId ?? null,
        after?.group ?? null,
        limit,
      ],
    );
    return rows;
  }

  async countMeasurements(patientId: string, metrics: readonly string[], from: number, to: number): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM (${MEASUREMENT_COUNT_ROWS}) r GROUP BY time, device_id, g) x`,
      [patientId, metrics, new Date(from), new Date(to)],
    );
    return rows[0].n;
  }

  /** One measurement by its key, with its patient. */
  async measurement(deviceId: string, group: ObservationGroup, time: number): Promise<{ patientId: string; values: Record<string, number> } | undefined> {
    const { rows } = await this.db.query<{ patientId: string; values: Record<string, number> }>(
      `SELECT patient_id AS "patientId", jsonb_object_agg(metric, value) AS values FROM readings
        WHERE device_id = $1 AND metric = ANY($2::text[]) AND time = to_timestamp($3 / 1000.0)
        GROUP BY patient_id`,
      [deviceId, metricsOfGroup(group), time],
    );
    return rows[0];
  }

  /**
   * Buckets of `bucketMs` over [from, to), built from raw readings or from a rollup. Not the
   * bucket's last value: nothing shows it, and ordering each bucket's rows to find it doubled
   * the query's time (docs/benchmarks.md).
   */
  async buckets(patientId: string, metric: string, from: Date, to: Date, source: HistorySource, bucketMs: number): Promise<HistoryPoint[]> {
    const width = `${bucketMs} milliseconds`;
    const sql =
      source === 'raw'
        ? `SELECT date_bin($5::interval, time, ${ORIGIN}) AS t,
                  min(value) AS min, max(value) AS max, avg(value) AS avg, count(*) AS count
             FROM readings
            WHERE patient_id = $1 AND metric = $2 AND time >= $3 AND time < $4
            GROUP BY 1 ORDER BY 1`
        : `SELECT date_bin($5::interval, bucket, ${ORIGIN}) AS t,
                  min(min) AS min, max(max) AS max, sum(avg * count) / sum(count) AS avg,
                  sum(count)::bigint AS count
             FROM readings_${source}
            WHERE patient_id = $1 AND metric = $2 AND bucket >= $3 AND bucket < $4
            GROUP BY 1 ORDER BY 1`;
    const { rows } = await this.db.query<HistoryPoint>(sql, [patientId, metric, from, to, width]);
    return rows;
  }

  /**
   * How many readings are stored, and the newest one's time, without reading the whole table
   * once it is large: counted exactly while the planner's estimate is under `exactUpTo` (or
   * there is none yet), the estimate above it (`exact: false`; kept by autovacuum's ANALYZE);
   * the newest time looked for in the last hour, day and month before the whole table (each a
   * short range of the time index, or TimescaleDB's newest chunks).
   */
  async count(exactUpTo = COUNT_EXACT_UP_TO): Promise<{ readings: number; exact: boolean; lastReadingAt: Date | null }> {
    const estimate =
      this.db.dialect === 'timescaledb' ? `approximate_row_count('readings')` : `(SELECT reltuples FROM pg_class WHERE oid = 'readings'::regclass)`;
    const newest = (since: string) => `(SELECT max(time) FROM readings WHERE time >= now() - interval '${since}')`;
    const { rows } = await this.db.query<{ readings: string; estimated: boolean; last: Date | null }>(
      `SELECT CASE WHEN e.n >= $1 THEN e.n::bigint ELSE (SELECT count(*) FROM readings) END AS readings, e.n >= $1 AS estimated,
              coalesce(${newest('1 hour')}, ${newest('1 day')}, ${newest('31 days')}, (SELECT max(time) FROM readings)) AS last
         FROM (SELECT ${estimate} AS n) e`,
      [exactUpTo],
    );
    return { readings: Number(rows[0].readings), exact: !rows[0].estimated, lastReadingAt: rows[0].last };
  }
}

/** Buckets as the nine binary array parameters of `bucketUpsert`. */
function bucketColumns(buckets: readonly Bucket[]): Buffer[] {
  const floats = (pick: (bucket: Bucket) => number) => binaryArray('float8', buckets.map(pick));
  const times = (pick: (bucket: Bucket) => number) =>
    binaryArray(
      'timestamptz',
      buckets.map((bucket) => new Date(pick(bucket))),
    );
  const texts = (type: 'uuid' | 'text', pick: (bucket: Bucket) => string) => binaryArray(type, buckets.map(pick));
  return [
    times((b) => b.bucket),
    texts('uuid', (b) => b.patientId),
    texts('text', (b) => b.metric),
    floats((b) => b.min),
    floats((b) => b.max),
    floats((b) => b.sum),
    floats((b) => b.count),
    floats((b) => b.last),
    times((b) => b.lastTime),
  ];
}
