// Ingest benchmark (docs/benchmarks.md): npm run bench:ingest
// Server in this process (embedded aedes, ack after commit) → the real PostgreSQL; the load
// generator in a child process; ceilings measured on the same database in the same run.
// Measures, never passes or fails. Environment: VIGIL_BENCH_DATABASE_URL (default: the
// machine's PostgreSQL, a fresh database), VIGIL_BENCH_REDIS_URL, VIGIL_BENCH_SECONDS (per
// phase, default 30), VIGIL_BENCH_PHASES (e.g. "3,4": run only those), VIGIL_BENCH_CEILINGS=off,
// VIGIL_INGEST_COPY=off (the server writes by INSERT … ON CONFLICT only, as before COPY).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { measureCeilings } from './ceilings.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const server = (p) => import(path.join(root, 'server/dist', p));

const ADMIN_URL = process.env.VIGIL_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.VIGIL_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECONDS = Number(process.env.VIGIL_BENCH_SECONDS ?? 30);
const DEVICES = 100;
const METRICS = 5;
const ONLY = process.env.VIGIL_BENCH_PHASES?.split(',').map(Number);
const CEILINGS = process.env.VIGIL_BENCH_CEILINGS !== 'off';

const log = (line = '') => process.stderr.write(`${line}\n`);

async function createDatabase() {
  const name = `vigil_bench_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

function runLoadWorker(options) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(here, 'load-worker.js'), JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let report;
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.startsWith('progress ')) {
          const s = JSON.parse(line.slice(9));
          log(`    ${(s.elapsedMs / 1000).toFixed(0).padStart(3)} s  offered ${s.offered}  sent ${s.sent}  acked ${s.acknowledged}  in flight ${s.inFlight}`);
        } else if (line.startsWith('report ')) report = JSON.parse(line.slice(7));
      }
    });
    child.on('exit', (code) => (report ? resolve(report) : reject(new Error(`load worker exited with ${code}`))));
  });
}

async function scrape(baseUrl) {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const value = (name) => Number(text.match(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm'))?.[1] ?? 0);
  const path = (label) => value(`vigil_ingest_write_batches_total\\{path="${label}"\\}`);
  return {
    commitSum: value('vigil_ingest_commit_seconds_sum'),
    commits: value('vigil_ingest_commit_seconds_count'),
    rows: value('vigil_ingest_batch_rows_sum'),
    paths: { copy: path('copy'), fallback: path('fallback'), insert: path('insert') },
  };
}

async function main() {
  const startedAt = new Date();
  log(
    `Vigil ingest benchmark, ${startedAt.toISOString()}; ${os.cpus().length} × ${os.cpus()[0]?.model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
  );
  const database = await createDatabase();
  const [
    { loadConfig },
    { createLogger },
    { startPlatform },
    { freePort },
    { TeamAdminService },
    { PatientAdminService },
    { DeviceAdminService },
    { CLI_ACTOR },
  ] = await Promise.all([
    server('config/app.config.js'),
    server('logger.js'),
    server('platform.js'),
    server('embedded/net.js'),
    server('services/team-admin.service.js'),
    server('services/patient-admin.service.js'),
    server('services/device-admin.service.js'),
    server('domain/actor.js'),
  ]);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-'));
  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    REDIS_URL,
    VIGIL_MQTT_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
    VIGIL_DEMO: 'off',
    ...(process.env.VIGIL_INGEST_COPY ? { VIGIL_INGEST_COPY: process.env.VIGIL_INGEST_COPY } : {}),
  });
  const platform = await startPlatform(config, createLogger('warn'));
  const results = {
    startedAt: startedAt.toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
    ingest: {},
    phases: [],
  };
  try {
    log('\n1. Ceilings on the same database (readings table with its indexes)');
    results.ceilings = CEILINGS ? await measureCeilings(database.url, { metrics: METRICS, log }) : [];
    for (const c of results.ceilings)
      log(`  ${c.label.padEnd(96)} ${Math.round(c.rowsPerSecond).toLocaleString('en').padStart(9)} rows/s (stored ${c.stored})`);

    const team = await platform.app.get(TeamAdminService).createTeam(CLI_ACTOR, 'Bench ward');
    const patient = await platform.app.get(PatientAdminService).createPatient(CLI_ACTOR, { name: 'Bench patient', team: team.id, spo2Scale: 1 });
    const devices = [];
    for (let i = 0; i < DEVICES; i++) {
      const { device, secret } = await platform.app.get(DeviceAdminService).createDevice(CLI_ACTOR, { patient: patient.id, kind: 'wearable' });
      devices.push({ id: device.id, secret });
    }
    results.ingest = { devices: DEVICES, metricsPerSample: METRICS, secondsPerPhase: SECONDS, config: config.ingest };

    const phases = [
      { name: '1k points/s', pointsPerSecond: 1_000 },
      { name: '10k points/s', pointsPerSecond: 10_000 },
      { name: '50k points/s', pointsPerSecond: 50_000 },
      { name: 'saturation (offered 200k points/s)', pointsPerSecond: 200_000 },
      { name: 'saturation, backfill arrays of 50 samples', pointsPerSecond: 200_000, samplesPerMessage: 50 },
    ].filter((_, i) => !ONLY || ONLY.includes(i + 1));
    log(`\n2. Ingest: ${DEVICES} devices, ${METRICS} metrics per sample, QoS 1, PUBACK after commit, ${SECONDS} s per phase`);
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    for (const phase of phases) {
      log(`  ${phase.name} …`);
      const before = await scrape(`http://127.0.0.1:${port}`);
      const {
        rows: [{ n: rowsBefore }],
      } = await db.query('SELECT count(*)::int AS n FROM readings');
      const report = await runLoadWorker({
        brokerUrl: platform.urls.broker,
        devices,
        ratePerDevice: phase.pointsPerSecond / DEVICES / METRICS,
        metricsPerSample: METRICS,
        samplesPerMessage: phase.samplesPerMessage ?? 1,
        durationMs: SECONDS * 1000,
        // At most ~200 samples unacknowledged per device, whatever the message size.
        maxInFlightPerDevice: Math.max(1, Math.floor(200 / (phase.samplesPerMessage ?? 1))),
      });
      const after = await scrape(`http://127.0.0.1:${port}`);
      const {
        rows: [{ n: rowsAfter }],
      } = await db.query('SELECT count(*)::int AS n FROM readings');
      const summary = {
        ...phase,
        offeredPointsPerSecond: report.offeredRate * METRICS,
        ackedPointsPerSecond: report.ackRate * METRICS,
        latencyMs: report.latencyMs,
        pointsAcked: report.points,
        pointsUnacknowledgedAtEnd: report.inFlight * METRICS,
        rowsStored: rowsAfter - rowsBefore,
        errors: report.errors,
        notSent: report.offered - report.sent,
        meanCommitMs: after.commits > before.commits ? ((after.commitSum - before.commitSum) / (after.commits - before.commits)) * 1000 : 0,
        meanBatchRows: after.commits > before.commits ? (after.rows - before.rows) / (after.commits - before.commits) : 0,
        batchesByPath: Object.fromEntries(Object.keys(after.paths).map((path) => [path, after.paths[path] - before.paths[path]])),
      };
      results.phases.push(summary);
      log(
        `    → acked ${Math.round(summary.ackedPointsPerSecond).toLocaleString('en')} points/s (offered ${Math.round(summary.offeredPointsPerSecond).toLocaleString('en')}), ` +
          `p50 ${summary.latencyMs.p50.toFixed(1)} ms, p99 ${summary.latencyMs.p99.toFixed(1)} ms, max ${summary.latencyMs.max.toFixed(0)} ms; ` +
          `stored ${summary.rowsStored} = acked ${summary.pointsAcked}${summary.pointsUnacknowledgedAtEnd ? ` + ${summary.pointsUnacknowledgedAtEnd} still unacknowledged at the end` : ''}: ` +
          `${summary.rowsStored === summary.pointsAcked ? 'exact' : summary.rowsStored >= summary.pointsAcked && summary.rowsStored <= summary.pointsAcked + summary.pointsUnacknowledgedAtEnd ? 'nothing lost' : 'MISMATCH'}; ` +
          `mean batch ${summary.meanBatchRows.toFixed(0)} rows in ${summary.meanCommitMs.toFixed(1)} ms; ` +
          `batches by path ${JSON.stringify(summary.batchesByPath)}`,
      );
    }
    await db.end();
  } finally {
    await platform.stop();
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  // Judged on one sample per message (what a home device sends); backfill arrays reported beside.
  // Against the faster raw COPY of the two formats, since the server itself now COPYs in binary.
  const rawCopies = results.ceilings.filter((c) => c.label.startsWith('raw COPY'));
  const copy = rawCopies.length ? Math.max(...rawCopies.map((c) => c.rowsPerSecond)) : NaN;
  const textCopy = rawCopies.find((c) => c.label.includes('text'))?.rowsPerSecond ?? NaN;
  const single = Math.max(...results.phases.filter((p) => !p.samplesPerMessage).map((p) => p.ackedPointsPerSecond));
  const backfill = Math.max(0, ...results.phases.filter((p) => p.samplesPerMessage).map((p) => p.ackedPointsPerSecond));
  const at10k = results.phases.find((p) => p.pointsPerSecond === 10_000) ?? { latencyMs: { p99: NaN } };
  results.goals = {
    sustained50k: { value: single, met: single >= 50_000 },
    halfOfCopy: { value: single / copy, met: single >= 0.5 * copy, ofTextCopy: single / textCopy, backfill: backfill / copy },
    p99At10k: { value: at10k.latencyMs.p99, met: at10k.latencyMs.p99 <= 100 },
  };
  log(
    `\nGoals (one sample per message): sustained ${Math.round(single).toLocaleString('en')} points/s (≥ 50,000: ${results.goals.sustained50k.met ? 'met' : 'not met'}); ` +
      `${(single / copy).toFixed(2)} × the faster raw COPY (≥ 0.5: ${results.goals.halfOfCopy.met ? 'met' : 'not met'}; ${(single / textCopy).toFixed(2)} × text COPY; backfill arrays ${(backfill / copy).toFixed(2)} ×); ` +
      `p99 at 10k points/s ${at10k.latencyMs.p99.toFixed(1)} ms (≤ 100 ms: ${results.goals.p99At10k.met ? 'met' : 'not met'})`,
  );
  const out = path.join(here, 'results');
  fs.mkdirSync(out, { recursive: true });
  const file = path.join(out, `ingest-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify(results, null, 2));
  log(`results: ${path.relative(root, file)}`);
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

await main();
