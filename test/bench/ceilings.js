import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';

/**
 * What the ingest path is judged against, on the same database and table: the raw COPY rate of
 * the same rows, the batched UNNEST statement the writer uses (write path alone), COPY into a
 * staging table then INSERT … ON CONFLICT (the alternative to UNNEST), and a naive
 * one-INSERT-per-message loop.
 */

const METRICS = ['hr', 'spo2', 'rr', 'temp', 'sbp', 'dbp', 'weight', 'glucose', 'o2', 'acvpu'];

/** Rows shaped like the load: `devices` devices, `metrics` metrics per sample, times 1 ms apart per device. */
export function* rows(count, { devices = 100, metrics = 5, start = Date.now() - 6 * 3600_000 } = {}) {
  const ids = Array.from({ length: devices }, () => [randomUUID(), randomUUID()]);
  for (let i = 0; i < count; i++) {
    const sample = Math.floor(i / metrics);
    const [deviceId, patientId] = ids[sample % devices];
    yield { time: new Date(start + Math.floor(sample / devices)), patientId, deviceId, metric: METRICS[i % metrics], value: 50 + (i % 40) };
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

const tsv = (r) => `${r.time.toISOString()}\t${r.patientId}\t${r.deviceId}\t${r.metric}\t${r.value}\n`;

async function timed(client, label, total, work) {
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  const { rows: [{ n }] } = await client.query('SELECT count(*)::int AS n FROM readings');
  await client.query('TRUNCATE readings');
  return { label, rows: total, seconds, rowsPerSecond: total / seconds, stored: n };
}

export async function measureCeilings(url, { rowsPerRun = 500_000, batchRows = 5000, naiveSeconds = 10, metrics = 5, log = console.log } = {}) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const results = [];
  try {
    await client.query('TRUNCATE readings');
    log(`  COPY ${rowsPerRun} rows in one stream …`);
    results.push(
      await timed(client, 'raw COPY (one stream)', rowsPerRun, async () => {
        const source = Readable.from((function* () { for (const r of rows(rowsPerRun, { metrics })) yield tsv(r); })());
        await pipeline(source, client.query(copyStreams.from('COPY readings (time, patient_id, device_id, metric, value) FROM STDIN')));
      }),
    );
    log(`  UNNEST in batches of ${batchRows} …`);
    results.push(
      await timed(client, `UNNEST + ON CONFLICT, ${batchRows}-row batches`, rowsPerRun, async () => {
        let batch = [];
        for (const r of rows(rowsPerRun, { metrics })) {
          batch.push(r);
          if (batch.length === batchRows) {
            await client.query(UNNEST, columns(batch));
            batch = [];
          }
        }
        if (batch.length) await client.query(UNNEST, columns(batch));
      }),
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
        const { rows: [{ n }] } = await client.query('SELECT count(*)::int AS n FROM readings');
        await client.query('TRUNCATE readings');
        return { label: `naive: one INSERT per message (${metrics} rows)`, rows: naiveRows, seconds, rowsPerSecond: naiveRows / seconds, stored: n };
      })(),
    );
  } finally {
    await client.end();
  }
  return results;
}
