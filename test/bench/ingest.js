// Ingest benchmark (docs/benchmarks.md): npm run bench:ingest
// Server in this process → the real PostgreSQL, first through the embedded aedes broker (ack
// after commit), then through the machine's Mosquitto started here on deploy/mosquitto/mosquitto.conf
// as shipped (devices acknowledged by the broker, Vigil acknowledging to it after commit); the
// load generator in a child process; ceilings measured on the same database in the same run.
// Measures, never passes or fails. Environment: VIGIL_BENCH_DATABASE_URL (default: the
// machine's PostgreSQL, a fresh database), VIGIL_BENCH_REDIS_URL, VIGIL_BENCH_SECONDS (per
// phase, default 30), VIGIL_BENCH_PHASES (e.g. "3,4": run only those), VIGIL_BENCH_PATHS
// (embedded,mosquitto: the default, both), VIGIL_BENCH_CEILINGS=off, VIGIL_BENCH_ROWS (rows per
// ceiling, default 500000), VIGIL_INGEST_COPY=off (INSERT … ON CONFLICT only), and any
// VIGIL_INGEST_* / VIGIL_MQTT_* variable, passed to the server.
// Per phase it also reports where the time went: writers busy, the cores used by the server (this
// process), PostgreSQL's backends of this database, the load generator and Mosquitto (Linux /proc),
// the server's event loop, and for Mosquitto the rate while the load ran and while the queue drained.
// Each path starts on an empty readings table (and rollups).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createDatabase } from './database.js';
import { measureCeilings, truncate } from './ceilings.js';
import { processCpu, scrape } from './measure.js';
import { mosquittoVersion, startShippedMosquitto } from './mosquitto.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const server = (p) => import(path.join(root, 'server/dist', p));

const REDIS_URL = process.env.VIGIL_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECONDS = Number(process.env.VIGIL_BENCH_SECONDS ?? 30);
const DEVICES = 100;
const ONLY = process.env.VIGIL_BENCH_PHASES?.split(',').map(Number);
const PATHS = (process.env.VIGIL_BENCH_PATHS ?? 'embedded,mosquitto').split(',');
const CEILINGS = process.env.VIGIL_BENCH_CEILINGS !== 'off';
const CEILING_ROWS = Number(process.env.VIGIL_BENCH_ROWS ?? 500_000);
/** Server settings given to the benchmark (VIGIL_INGEST_*, VIGIL_MQTT_*), passed on. */
/** Signs sessions (required with DATABASE_URL); nobody signs in during the benchmark. */
const VIGIL_SECRET = randomBytes(32).toString('base64url');
const SERVER_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => /^VIGIL_(INGEST|MQTT)_/.test(k)));

/** The same offered rates for both paths; points = samples × metrics. */
const PHASES = [
  { name: '1k points/s', pointsPerSecond: 1_000, metrics: 5 },
  { name: '10k points/s', pointsPerSecond: 10_000, metrics: 5 },
  { name: '50k points/s', pointsPerSecond: 50_000, metrics: 5 },
  { name: 'saturation (offered 200k points/s)', pointsPerSecond: 200_000, metrics: 5 },
  { name: 'saturation, backfill arrays of 50 samples', pointsPerSecond: 200_000, metrics: 5, samplesPerMessage: 50 },
  { name: '3 metrics a message, 50k points/s', pointsPerSecond: 50_000, metrics: 3 },
  { name: '3 metrics a message, saturation (offered 200k points/s)', pointsPerSecond: 200_000, metrics: 3 },
].filter((_, i) => !ONLY || ONLY.includes(i + 1));

const log = (line = '') => process.stderr.write(`${line}\n`);

function runLoadWorker(onSpawn, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(here, 'load-worker.js'), JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
    onSpawn(child.pid);
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

/**
 * One phase against one path. Embedded: the PUBACK comes after the commit, so the acknowledged
 * rate is the ingest rate. Mosquitto: the broker acknowledges devices at once, so the ingest
 * rate is what was stored, from the start of the phase to the last stored row; the broker's
 * own dropped counter ($SYS) says what it discarded.
 */
async function runPhase(target, phase) {
  log(`  [${target.path}] ${phase.name}, ${phase.metrics} metrics a sample …`);
  const before = await scrape(target.baseUrl);
  const rowsBefore = await target.countRows();
  // Where the machine's two cores go during the phase, and how busy and late the server's event loop is.
  const pids = new Map([[process.pid, 'server']]);
  if (target.mosquittoPid) pids.set(target.mosquittoPid, 'mosquitto');
  const backends = async () => {
    for (const { pid } of await target.backendPids()) pids.set(pid, 'postgres (this database)');
  };
  await backends();
  const backendsTimer = setInterval(() => backends().catch(() => undefined), 2000);
  const cpu = processCpu(() => pids);
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const loopBefore = performance.eventLoopUtilization();
  const report = await runLoadWorker((pid) => pids.set(pid, 'load generator'), {
    brokerUrl: target.brokerUrl,
    devices: target.devices,
    ratePerDevice: phase.pointsPerSecond / target.devices.length / phase.metrics,
    metricsPerSample: phase.metrics,
    samplesPerMessage: phase.samplesPerMessage ?? 1,
    durationMs: SECONDS * 1000,
    // At most ~200 samples unacknowledged per device, whatever the message size.
    maxInFlightPerDevice: Math.max(1, Math.floor(200 / (phase.samplesPerMessage ?? 1))),
  });
  const sentPoints = report.sent * phase.metrics;
  const ackedPoints = report.points;
  let storedAt = report.startedAtMs; // epoch ms: the worker's clock and ours are the machine's
  // Mosquitto acknowledges devices at once: what was stored while the load ran, and what was left to drain.
  const whenLoadEnded = target.path === 'embedded' ? undefined : { points: (await scrape(target.baseUrl)).points - before.points, atMs: Date.now() };
  if (target.path !== 'embedded') {
    // Until every acknowledged point is stored or dropped, or nothing moves for 5 s.
    let last = -1;
    let still = performance.now();
    for (;;) {
      const now = await scrape(target.baseUrl);
      const points = now.points - before.points;
      const dropped = (now.dropped - before.dropped) * phase.metrics;
      if (points !== last) {
        last = points;
        still = performance.now();
        if (points > 0) storedAt = Date.now();
      }
      if (points + dropped >= ackedPoints || performance.now() - still > 5000) break;
      // Not more often: each /metrics scrape costs the server's event loop a few milliseconds.
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const loop = performance.eventLoopUtilization(loopBefore);
  loopDelay.disable();
  clearInterval(backendsTimer);
  const machine = cpu();
  const after = await scrape(target.baseUrl);
  const settled = { stored: (await target.countRows()) - rowsBefore };
  const droppedMessages = after.dropped - before.dropped;
  const ingestSeconds = target.path === 'embedded' ? undefined : (storedAt - report.startedAtMs) / 1000;
  const summary = {
    path: target.path,
    ...phase,
    offeredPointsPerSecond: report.offeredRate * phase.metrics,
    // Embedded: acknowledged after commit. Mosquitto: stored, from the phase start to the last row stored.
    ingestPointsPerSecond: ingestSeconds === undefined ? report.ackRate * phase.metrics : settled.stored / ingestSeconds,
    ackedPointsPerSecond: report.ackRate * phase.metrics,
    latencyMs: report.latencyMs,
    pointsSent: sentPoints,
    pointsAcked: ackedPoints,
    pointsUnacknowledgedAtEnd: report.inFlight * phase.metrics,
    rowsStored: settled.stored,
    droppedByBroker: { messages: droppedMessages },
    errors: report.errors,
    notSent: report.offered - report.sent,
    meanCommitMs: after.commits > before.commits ? ((after.commitSum - before.commitSum) / (after.commits - before.commits)) * 1000 : 0,
    meanBatchRows: after.commits > before.commits ? (after.rows - before.rows) / (after.commits - before.commits) : 0,
    batchesByPath: Object.fromEntries(Object.keys(after.paths).map((path) => [path, after.paths[path] - before.paths[path]])),
    // Batches being written at once, on average (VIGIL_INGEST_WRITERS is the most): below it, the writers waited for messages.
    writersBusy: (after.commitSum - before.commitSum) / ((target.path === 'embedded' ? SECONDS : ingestSeconds) || 1),
    // Share of one core per process group over the phase (Mosquitto: including the drain).
    cpuCores: machine && Object.fromEntries(Object.entries(machine.cpuSeconds).map(([group, s]) => [group, s / machine.wallSeconds])),
    // CPU milliseconds per 1,000 points stored, per process group: unlike rates, comparable between runs on a busy machine.
    cpuMsPerThousandPoints:
      machine && settled.stored > 0 ? Object.fromEntries(Object.entries(machine.cpuSeconds).map(([group, s]) => [group, (s * 1e6) / settled.stored])) : undefined,
    serverEventLoop: {
      utilization: loop.utilization,
      delayP50Ms: loopDelay.percentile(50) / 1e6,
      delayP99Ms: loopDelay.percentile(99) / 1e6,
      delayMaxMs: loopDelay.max / 1e6,
    },
    ...(whenLoadEnded && {
      storedWhileLoadRanPointsPerSecond: whenLoadEnded.points / ((whenLoadEnded.atMs - report.startedAtMs) / 1000),
      drainPointsPerSecond: storedAt > whenLoadEnded.atMs ? (settled.stored - whenLoadEnded.points) / ((storedAt - whenLoadEnded.atMs) / 1000) : null,
    }),
  };
  const lost = summary.pointsAcked - summary.rowsStored;
  log(
    `    → ${Math.round(summary.ingestPointsPerSecond).toLocaleString('en')} points/s stored (offered ${Math.round(summary.offeredPointsPerSecond).toLocaleString('en')}), ` +
      `publish → PUBACK p50 ${summary.latencyMs.p50.toFixed(1)} ms, p99 ${summary.latencyMs.p99.toFixed(1)} ms; ` +
      `points sent ${sentPoints}, acknowledged ${ackedPoints}, stored ${summary.rowsStored}` +
      `${summary.pointsUnacknowledgedAtEnd ? `, ${summary.pointsUnacknowledgedAtEnd} still unacknowledged at the end` : ''}` +
      `${target.path === 'embedded' ? '' : `, messages dropped by the broker ${droppedMessages}`}: ` +
      `${lost === 0 ? 'exact' : lost < 0 && -lost <= summary.pointsUnacknowledgedAtEnd ? 'nothing lost' : `${lost} LOST`}; ` +
      `mean batch ${summary.meanBatchRows.toFixed(0)} rows in ${summary.meanCommitMs.toFixed(1)} ms; batches by path ${JSON.stringify(summary.batchesByPath)}`,
  );
  const cores = Object.entries(summary.cpuCores ?? {}).map(([group, c]) => `${group} ${c.toFixed(2)}`);
  const perPoints = Object.entries(summary.cpuMsPerThousandPoints ?? {}).map(([group, ms]) => `${group} ${ms.toFixed(1)}`);
  const el = summary.serverEventLoop;
  log(
    `      writers busy ${summary.writersBusy.toFixed(2)}; cores used: ${cores.join(', ') || 'n/a'}; CPU ms per 1,000 points stored: ${perPoints.join(', ') || 'n/a'}; server event loop ${(el.utilization * 100).toFixed(0)} % busy, delay p50 ${el.delayP50Ms.toFixed(1)} / p99 ${el.delayP99Ms.toFixed(1)} / max ${el.delayMaxMs.toFixed(1)} ms` +
      (whenLoadEnded
        ? `; stored ${Math.round(summary.storedWhileLoadRanPointsPerSecond).toLocaleString('en')} points/s while the load ran, ${summary.drainPointsPerSecond === null ? '—' : Math.round(summary.drainPointsPerSecond).toLocaleString('en')} after`
        : ''),
  );
  return summary;
}

/** The machine's Mosquitto on the shipped configuration with Vigil's exported files, and a server consuming from it. */
async function startExternal({ databaseUrl, dataDir, server: modules }) {
  const { loadConfig, createLogger, startPlatform, freePort, MosquittoExportService, CLI_ACTOR } = modules;
  const password = `bench-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  const serverUser = 'vigil-server';
  const httpPort = await freePort();
  let platform;
  let mosquitto;
  const stop = async () => {
    await platform?.stop();
    await mosquitto?.stop();
  };
  try {
    // The files Vigil exports (vigil mosquitto export), from the same database.
    const exporter = await startPlatform(
      loadConfig({
        PORT: String(await freePort()),
        DATA_DIR: dataDir,
        DATABASE_URL: databaseUrl,
        REDIS_URL,
        VIGIL_MQTT_PORT: String(await freePort()),
        LOG_LEVEL: 'warn',
        VIGIL_DEMO: 'off',
        VIGIL_SECRET,
      }),
      createLogger('warn'),
    );
    const exported = await exporter.app.get(MosquittoExportService).export(CLI_ACTOR, { user: serverUser, password });
    await exporter.stop();
    mosquitto = await startShippedMosquitto(exported);
    const config = loadConfig({
      PORT: String(httpPort),
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      MQTT_URL: `mqtt://${serverUser}:${password}@${mosquitto.serverHost}`,
      VIGIL_MQTT_CLIENT_ID: `vigil-bench-${process.pid}`,
      LOG_LEVEL: 'warn',
      VIGIL_DEMO: 'off',
      VIGIL_SECRET,
      ...SERVER_ENV,
    });
    platform = await startPlatform(config, createLogger('warn'));
    const baseUrl = `http://127.0.0.1:${httpPort}`;
    // Mosquitto's own dropped counter ($SYS/broker/publish/messages/dropped) is read as the server reports it
    // (vigil_broker_dropped_messages in scrape()): a client of our own as the server user would take the
    // server's session (use_username_as_clientid).
    return {
      config,
      target: { brokerUrl: mosquitto.brokerUrl, baseUrl, mosquittoPid: mosquitto.pid },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
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
    { MosquittoExportService },
  ] = await Promise.all([
    server('config/app.config.js'),
    server('logger.js'),
    server('platform.js'),
    server('embedded/net.js'),
    server('services/team-admin.service.js'),
    server('services/patient-admin.service.js'),
    server('services/device-admin.service.js'),
    server('domain/actor.js'),
    server('services/mosquitto-export.service.js'),
  ]);
  const modules = { loadConfig, createLogger, startPlatform, freePort, MosquittoExportService, CLI_ACTOR };
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
    VIGIL_SECRET,
    ...SERVER_ENV,
  });
  let platform = await startPlatform(config, createLogger('warn'));
  let external;
  const results = {
    startedAt: startedAt.toISOString(),
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model,
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      mosquitto: mosquittoVersion(),
    },
    ingest: {},
    phases: [],
  };
  const db = new pg.Client({ connectionString: database.url });
  try {
    log('\n1. Ceilings on the same database (readings table with its indexes)');
    results.ceilings = CEILINGS ? await measureCeilings(database.url, { metrics: 3, rowsPerRun: CEILING_ROWS, log }) : [];
    for (const c of results.ceilings)
      log(`  ${c.label.padEnd(96)} ${Math.round(c.rowsPerSecond).toLocaleString('en').padStart(9)} rows/s (stored ${c.stored})`);

    const team = await platform.app.get(TeamAdminService).createTeam(CLI_ACTOR, 'Bench ward');
    const patient = await platform.app.get(PatientAdminService).createPatient(CLI_ACTOR, { name: 'Bench patient', team: team.id, spo2Scale: 1 });
    const devices = [];
    for (let i = 0; i < DEVICES; i++) {
      const { device, secret } = await platform.app.get(DeviceAdminService).createDevice(CLI_ACTOR, { patient: patient.id, kind: 'wearable' });
      devices.push({ id: device.id, secret });
    }
    results.ingest = { devices: DEVICES, secondsPerPhase: SECONDS, config: config.ingest };

    await db.connect();
    const countRows = async () => (await db.query('SELECT count(*)::int AS n FROM readings')).rows[0].n;
    const backendPids = async () => (await db.query('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()')).rows;
    if (PATHS.includes('embedded')) {
      log(`\n2. Ingest through the embedded broker: ${DEVICES} devices, QoS 1, PUBACK after commit, ${SECONDS} s per phase`);
      for (const phase of PHASES) {
        results.phases.push(
          await runPhase({ path: 'embedded', brokerUrl: platform.urls.broker, baseUrl: `http://127.0.0.1:${port}`, devices, countRows, backendPids }, phase),
        );
      }
    }
    await platform.stop();
    platform = undefined;
    if (PATHS.includes('mosquitto')) {
      // The same start as the embedded path had: an empty readings table. On the rows the embedded
      // phases left, each point cost PostgreSQL about twice the CPU (docs/benchmarks.md, issue 11),
      // which made the comparison of the two paths unfair.
      await truncate(db);
      log(
        `\n3. Ingest through Mosquitto (${results.machine.mosquitto}; deploy/mosquitto/mosquitto.conf as shipped, Vigil's exported password file and ACL): ` +
          `${DEVICES} devices, QoS 1 acknowledged by the broker, Vigil acknowledging to the broker after commit, ${SECONDS} s per phase`,
      );
      external = await startExternal({ databaseUrl: database.url, dataDir, server: modules });
      results.ingest.external = { config: { ingest: external.config.ingest, consumers: external.config.mqtt.consumers } };
      for (const phase of PHASES) results.phases.push(await runPhase({ path: 'mosquitto', ...external.target, devices, countRows, backendPids }, phase));
    }
  } finally {
    await db.end().catch(() => undefined);
    await external?.stop();
    await platform?.stop();
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  results.goals = goals(results);
  const out = path.join(here, 'results');
  fs.mkdirSync(out, { recursive: true });
  const file = path.join(out, `ingest-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify(results, null, 2));
  log(`results: ${path.relative(root, file)}`);
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

/**
 * Judged on one sample per message (what a home device sends), against the faster raw COPY of
 * the two formats (the server itself COPYs in binary): the existing goals on the embedded
 * path at five metrics a message, and issue 11's at three metrics a message on both paths.
 */
function goals(results) {
  const rawCopies = results.ceilings.filter((c) => c.label.startsWith('raw COPY'));
  const copy = rawCopies.length ? Math.max(...rawCopies.map((c) => c.rowsPerSecond)) : NaN;
  const best = (path, metrics) =>
    Math.max(0, ...results.phases.filter((p) => p.path === path && !p.samplesPerMessage && p.metrics === metrics).map((p) => p.ingestPointsPerSecond));
  const at10k = results.phases.find((p) => p.path === 'embedded' && p.pointsPerSecond === 10_000) ?? { latencyMs: { p99: NaN } };
  const lost = results.phases.filter((p) => p.path !== 'embedded').reduce((sum, p) => sum + Math.max(0, p.pointsAcked - p.rowsStored), 0);
  const [embedded5, embedded3, external3, external5] = [best('embedded', 5), best('embedded', 3), best('mosquitto', 3), best('mosquitto', 5)];
  const g = {
    rawCopy: copy,
    embedded: { fiveMetrics: embedded5, threeMetrics: embedded3, ofCopy: embedded3 / copy },
    mosquitto: { fiveMetrics: external5, threeMetrics: external3, ofCopy: external3 / copy, ofEmbedded: external3 / embedded3, pointsLost: lost },
    p99At10k: at10k.latencyMs.p99,
  };
  log(
    `\nGoals (one sample per message, raw COPY ${Math.round(copy).toLocaleString('en')} rows/s):\n` +
      `  embedded, 5 metrics: ${Math.round(embedded5).toLocaleString('en')} points/s; p99 at 10k points/s ${at10k.latencyMs.p99.toFixed(1)} ms (≤ 100 ms)\n` +
      `  3 metrics a message: embedded ${Math.round(embedded3).toLocaleString('en')} points/s (${(embedded3 / copy).toFixed(2)} × COPY), ` +
      `Mosquitto ${Math.round(external3).toLocaleString('en')} points/s (${(external3 / copy).toFixed(2)} × COPY, ${(external3 / embedded3).toFixed(2)} × embedded); ` +
      `goals ≥ 50,000 points/s, ≥ 0.5 × COPY, external ≥ 0.8 × embedded\n` +
      `  points acknowledged by Mosquitto and not stored, all phases: ${lost}`,
  );
  // Mosquitto acknowledges devices at once, so its phases have two parts: while the load generator (on the same two
  // cores) still sends, and the drain of what the broker queued, with nothing else running.
  for (const p of results.phases.filter((p) => p.path !== 'embedded' && p.storedWhileLoadRanPointsPerSecond !== undefined))
    log(
      `  ${p.path}, ${p.name} (${p.metrics} metrics): stored ${Math.round(p.storedWhileLoadRanPointsPerSecond).toLocaleString('en')} points/s while the load ran, ` +
        `${p.drainPointsPerSecond === null ? '—' : Math.round(p.drainPointsPerSecond).toLocaleString('en')} points/s draining the broker's queue after it`,
    );
  return g;
}

await main();
