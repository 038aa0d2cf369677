// Live benchmark (docs/benchmarks.md): npm run bench:live
// One run, on this machine: the Vigil server in this process (embedded aedes, the real
// PostgreSQL, the machine's Redis with the socket.io Redis adapter); devices publishing over
// MQTT and the socket.io clients each in a child process. Latency = the sample's time (set by
// the device when it publishes) → receipt by the client. Then the baseline: a bare socket.io
// server (child process) emitting the same payloads, coalesced the same way, to the same
// clients. Then history: 30 days at 1 Hz → 1,000 points on plain PostgreSQL and on PGlite with
// TimescaleDB, against a plain count(*) over the same raw rows.
// Measures, never passes or fails. Knobs: VIGIL_BENCH_CLIENTS ("500,2000"), VIGIL_BENCH_TEAM_CLIENTS
// (50), VIGIL_BENCH_POINTS (10000 a second), VIGIL_BENCH_SECONDS (30 per phase),
// VIGIL_BENCH_HISTORY_DAYS (30; 0 skips), VIGIL_BENCH_DATABASE_URL, VIGIL_BENCH_REDIS_URL.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase } from './database.js';
import { cpuSampler, forkRole, percentiles } from './measure.js';
import { publishReadings } from './mqtt-devices.js';
import { provisioner, serverModule, startBenchPlatform } from './platform.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const server = serverModule;
const log = (line = '') => process.stderr.write(`${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const REDIS_URL = process.env.VIGIL_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CLIENTS = (process.env.VIGIL_BENCH_CLIENTS ?? '500,2000').split(',').map(Number);
const TEAM_CLIENTS = Number(process.env.VIGIL_BENCH_TEAM_CLIENTS ?? 50);
const POINTS = Number(process.env.VIGIL_BENCH_POINTS ?? 10_000);
const SECONDS = Number(process.env.VIGIL_BENCH_SECONDS ?? 30);
const HISTORY_DAYS = Number(process.env.VIGIL_BENCH_HISTORY_DAYS ?? 30);
const PATIENTS = 500;
const TEAMS = 50;
const METRICS = 2; // hr and spo2 per sample

/** A child of this script in another role; resolves with its final message. */
const child = (role, options, onMessage) => forkRole(fileURLToPath(import.meta.url), role, options, onMessage);

// ---- child roles -------------------------------------------------------------------

/** Socket.io clients: `watch {patientId}` or `{teamId}`; reports receipt latency per sample. */
async function clientsRole({ url, plan, seconds }) {
  const { io } = await import('socket.io-client');
  const sockets = [];
  const latencies = [];
  let samples = 0;
  let ticks = 0;
  let measuring = false;
  for (const { token, body } of plan) {
    const socket = io(url, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
    socket.on('reading.batch.v1', ({ samples: list }) => {
      if (!measuring) return;
      const now = Date.now();
      for (const s of list) latencies.push(now - Date.parse(s.t));
      samples += list.length;
    });
    socket.on('overview.tick.v1', () => measuring && ticks++);
    await new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    const answer = await new Promise((resolve) => socket.emit('watch', body, resolve));
    if (!answer.ok) throw new Error(`watch failed: ${JSON.stringify(answer)}`);
    sockets.push(socket);
  }
  process.send({ type: 'ready' });
  await new Promise((resolve) => process.once('message', resolve));
  measuring = true;
  await sleep(seconds * 1000);
  measuring = false;
  for (const socket of sockets) socket.close();
  process.send({ type: 'done', latency: percentiles(latencies), samples, ticks });
}

/** Devices over MQTT: one sample {t: now, m: {hr, spo2}} per message, QoS 1, spread evenly. */
async function devicesRole({ brokerUrl, devices, pointsPerSecond, seconds }) {
  const published = await publishReadings({
    brokerUrl,
    devices,
    pointsPerSecond,
    seconds,
    metrics: METRICS,
    values: (i) => ({ hr: 60 + (i % 40), spo2: 90 + (i % 10) }),
    ready: () => process.send({ type: 'ready' }),
    go: new Promise((resolve) => process.once('message', resolve)),
  });
  process.send({ type: 'done', published });
}

/** The bare socket.io baseline: same rooms, same samples and rate, flushed every 250 ms, nothing else. */
async function bareRole({ patients, pointsPerSecond, seconds }) {
  const { Server } = await import('socket.io');
  const httpServer = http.createServer();
  const ioServer = new Server(httpServer, { serveClient: false });
  ioServer.on('connection', (socket) => {
    socket.on('watch', (body, ack) => {
      socket.join(body.patientId ? `patient:${body.patientId}` : `team:${body.teamId}`);
      ack({ ok: true });
    });
  });
  await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  process.send({ type: 'ready', port: httpServer.address().port });
  await new Promise((resolve) => process.once('message', resolve));
  const pending = new Map();
  const perTick = Math.max(1, Math.round(pointsPerSecond / METRICS / 10));
  let i = 0;
  const device = '00000000-0000-4000-8000-000000000000';
  const flush = setInterval(() => {
    for (const [patientId, samples] of pending) ioServer.to(`patient:${patientId}`).emit('reading.batch.v1', { patientId, samples });
    pending.clear();
  }, 250);
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const started = Date.now();
    for (let k = 0; k < perTick; k++) {
      const patientId = patients[i++ % patients.length];
      const list = pending.get(patientId) ?? [];
      list.push({ t: new Date().toISOString(), deviceId: device, m: { hr: 60 + (i % 40), spo2: 90 + (i % 10) } });
      pending.set(patientId, list);
    }
    await sleep(Math.max(0, 100 - (Date.now() - started)));
  }
  clearInterval(flush);
  await sleep(1000);
  ioServer.close();
  process.send({ type: 'done' });
}

// ---- the run ------------------------------------------------------------------------

/** Spreads `count` clients over the patients (each watching one) plus the team watchers. */
function plan(count, patients, teams) {
  const list = [];
  for (let i = 0; i < count; i++) list.push({ token: patients[i % patients.length].token, body: { patientId: patients[i % patients.length].id } });
  for (let i = 0; i < TEAM_CLIENTS; i++) list.push({ token: teams[i % teams.length].token, body: { teamId: teams[i % teams.length].id } });
  return list;
}

/** Splits the clients over two child processes (two cores); waits until all are watching. */
async function startClients(url, list) {
  const halves = [list.filter((_, i) => i % 2 === 0), list.filter((_, i) => i % 2 === 1)];
  const children = [];
  for (const half of halves) {
    let ready;
    const isReady = new Promise((r) => (ready = r));
    const c = child('clients', { url, plan: half, seconds: SECONDS }, (m) => m.type === 'ready' && ready());
    children.push({ ...c, isReady });
  }
  await Promise.all(children.map((c) => c.isReady));
  return children;
}

async function livePhases() {
  const { platform, url, stop } = await startBenchPlatform('live', { REDIS_URL });
  const results = {};
  try {
    const admin = await provisioner(platform);
    log(`provisioning ${TEAMS} teams, ${PATIENTS} patients with a device each`);
    const teams = [];
    const patients = [];
    const devices = [];
    for (let t = 0; t < TEAMS; t++) {
      const team = await admin.team(`bench team ${t} ${Date.now()}`);
      const token = await admin.signedInUser('clinician', team.id);
      teams.push({ id: team.id, token });
      for (let p = 0; p < PATIENTS / TEAMS; p++) {
        const { id, device } = await admin.patientWithDevice(team.id, `Patient ${t}.${p}`, 'pulse_oximeter');
        patients.push({ id, token });
        devices.push(device);
      }
    }
    for (const count of CLIENTS) {
      log(`vigil: ${count} patient watchers + ${TEAM_CLIENTS} team watchers, ${POINTS} points/s for ${SECONDS} s`);
      const clients = await startClients(url, plan(count, patients, teams));
      let devicesReady;
      const ready = new Promise((r) => (devicesReady = r));
      const load = child(
        'devices',
        { brokerUrl: platform.urls.broker, devices, pointsPerSecond: POINTS, seconds: SECONDS },
        (m) => m.type === 'ready' && devicesReady(),
      );
      await ready;
      const sample = cpuSampler();
      for (const c of [...clients, load]) c.send({ type: 'go' });
      const reports = await Promise.all(clients.map((c) => c.done));
      const { published } = await load.done;
      const usage = sample();
      const latencies = reports.map((r) => r.latency);
      results[`vigil_${count}`] = {
        clients: count + TEAM_CLIENTS,
        published,
        samplesReceived: reports.reduce((n, r) => n + r.samples, 0),
        ticks: reports.reduce((n, r) => n + r.ticks, 0),
        latencyMs: latencies,
        server: usage,
      };
      log(JSON.stringify(results[`vigil_${count}`]));

      log(`bare socket.io: the same clients and payloads`);
      let bareReady;
      const barePort = new Promise((r) => (bareReady = r));
      const bare = child(
        'bare',
        { patients: patients.map((p) => p.id), pointsPerSecond: POINTS, seconds: SECONDS },
        (m) => m.type === 'ready' && bareReady(m.port),
      );
      const bareUrl = `http://127.0.0.1:${await barePort}`;
      const bareClients = await startClients(bareUrl, plan(count, patients, teams));
      for (const c of [...bareClients, bare]) c.send({ type: 'go' });
      const bareReports = await Promise.all(bareClients.map((c) => c.done));
      await bare.done;
      results[`bare_${count}`] = {
        clients: count + TEAM_CLIENTS,
        samplesReceived: bareReports.reduce((n, r) => n + r.samples, 0),
        latencyMs: bareReports.map((r) => r.latency),
      };
      log(JSON.stringify(results[`bare_${count}`]));
    }
  } finally {
    await stop();
  }
  return results;
}

async function historyPhase() {
  if (HISTORY_DAYS <= 0) return {};
  const { DatabaseRepository } = await server('repositories/database.repository.js');
  const { MigrationRepository } = await server('repositories/migration.repository.js');
  const { MigrationService } = await server('services/migration.service.js');
  const { ReadingRepository } = await server('repositories/reading.repository.js');
  const { HistoryService } = await server('services/history.service.js');
  const { startEmbeddedDatabase } = await server('embedded/embedded-database.js');
  const results = {};
  for (const dialect of ['postgresql', 'timescaledb']) {
    const pgDatabase = dialect === 'postgresql' ? await createDatabase() : undefined;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-history-'));
    const embedded = dialect === 'timescaledb' ? await startEmbeddedDatabase(dir) : undefined;
    const db = DatabaseRepository.connect(pgDatabase?.url ?? embedded.url, { max: dialect === 'postgresql' ? 4 : 1 });
    try {
      await db.detectDialect();
      await new MigrationService(new MigrationRepository(db)).migrate(dialect);
      const readings = new ReadingRepository(db);
      const patientId = '00000000-0000-4000-8000-00000000b001';
      const deviceId = '00000000-0000-4000-8000-00000000b002';
      const start = Date.UTC(2026, 9, 1);
      const total = HISTORY_DAYS * 86_400;
      log(`history (${dialect}): storing ${total} rows (${HISTORY_DAYS} days at 1 Hz)`);
      for (let i = 0; i < total; i += 5000) {
        const rows = [];
        for (let k = i; k < Math.min(total, i + 5000); k++)
          rows.push({ time: new Date(start + k * 1000), patientId, deviceId, metric: 'spo2', value: k === Math.floor(total / 2) ? 80 : 97 });
        await readings.insertNew(rows);
      }
      if (dialect === 'timescaledb') await db.query(`CALL refresh_continuous_aggregate('readings_1m', NULL, NULL)`).catch(() => undefined);
      const history = new HistoryService(readings);
      const from = new Date(start);
      const to = new Date(start + total * 1000);
      const timed = async (run, n = 30) => {
        const times = [];
        for (let k = 0; k < n; k++) {
          const t0 = performance.now();
          await run();
          times.push(performance.now() - t0);
        }
        return percentiles(times);
      };
      const query = await timed(() => history.series({ patientId, metric: 'spo2', from, to, maxPoints: 1000 }));
      const points = (await history.series({ patientId, metric: 'spo2', from, to, maxPoints: 1000 })).points;
      const count = await timed(() =>
        db.query('SELECT count(*) FROM readings WHERE patient_id = $1 AND metric = $2 AND time >= $3 AND time < $4', [patientId, 'spo2', from, to]),
      );
      results[`history_${dialect}`] = {
        rows: total,
        points: points.length,
        lowestMin: Math.min(...points.map((p) => p.min)),
        queryMs: query,
        countStarMs: count,
      };
      log(JSON.stringify(results[`history_${dialect}`]));
    } finally {
      await db.close();
      await pgDatabase?.drop();
      await embedded?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return results;
}

const [role, options] = process.argv.slice(2);
if (role === 'clients') await clientsRole(JSON.parse(options));
else if (role === 'devices') await devicesRole(JSON.parse(options));
else if (role === 'bare') await bareRole(JSON.parse(options));
else {
  const results = {
    machine: { cpus: os.cpus().length, node: process.version },
    settings: { CLIENTS, TEAM_CLIENTS, POINTS, SECONDS, HISTORY_DAYS },
    ...(await livePhases()),
    ...(await historyPhase()),
  };
  const line = JSON.stringify(results);
  fs.mkdirSync(path.join(here, 'results'), { recursive: true });
  fs.writeFileSync(path.join(here, 'results', `live-${Date.now()}.json`), line + '\n');
  process.stdout.write(line + '\n');
  process.exit(0);
}
