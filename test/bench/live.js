// Live benchmark (docs/benchmarks.md): npm run bench:live
// One run, on this machine: the Vigil server in this process (embedded aedes, the real
// PostgreSQL, the machine's Redis with the socket.io Redis adapter); devices publishing over
// MQTT and the socket.io clients each in a child process. Latency = the sample's time (set by
// the device when it publishes) → receipt by the client. Then the baseline: a bare socket.io
// server (child process) emitting the same payloads, coalesced the same way, to the same
// clients. Then history: 30 days at 1 Hz → 1,000 points on plain PostgreSQL and on PGlite with
// TimescaleDB, against a plain count(*) over the same raw rows.
// The live phases run twice: through the embedded broker (one server), then the production
// path: devices → the machine's Mosquitto on deploy/mosquitto/mosquitto.conf as shipped → two
// server replicas (this process and a child) on the exclusive ingest session as Compose runs
// them, half the clients on each, so what the consuming replica ingests reaches the other's
// clients through the Redis adapter.
// Measures, never passes or fails. Knobs: VIGIL_BENCH_BROKERS ("embedded,mosquitto"; "none" for history only),
// VIGIL_BENCH_CLIENTS ("500,2000"), VIGIL_BENCH_TEAM_CLIENTS
// (50), VIGIL_BENCH_POINTS (10000 a second), VIGIL_BENCH_PATIENTS (500), VIGIL_BENCH_SECONDS (30 per phase),
// VIGIL_BENCH_HISTORY_DAYS (30; 0 skips), VIGIL_BENCH_DATABASE_URL, VIGIL_BENCH_REDIS_URL.
// Soak (npm run bench:soak): VIGIL_BENCH_SOAK_SECONDS (600) runs one long phase instead, with
// VIGIL_BENCH_CLIENTS patient watchers (200), and samples the server's RSS, heap and event-loop
// delay every VIGIL_BENCH_WINDOW_SECONDS (10), with fitted slopes, latencies and error counts.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createDatabase } from './database.js';
import { cpuSampler, forkRole, percentiles, roleOptions, scrape, writeResult } from './measure.js';
import { startShippedMosquitto } from './mosquitto.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const server = (p) => import(path.join(root, 'server/dist', p));
const log = (line = '') => process.stderr.write(`${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const REDIS_URL = process.env.VIGIL_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
// 'none': no live phase, only history.
const BROKERS = (process.env.VIGIL_BENCH_BROKERS ?? 'embedded,mosquitto').split(',').filter((b) => b && b !== 'none');
const CLIENTS = (process.env.VIGIL_BENCH_CLIENTS ?? '500,2000').split(',').map(Number);
const TEAM_CLIENTS = Number(process.env.VIGIL_BENCH_TEAM_CLIENTS ?? 50);
const POINTS = Number(process.env.VIGIL_BENCH_POINTS ?? 10_000);
const SECONDS = Number(process.env.VIGIL_BENCH_SECONDS ?? 30);
const HISTORY_DAYS = Number(process.env.VIGIL_BENCH_HISTORY_DAYS ?? 30);
const SOAK_SECONDS = Number(process.env.VIGIL_BENCH_SOAK_SECONDS ?? 0);
const WINDOW_SECONDS = Number(process.env.VIGIL_BENCH_WINDOW_SECONDS ?? 10);
/**
 * Patients, one pulse oximeter each, over which the points are spread. 500 (the default): every
 * watched room gets 20 points a second, above the 4-a-second cap. 5,000: 10,000 points a second
 * is 5,000 oximeters at 1 Hz, and the watchers are spread over them.
 */
const PATIENTS = Number(process.env.VIGIL_BENCH_PATIENTS ?? 500);
const TEAMS = 50;
const METRICS = 2; // hr and spo2 per sample

/** A child of this script in another role; resolves with its final message. */
const child = (role, options, onMessage) => forkRole(fileURLToPath(import.meta.url), role, options, onMessage);

// ---- child roles -------------------------------------------------------------------

/** Socket.io clients: `watch {patientId}` or `{teamId}`; reports receipt latency per sample. */
async function clientsRole({ url, plan, seconds, windowSeconds }) {
  const { io } = await import('socket.io-client');
  const sockets = [];
  const latencies = [];
  let window = [];
  let samples = 0;
  let ticks = 0;
  let disconnects = 0;
  let resyncs = 0;
  let measuring = false;
  for (const { token, body } of plan) {
    const socket = io(url, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
    socket.on('reading.batch.v1', ({ samples: list }) => {
      if (!measuring) return;
      const now = Date.now();
      for (const s of list) {
        latencies.push(now - Date.parse(s.t));
        if (windowSeconds) window.push(now - Date.parse(s.t));
      }
      samples += list.length;
    });
    socket.on('disconnect', () => measuring && disconnects++);
    socket.on('resync.v1', () => measuring && resyncs++);
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
  const windows = windowSeconds
    ? setInterval(() => {
        process.send({ type: 'window', latency: percentiles(window), disconnects, resyncs });
        window = [];
      }, windowSeconds * 1000)
    : undefined;
  await sleep(seconds * 1000);
  clearInterval(windows);
  measuring = false;
  for (const socket of sockets) socket.close();
  process.send({ type: 'done', latency: percentiles(latencies), samples, ticks, disconnects, resyncs });
}

/** Devices over MQTT: one sample {t: now, m: {hr, spo2}} per message, QoS 1, spread evenly. */
async function devicesRole({ brokerUrl, devices, pointsPerSecond, seconds }) {
  const mqtt = await import('mqtt');
  const clients = await Promise.all(devices.map((d) => mqtt.connectAsync(brokerUrl, { username: d.id, password: d.secret, clientId: d.id })));
  process.send({ type: 'ready' });
  await new Promise((resolve) => process.once('message', resolve));
  const perTick = Math.max(1, Math.round(pointsPerSecond / METRICS / 10));
  let i = 0;
  let published = 0;
  let errors = 0;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const started = Date.now();
    for (let k = 0; k < perTick; k++) {
      const c = clients[i++ % clients.length];
      const d = devices[(i - 1) % devices.length];
      c.publish(`vigil/v1/devices/${d.id}/readings`, JSON.stringify({ t: Date.now(), m: { hr: 60 + (i % 40), spo2: 90 + (i % 10) } }), { qos: 1 }, (err) => {
        if (err) errors++;
      });
      published++;
    }
    await sleep(Math.max(0, 100 - (Date.now() - started)));
  }
  await sleep(1000);
  await Promise.all(clients.map((c) => c.endAsync()));
  process.send({ type: 'done', published, errors });
}

/**
 * The bare socket.io baseline: same rooms, same samples and rate, coalesced as Vigil does (a
 * room is sent at most once per 250 ms; one that was sent nothing for 250 ms at once), nothing else.
 */
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
  const lastSent = new Map();
  const send = (patientId) => {
    ioServer.to(`patient:${patientId}`).emit('reading.batch.v1', { patientId, samples: pending.get(patientId) });
    pending.delete(patientId);
    lastSent.set(patientId, Date.now());
  };
  const perTick = Math.max(1, Math.round(pointsPerSecond / METRICS / 10));
  let i = 0;
  const device = '00000000-0000-4000-8000-000000000000';
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const started = Date.now();
    for (let k = 0; k < perTick; k++) {
      const patientId = patients[i++ % patients.length];
      const sample = { t: new Date().toISOString(), deviceId: device, m: { hr: 60 + (i % 40), spo2: 90 + (i % 10) } };
      const list = pending.get(patientId);
      if (list) list.push(sample);
      else {
        pending.set(patientId, [sample]);
        setTimeout(() => send(patientId), Math.max(0, (lastSent.get(patientId) ?? 0) + 250 - Date.now()));
      }
    }
    await sleep(Math.max(0, 100 - (Date.now() - started)));
  }
  await sleep(1000);
  ioServer.close();
  process.send({ type: 'done' });
}

/** A second server replica (production path): the platform on `env` until told to stop. */
async function replicaRole({ env }) {
  const { loadConfig } = await server('config/app.config.js');
  const { createLogger } = await server('logger.js');
  const { startPlatform } = await server('platform.js');
  const platform = await startPlatform(loadConfig(env), createLogger('warn'));
  process.send({ type: 'ready' });
  await new Promise((resolve) => process.once('message', resolve));
  await platform.stop();
  process.send({ type: 'done' });
}

// ---- the run ------------------------------------------------------------------------

/** Spreads `count` clients over the patients (each watching one) plus the team watchers. */
function plan(count, patients, teams) {
  const list = [];
  // Fewer watchers than patients: spread over all of them (and so over every team).
  const pick = (i) => patients[count < patients.length ? Math.floor((i * patients.length) / count) : i % patients.length];
  for (let i = 0; i < count; i++) list.push({ token: pick(i).token, body: { patientId: pick(i).id } });
  for (let i = 0; i < TEAM_CLIENTS; i++) list.push({ token: teams[i % teams.length].token, body: { teamId: teams[i % teams.length].id } });
  return list;
}

/**
 * Splits the clients over two child processes (two cores), each connected to one of `urls` in
 * turn (one server, or the two replicas); waits until all are watching.
 */
async function startClients(urls, list, { seconds = SECONDS, windowSeconds, onWindow = () => undefined } = {}) {
  const halves = [list.filter((_, i) => i % 2 === 0), list.filter((_, i) => i % 2 === 1)];
  const targets = [urls].flat();
  const children = [];
  for (const [i, half] of halves.entries()) {
    let ready;
    const isReady = new Promise((r) => (ready = r));
    const url = targets[i % targets.length];
    const c = child('clients', { url, plan: half, seconds, windowSeconds }, (m) => (m.type === 'ready' ? ready() : m.type === 'window' && onWindow(m)));
    children.push({ ...c, isReady });
  }
  await Promise.all(children.map((c) => c.isReady));
  return children;
}

/**
 * The server in this process on a fresh database, 50 teams of PATIENTS / 50 patients with a pulse oximeter
 * each; runs `work` with them. `broker` 'mosquitto': once provisioned, the server restarts on the
 * shipped Mosquitto (exclusive ingest session, as Compose) with a second replica in a child
 * process; `urls` then holds both replicas' addresses and `brokerUrl` the devices' listener.
 */
async function withProvisionedPlatform(work, { broker = 'embedded' } = {}) {
  const { loadConfig } = await server('config/app.config.js');
  const { createLogger } = await server('logger.js');
  const { startPlatform } = await server('platform.js');
  const { freePort } = await server('embedded/net.js');
  const { TeamAdminService } = await server('services/team-admin.service.js');
  const { PatientAdminService } = await server('services/patient-admin.service.js');
  const { DeviceAdminService } = await server('services/device-admin.service.js');
  const { UserAdminService } = await server('services/user-admin.service.js');
  const { SessionService } = await server('services/session.service.js');
  const { MosquittoExportService } = await server('services/mosquitto-export.service.js');
  const { CLI_ACTOR } = await server('domain/actor.js');

  const database = await createDatabase();
  const dataDirs = [];
  const dataDir = () => {
    dataDirs.push(fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-live-')));
    return dataDirs.at(-1);
  };
  const port = await freePort();
  const env = { DATABASE_URL: database.url, REDIS_URL: REDIS_URL, VIGIL_SECRET: 'bench-'.repeat(8), VIGIL_DEMO: 'off', LOG_LEVEL: 'warn' };
  let platform = await startPlatform(
    loadConfig({ ...env, PORT: String(port), DATA_DIR: dataDir(), VIGIL_MQTT_PORT: String(await freePort()) }),
    createLogger('warn'),
  );
  let mosquitto;
  let replica;
  try {
    const admin = {
      createTeam: (...a) => platform.app.get(TeamAdminService).createTeam(...a),
      createPatient: (...a) => platform.app.get(PatientAdminService).createPatient(...a),
      createDevice: (...a) => platform.app.get(DeviceAdminService).createDevice(...a),
    };
    const users = platform.app.get(UserAdminService);
    const sessions = platform.app.get(SessionService);
    log(`provisioning ${TEAMS} teams, ${PATIENTS} patients with a device each`);
    const teams = [];
    const patients = [];
    const devices = [];
    for (let t = 0; t < TEAMS; t++) {
      const team = await admin.createTeam(CLI_ACTOR, `bench team ${t} ${Date.now()}`);
      const { user } = await users.createUser(CLI_ACTOR, {
        email: `bench-${t}-${Date.now()}@bench.example`,
        name: `Nurse ${t}`,
        role: 'clinician',
        team: team.id,
        password: `bench-Correct-Horse-${t}-x`,
        enrolNow: true,
      });
      const { accessToken: token } = await sessions.start(user.id, {});
      teams.push({ id: team.id, token });
      for (let p = 0; p < PATIENTS / TEAMS; p++) {
        const patient = await admin.createPatient(CLI_ACTOR, { name: `Patient ${t}.${p}`, team: team.id, spo2Scale: 1 });
        const { device, secret } = await admin.createDevice(CLI_ACTOR, { patient: patient.id, kind: 'pulse_oximeter' });
        patients.push({ id: patient.id, token });
        devices.push({ id: device.id, secret });
      }
    }
    if (broker === 'embedded') return await work({ platform, urls: [`http://127.0.0.1:${port}`], brokerUrl: platform.urls.broker, teams, patients, devices });

    const password = `bench-${Math.random().toString(36).slice(2)}`;
    mosquitto = await startShippedMosquitto(await platform.app.get(MosquittoExportService).export(CLI_ACTOR, { user: 'vigil-server', password }), {
      serverListener: true,
    });
    await platform.stop();
    platform = undefined;
    const replicaEnv = async (name) => ({
      ...env,
      PORT: String(await freePort()),
      DATA_DIR: dataDir(),
      MQTT_URL: `mqtt://vigil-server:${password}@${mosquitto.serverHost}`,
      VIGIL_MQTT_SUBSCRIPTION: 'exclusive',
      VIGIL_MQTT_CLIENT_ID: name,
    });
    // The first replica also runs the alert workers (Compose's separate worker service); the second does not.
    const first = await replicaEnv('vigil-bench-1');
    const second = { ...(await replicaEnv('vigil-bench-2')), VIGIL_WORKERS: 'off' };
    platform = await startPlatform(loadConfig(first), createLogger('warn'));
    let replicaReady;
    const ready = new Promise((r) => (replicaReady = r));
    replica = child('replica', { env: second }, (m) => m.type === 'ready' && replicaReady());
    await ready;
    const urls = [`http://127.0.0.1:${first.PORT}`, `http://127.0.0.1:${second.PORT}`];
    await untilIngestActive(urls);
    return await work({
      platform,
      urls,
      brokerUrl: mosquitto.brokerUrl,
      teams,
      patients,
      devices,
    });
  } finally {
    if (replica) {
      replica.send({ type: 'stop' });
      await replica.done;
    }
    await platform?.stop();
    await mosquitto?.stop();
    await database.drop();
    for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Waits until one of the replicas holds the exclusive ingest session (its /api/ready says `active`). */
async function untilIngestActive(urls) {
  const role = async (url) => {
    const body = await (await fetch(`${url}/api/ready`)).json().catch(() => ({}));
    return body.details?.broker?.ingest;
  };
  while (!(await Promise.all(urls.map(role))).includes('active')) await sleep(100);
}

/**
 * Starts watching each server's ingest: the returned function gives, per server over the
 * phase, its commits, mean commit time and batch size, and the most messages it held
 * unacknowledged (sampled once a second: the servers answer /metrics on the event loop they
 * are measured on; with Mosquitto, the broker sends no more than its in-flight window).
 */
async function ingestSampler(urls) {
  const before = await Promise.all(urls.map(scrape));
  const maxInFlight = urls.map(() => 0);
  const timer = setInterval(() => {
    urls.forEach((url, i) =>
      scrape(url).then(
        (m) => (maxInFlight[i] = Math.max(maxInFlight[i], m.inFlight)),
        () => undefined,
      ),
    );
  }, 1000);
  return async () => {
    clearInterval(timer);
    const after = await Promise.all(urls.map(scrape));
    return after.map((m, i) => {
      const commits = m.commits - before[i].commits;
      return {
        commits,
        meanCommitMs: commits ? ((m.commitSum - before[i].commitSum) / commits) * 1000 : null,
        meanBatchRows: commits ? (m.rows - before[i].rows) / commits : null,
        maxInFlightMessages: maxInFlight[i],
      };
    });
  };
}

/** Runs the load generator until it is done; resolves with its report. */
async function startDevices(brokerUrl, devices, seconds) {
  let devicesReady;
  const ready = new Promise((r) => (devicesReady = r));
  const load = child('devices', { brokerUrl, devices, pointsPerSecond: POINTS, seconds }, (m) => m.type === 'ready' && devicesReady());
  await ready;
  return load;
}

/** The live phases through `broker`; the bare socket.io baseline beside each when `withBaseline`. */
async function livePhases(broker, withBaseline) {
  return withProvisionedPlatform(
    async ({ urls, brokerUrl, teams, patients, devices }) => {
      const results = {};
      const prefix = broker === 'embedded' ? 'vigil' : `vigil_${broker}`;
      for (const count of CLIENTS) {
        log(
          `vigil (${broker}, ${urls.length} server${urls.length > 1 ? 's' : ''}): ${count} patient watchers + ${TEAM_CLIENTS} team watchers, ${POINTS} points/s for ${SECONDS} s`,
        );
        const clients = await startClients(urls, plan(count, patients, teams));
        const load = await startDevices(brokerUrl, devices, SECONDS);
        const sample = cpuSampler();
        const ingest = await ingestSampler(urls);
        for (const c of [...clients, load]) c.send({ type: 'go' });
        const reports = await Promise.all(clients.map((c) => c.done));
        const { published } = await load.done;
        const usage = sample();
        const commits = await ingest();
        results[`${prefix}_${count}`] = {
          broker,
          servers: urls.length,
          clients: count + TEAM_CLIENTS,
          published,
          samplesReceived: reports.reduce((n, r) => n + r.samples, 0),
          ticks: reports.reduce((n, r) => n + r.ticks, 0),
          latencyMs: reports.map((r) => r.latency),
          server: usage,
          ingest: commits,
        };
        log(JSON.stringify(results[`${prefix}_${count}`]));
        if (!withBaseline) continue;

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
      return results;
    },
    { broker },
  );
}

/** Least-squares slope of y over x. */
function slope(points) {
  const n = points.length;
  if (n < 2) return null;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  const sxx = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  return sxx ? points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0) / sxx : null;
}

/**
 * One long phase: the devices at VIGIL_BENCH_POINTS, VIGIL_BENCH_CLIENTS[0] patient watchers
 * and the team watchers, the alert rules on (as always). Every window: the server's RSS, heap
 * and event-loop delay p99, and the clients' latency p99; at the end, slopes per minute.
 */
async function soakPhase() {
  const count = Number(process.env.VIGIL_BENCH_CLIENTS ?? 200);
  return withProvisionedPlatform(async ({ urls, brokerUrl, teams, patients, devices }) => {
    log(`soak: ${count} patient watchers + ${TEAM_CLIENTS} team watchers, ${POINTS} points/s for ${SOAK_SECONDS} s, a sample every ${WINDOW_SECONDS} s`);
    const clientWindows = [];
    const clients = await startClients(urls, plan(count, patients, teams), {
      seconds: SOAK_SECONDS,
      windowSeconds: WINDOW_SECONDS,
      onWindow: (m) => clientWindows.push(m),
    });
    const load = await startDevices(brokerUrl, devices, SOAK_SECONDS);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const t0 = Date.now();
    const windows = [];
    const timer = setInterval(() => {
      const memory = process.memoryUsage();
      const latest = clientWindows.splice(0);
      const window = {
        minute: (Date.now() - t0) / 60_000,
        rssMiB: memory.rss / 1048576,
        heapUsedMiB: memory.heapUsed / 1048576,
        eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
        latencyP99Ms: latest.length ? Math.max(...latest.map((w) => w.latency.p99 ?? 0)) : null,
      };
      delay.reset();
      windows.push(window);
      log(
        `  ${window.minute.toFixed(1)} min  RSS ${window.rssMiB.toFixed(0)} MiB  heap ${window.heapUsedMiB.toFixed(0)} MiB  ` +
          `event-loop p99 ${window.eventLoopDelayP99Ms.toFixed(1)} ms  latency p99 ${window.latencyP99Ms ?? '—'} ms`,
      );
    }, WINDOW_SECONDS * 1000);
    for (const c of [...clients, load]) c.send({ type: 'go' });
    const reports = await Promise.all(clients.map((c) => c.done));
    const { published, errors } = await load.done;
    clearInterval(timer);
    delay.disable();
    // The first minute is warm-up (JIT, pools, caches filling); the slopes are fitted after it.
    const steady = windows.filter((w) => w.minute >= 1);
    const fit = (key) => slope(steady.filter((w) => w[key] !== null).map((w) => ({ x: w.minute, y: w[key] })));
    return {
      seconds: SOAK_SECONDS,
      clients: count + TEAM_CLIENTS,
      published,
      publishErrors: errors,
      samplesReceived: reports.reduce((n, r) => n + r.samples, 0),
      disconnects: reports.reduce((n, r) => n + r.disconnects, 0),
      resyncs: reports.reduce((n, r) => n + r.resyncs, 0),
      latencyMs: reports.map((r) => r.latency),
      slopesPerMinute: {
        rssMiB: fit('rssMiB'),
        heapUsedMiB: fit('heapUsedMiB'),
        eventLoopDelayP99Ms: fit('eventLoopDelayP99Ms'),
        latencyP99Ms: fit('latencyP99Ms'),
      },
      windows,
    };
  });
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

const [role] = process.argv.slice(2);
const roles = { clients: clientsRole, devices: devicesRole, bare: bareRole, replica: replicaRole };
if (roles[role]) {
  await roles[role](await roleOptions());
} else if (SOAK_SECONDS > 0) {
  writeResult('soak', { machine: { cpus: os.cpus().length, node: process.version }, settings: { POINTS, TEAM_CLIENTS }, soak: await soakPhase() });
  process.exit(0);
} else {
  const live = {};
  for (const [i, broker] of BROKERS.entries()) Object.assign(live, await livePhases(broker, i === 0));
  const results = {
    machine: { cpus: os.cpus().length, node: process.version },
    settings: { BROKERS, CLIENTS, TEAM_CLIENTS, POINTS, PATIENTS, SECONDS, HISTORY_DAYS },
    ...live,
    ...(await historyPhase()),
  };
  writeResult('live', results);
  process.exit(0);
}
