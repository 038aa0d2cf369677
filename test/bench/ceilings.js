import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { WriteBatch } from '../../server/dist/domain/ingest-batch.js';
import { METRIC_CODES } from '../../server/dist/domain/metric-catalogue.js';
import { DatabaseRepository } from '../../server/dist/repositories/database.repository.js';
import { COPY_READINGS, copyReadings } from '../../server/dist/repositories/pg-binary.js';
import { ReadingRepository } from '../../server/dist/repositories/reading.repository.js';

/**
 * What the ingest path is judged against, on the same database and table: the raw COPY rate of
 * the same rows (text and binary), the batched UNNEST statement the writer falls back to and
 * the optimistic COPY it tries first (write path alone), COPY into a staging table then
 * INSERT … ON CONFLICT (the alternative to UNNEST), the server's two write paths as the writer
 * calls them (rollups included on plain PostgreSQL), and a naive one-INSERT-per-message loop.
 */

/** Rows shaped like the load: `devices` devices, `metrics` metrics per sample, times 1 ms apart per device. */
export function* rows(count, { devices = 100, metrics = 5, start = Date.now() - 6 * 3600_000 } = {}) {
  const ids = Array.from({ length: devices }, () => [randomUUID(), randomUUID()]);
  for (let i = 0; i < count; i++) {
    const sample = Math.floor(i / metrics);
    const [deviceId, patientId] = ids[sample % devices];
    yield { time: new Date(start + Math.floor(sample / devices)), patientId, deviceId, metric: METRIC_CODES[i % metrics], value: 50 + (i % 40) };
  }
}

const UNNEST = `INSERT INTO readings (time, patient_id, device_id, metric, value)
  SELECT * FROM unnest($1::timestamptz[], $2::uuid[], $3::uuid[], $4::text[], $5::float8[])
  ON CONFLICT (device_id, metric, time) DO NOTHING`;

const columns = (batch) => [
  batch.map((r) => r.time.toISOString()),
  batch.map((r) => r.patientId),
  batch.map((r) => r.deviceId),
  batch.map((r) => r.metric),
  batch.map((r) => r.value),
];

/** How many times the raw binary COPY runs; the fastest is the baseline. */
const COPY_RUNS = 3;

const tsv = (r) => `${r.time.toISOString()}\t${r.patientId}\t${r.deviceId}\t${r.metric}\t${r.value}\n`;

async function timed(client, label, total, work) {
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  const {
    rows: [{ n }],
  } = await client.query('SELECT count(*)::int AS n FROM readings');
  await truncate(client);
  return { label, rows: total, seconds, rowsPerSecond: total / seconds, stored: n };
}

/** Empties readings and, on plain PostgreSQL, the app-kept rollups the server's write paths fill. */
export async function truncate(client) {
  const {
    rows: [{ rollups }],
  } = await client.query(`SELECT to_regclass('readings_1m_rollup') IS NOT NULL AS rollups`);
  await client.query(`TRUNCATE readings${rollups ? ', readings_1m_rollup, readings_1h_rollup' : ''}`);
}

/** Calls `write` with consecutive batches of `batchRows` rows. */
async function inBatches(rowsPerRun, batchRows, metrics, write) {
  let batch = [];
  for (const r of rows(rowsPerRun, { metrics })) {
    batch.push(r);
    if (batch.length === batchRows) {
      await write(batch);
      batch = [];
    }
  }
  if (batch.length) await write(batch);
}

/** The optimistic COPY alone, as ReadingRepository issues it, without the fallback (no row is a duplicate here). */
async function optimisticCopy(client, batch) {
  await client.query('BEGIN');
  await pipeline(Readable.from([copyReadings(batch)]), client.query(copyStreams.from(COPY_READINGS)));
  await client.query('COMMIT');
}

/** A batch in the writer's order (sorted by the unique key, repeats removed). */
function sorted(batch) {
  const writeBatch = new WriteBatch();
  writeBatch.add({ readings: batch }, undefined);
  return writeBatch.sortedReadings();
}

export async function measureCeilings(url, { rowsPerRun = 500_000, batchRows = 5000, naiveSeconds = 10, metrics = 5, log = console.log } = {}) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const results = [];
  try {
    await truncate(client);
    log(`  COPY ${rowsPerRun} rows in one stream, text …`);
    results.push(
      await timed(client, 'raw COPY (one stream, text)', rowsPerRun, async () => {
        const source = Readable.from(
          (function* () {
            for (const r of rows(rowsPerRun, { metrics })) yield tsv(r);
          })(),
        );
        await pipeline(source, client.query(copyStreams.from('COPY readings (time, patient_id, device_id, metric, value) FROM STDIN')));
      }),
    );
    // The baseline the ingest path is judged against: run three times, and the fastest counts
    // (one run has measured from 113,000 to 167,000 rows/s on this machine).
    for (let run = 1; run <= COPY_RUNS; run++) {
      log(`  COPY ${rowsPerRun} rows in one stream, binary (run ${run} of ${COPY_RUNS}) …`);
      results.push(
        await timed(client, `raw COPY (one stream, binary${run > 1 ? `, run ${run}` : ''})`, rowsPerRun, async () => {
          await pipeline(Readable.from([copyReadings([...rows(rowsPerRun, { metrics })])]), client.query(copyStreams.from(COPY_READINGS)));
        }),
      );
    }
    log(`  UNNEST in batches of ${batchRows} …`);
    results.push(
      await timed(client, `UNNEST + ON CONFLICT, ${batchRows}-row batches`, rowsPerRun, () =>
        inBatches(rowsPerRun, batchRows, metrics, (batch) => client.query(UNNEST, columns(batch))),
      ),
    );
    log(`  optimistic COPY (binary COPY first in its transaction) in batches of ${batchRows} …`);
    results.push(
      await timed(client, `optimistic COPY (binary COPY in its transaction), ${batchRows}-row batches`, rowsPerRun, () =>
        inBatches(rowsPerRun, batchRows, metrics, (batch) => optimisticCopy(client, batch)),
      ),
    );
    log(`  COPY to staging + INSERT … ON CONFLICT in batches of ${batchRows} …`);
    await client.query('CREATE TEMP TABLE staging (LIKE readings)');
    results.push(
      await timed(client, `COPY to staging + INSERT ON CONFLICT, ${batchRows}-row batches`, rowsPerRun, async () => {
        const all = rows(rowsPerRun, { metrics });
        for (let done = 0; done < rowsPerRun; done += batchRows) {
          const lines = [];
          for (let i = 0; i < batchRows; i++) {
            const next = all.next();
            if (next.done) break;
            lines.push(tsv(next.value));
          }
          await client.query('BEGIN');
          await pipeline(Readable.from([lines.join('')]), client.query(copyStreams.from('COPY staging FROM STDIN')));
          await client.query('INSERT INTO readings SELECT * FROM staging ON CONFLICT (device_id, metric, time) DO NOTHING');
          await client.query('TRUNCATE staging');
          await client.query('COMMIT');
        }
      }),
    );
    const db = DatabaseRepository.connect(url, { max: 1 });
    try {
      const { dialect } = await db.detectDialect();
      const readings = new ReadingRepository(db);
      const withRollups = dialect === 'postgresql' ? ', rollups included' : '';
      log(`  the server's INSERT path (ReadingRepository.insertNew) in batches of ${batchRows} …`);
      results.push(
        await timed(client, `server INSERT path: UNNEST + ON CONFLICT + RETURNING${withRollups}, ${batchRows}-row batches`, rowsPerRun, () =>
          inBatches(rowsPerRun, batchRows, metrics, (batch) => readings.insertNew(sorted(batch))),
        ),
      );
      log(`  the server's COPY path (ReadingRepository.insertNewByCopy) in batches of ${batchRows} …`);
      results.push(
        await timed(client, `server COPY path: optimistic COPY${withRollups ? ' + rollup statement' : ''}, ${batchRows}-row batches`, rowsPerRun, () =>
          inBatches(rowsPerRun, batchRows, metrics, (batch) => readings.insertNewByCopy(sorted(batch), () => Promise.resolve())),
        ),
      );
    } finally {
      await db.close();
    }
    log(`  naive: one INSERT per message (${metrics} rows) for ${naiveSeconds} s …`);
    let naiveRows = 0;
    results.push(
      await (async () => {
        const started = performance.now();
        const source = rows(Number.MAX_SAFE_INTEGER, { metrics });
        const values = Array.from({ length: metrics }, (_, i) => `($${i * 5 + 1}, $${i * 5 + 2}, $${i * 5 + 3}, $${i * 5 + 4}, $${i * 5 + 5})`).join(', ');
        const sql = `INSERT INTO readings (time, patient_id, device_id, metric, value) VALUES ${values} ON CONFLICT DO NOTHING`;
        while (performance.now() - started < naiveSeconds * 1000) {
          const params = [];
          for (let i = 0; i < metrics; i++) {
            const r = source.next().value;
            params.push(r.time, r.patientId, r.deviceId, r.metric, r.value);
          }
          await client.query(sql, params);
          naiveRows += metrics;
        }
        const seconds = (performance.now() - started) / 1000;
        const {
          rows: [{ n }],
        } = await client.query('SELECT count(*)::int AS n FROM readings');
        await truncate(client);
        return { label: `naive: one INSERT per message (${metrics} rows)`, rows: naiveRows, seconds, rowsPerSecond: naiveRows / seconds, stored: n };
      })(),
    );
  } finally {
    await client.end();
  }
  return results;
}
