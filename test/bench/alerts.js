// Alerts benchmark (docs/benchmarks.md): npm run bench:alerts
// One run, on this machine: the Vigil server in this process (embedded aedes, a fresh database on
// the real PostgreSQL, a redis-server of its own for BullMQ and the socket.io adapter, the alert
// workers in the server); background devices over MQTT in a child process, with values that score
// NEWS2 0 and breach nothing; a probe child with its own devices and two care-staff socket.io clients.
// - breach → inbox: a heart rate of 120 (over the probe team's yellow band of 110, sustained 0 s)
//   published over MQTT with t = now, timed to the `alert.v1` that opens its alert in the care-staff
//   socket; the same sample's `reading.batch.v1` (the socket watches the patient) is the baseline.
//   A heart rate of 70 then clears the alert (medium, not latching), and the patient is probed again;
// - escalation: alerts of a team whose chain is care_staff@0,clinician@E are left unacknowledged;
//   fire-time error = receipt of the escalated `alert.v1` − (openedAt + E s);
// - rule evaluation: wall time of each patient evaluation the rules' coalescing queue runs (it
//   merges what was stored for the patient meanwhile; the time includes waiting for a database
//   connection), summed and divided by the batches and rows stored during the run.
// Measures, never passes or fails. Knobs: VIGIL_BENCH_POINTS (background points a second, 10000),
// VIGIL_BENCH_DEVICES (background devices, 500), VIGIL_BENCH_SECONDS (30), VIGIL_BENCH_PROBES
// (probed patients, 20), VIGIL_BENCH_ESCALATIONS (20), VIGIL_BENCH_ESCALATE_SECONDS (E, 5),
// VIGIL_BENCH_DATABASE_URL, VIGIL_BENCH_REDIS_URL (default: a redis-server of the run's own).
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { cpuSampler, forkRole, percentiles, roleOptions, writeResult } from './measure.js';
import { publishReadings } from './mqtt-devices.js';
import { row } from './summary.js';
import { provisioner, serverModule, startBenchPlatform } from './platform.js';

const log = (line = '') => process.stderr.write(`${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const POINTS = Number(process.env.VIGIL_BENCH_POINTS ?? 10_000);
const DEVICES = Number(process.env.VIGIL_BENCH_DEVICES ?? 500);
const SECONDS = Number(process.env.VIGIL_BENCH_SECONDS ?? 30);
const PROBES = Number(process.env.VIGIL_BENCH_PROBES ?? 20);
const ESCALATIONS = Number(process.env.VIGIL_BENCH_ESCALATIONS ?? 20);
const ESCALATE_SECONDS = Number(process.env.VIGIL_BENCH_ESCALATE_SECONDS ?? 5);
const REDIS_URL = process.env.VIGIL_BENCH_REDIS_URL;
const METRICS = 2; // hr and spo2 per background sample
const BREACH_HR = 120;
const NORMAL_HR = 70;
/** A probe that hears nothing for this long counts as missed. */
const PROBE_TIMEOUT_MS = 10_000;

/** A child of this script in another role. */
const child = (role, options, onMessage) => forkRole(fileURLToPath(import.meta.url), role, options, onMessage);

// ---- child roles -------------------------------------------------------------------

/** Background: NEWS2 0 values (heart rate 60–89, SpO2 96–99), nothing any rule raises. */
async function backgroundRole({ brokerUrl, devices, pointsPerSecond, seconds }) {
  const published = await publishReadings({
    brokerUrl,
    devices,
    pointsPerSecond,
    seconds,
    metrics: METRICS,
    values: (i) => ({ hr: 60 + (i % 30), spo2: 96 + (i % 4) }),
    ready: () => process.send({ type: 'ready' }),
    go: new Promise((resolve) => process.once('message', resolve)),
  });
  process.send({ type: 'done', published });
}

/**
 * The probes: one MQTT connection per probed device and a care-staff socket per team. Each probed
 * patient loops breach → its alert opens → clear → its alert resolves; each escalation patient
 * breaches once (spread over the first half of the run) and waits for its escalation.
 */
async function probeRole({ url, brokerUrl, probe, escalation, seconds, escalateSeconds }) {
  const mqtt = await import('mqtt');
  const { io } = await import('socket.io-client');
  const waiters = new Set();
  /** Resolves with the first event from now on that `match` accepts ({payload, at: receipt time}); null after the timeout. */
  const next = (match, timeoutMs = PROBE_TIMEOUT_MS) =>
    new Promise((resolve) => {
      const waiter = { match, resolve };
      waiters.add(waiter);
      setTimeout(() => waiters.delete(waiter) && resolve(null), timeoutMs).unref();
    });
  const connectSocket = async (token, watch) => {
    const socket = io(url, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
    socket.onAny((event, payload) => {
      const at = Date.now();
      for (const waiter of waiters) {
        if (waiter.match(event, payload)) {
          waiters.delete(waiter);
          waiter.resolve({ payload, at });
        }
      }
    });
    await new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    for (const patientId of watch) {
      const answer = await new Promise((resolve) => socket.emit('watch', { patientId }, resolve));
      if (!answer.ok) throw new Error(`watch failed: ${JSON.stringify(answer)}`);
    }
    return socket;
  };
  const sockets = [
    await connectSocket(
      probe.token,
      probe.patients.map((p) => p.id),
    ),
    await connectSocket(escalation.token, []),
  ];
  const connect = (d) => mqtt.connectAsync(brokerUrl, { username: d.id, password: d.secret, clientId: d.id });
  const clients = new Map();
  for (const p of [...probe.patients, ...escalation.patients]) clients.set(p.id, await connect(p.device));
  const publish = (p, hr) => {
    const t = Date.now();
    clients.get(p.id).publish(`vigil/v1/devices/${p.device.id}/readings`, JSON.stringify({ t, m: { hr } }), { qos: 1 });
    return t;
  };
  const alertOf = (patientId, accept) => (event, payload) => event === 'alert.v1' && payload.alert.patientId === patientId && accept(payload.alert);
  process.send({ type: 'ready' });
  await new Promise((resolve) => process.once('message', resolve));

  const toAlert = [];
  const toReading = [];
  /** Each probe: its patient (index), its order among that patient's probes, the breach's `t`, and what it took. */
  const probes = [];
  const errors = [];
  let missed = 0;
  let escalationsMissed = 0;
  const end = Date.now() + seconds * 1000;

  const probeLoop = async (p, offset) => {
    await sleep(offset);
    const seen = new Set();
    for (let round = 0; Date.now() < end; round++) {
      const opened = next(alertOf(p.id, (a) => a.kind === 'threshold' && a.state === 'open' && !seen.has(a.id)));
      const reading = next((event, payload) => event === 'reading.batch.v1' && payload.patientId === p.id && payload.samples.some((s) => s.m.hr === BREACH_HR));
      const t = publish(p, BREACH_HR);
      const [alert, batch] = await Promise.all([opened, reading]);
      if (batch) toReading.push(batch.at - t);
      probes.push({ patient: p.index, round, patientId: p.id, t, toAlertMs: alert ? alert.at - t : null, toReadingMs: batch ? batch.at - t : null });
      if (!alert) {
        missed++;
        publish(p, NORMAL_HR); // whatever happened to it, start the next probe from a cleared alert
        await sleep(1000);
        continue;
      }
      toAlert.push(alert.at - t);
      seen.add(alert.payload.alert.id);
      const resolved = next(alertOf(p.id, (a) => a.id === alert.payload.alert.id && a.state === 'resolved'));
      publish(p, NORMAL_HR);
      await resolved;
      await sleep(200);
    }
  };
  const escalationOnce = async (p, offset) => {
    await sleep(offset);
    const escalated = next(
      alertOf(p.id, (a) => a.escalationLevel >= 1),
      escalateSeconds * 1000 + PROBE_TIMEOUT_MS,
    );
    publish(p, BREACH_HR);
    const got = await escalated;
    if (!got) escalationsMissed++;
    else errors.push(got.at - (Date.parse(got.payload.alert.openedAt) + escalateSeconds * 1000));
    publish(p, NORMAL_HR); // clears it: nothing escalates further
  };
  const span = Math.max(0, (seconds / 2) * 1000);
  await Promise.all([
    ...probe.patients.map((p, i) => probeLoop({ ...p, index: i }, (i * 1000) / probe.patients.length)),
    ...escalation.patients.map((p, i) => escalationOnce(p, (i * span) / escalation.patients.length)),
  ]);
  await sleep(1000);
  for (const socket of sockets) socket.close();
  await Promise.all([...clients.values()].map((c) => c.endAsync()));
  process.send({ type: 'done', toAlert, toReading, probes, errors, missed, escalationsMissed });
}

// ---- the run ------------------------------------------------------------------------

/**
 * Where each probe's breach went inside the server (the rules' queue runs in this process):
 * wraps the rules' entry points to note, per probed patient's breach sample (patient, `t`), when
 * its stored batch reached the rules, the lane triage gave it and whether triage knew the patient
 * (`known`: it had a memory of an evaluation), when it was moved to the urgent lane, the queue
 * behind which it was pushed, when its evaluation was taken (and from which lane) and ended, and
 * how many readings that evaluation carried. Times are epoch ms, like the probe's `t`.
 */
function traceBreaches(rules, probed) {
  const queue = rules.queue;
  const triage = rules.triage;
  const byKey = new Map();
  /** The breach of each probed patient not yet taken for evaluation. */
  const waiting = new Map();
  /** Evaluations taken so far from each lane. */
  const taken = { crossing: 0, urgent: 0, routine: 0 };
  const lengths = (lanes) => Object.fromEntries(Object.entries(lanes).map(([lane, keys]) => [lane, keys.length]));
  const onReadings = rules.onReadings.bind(rules);
  rules.onReadings = (rows) => {
    const now = Date.now();
    for (const r of rows) {
      if (!probed.has(r.patientId) || r.metric !== 'hr' || r.value !== BREACH_HR) continue;
      const entry = {
        storedAt: now,
        known: triage.memory.has(r.patientId),
        queued: { ...lengths(queue.lanes), running: queue.running.size, waitingSelf: queue.pending.has(r.patientId) },
        takenBefore: { ...taken },
      };
      byKey.set(`${r.patientId}:${r.time.getTime()}`, entry);
      waiting.set(r.patientId, entry);
    }
    return onReadings(rows);
  };
  const laneOf = triage.laneOf.bind(triage);
  triage.laneOf = (patientId, work, promote) => {
    const lane = laneOf(patientId, work, promote);
    const entry = waiting.get(patientId);
    if (entry && entry.lane === undefined) entry.lane = lane;
    return lane;
  };
  const promote = queue.promote.bind(queue);
  queue.promote = (key, lane) => {
    const entry = waiting.get(key);
    if (entry && entry.lane === 'routine' && lane !== 'routine' && entry.promotedAt === undefined) Object.assign(entry, { promotedAt: Date.now(), promotedTo: lane });
    return promote(key, lane);
  };
  const take = queue.take.bind(queue);
  queue.take = () => {
    const next = take();
    const entry = next && waiting.get(next.key);
    if (entry) {
      entry.takenAt = Date.now();
      entry.takenFrom = next.lane;
      entry.takenBefore = Object.fromEntries(Object.entries(taken).map(([lane, n]) => [lane, n - entry.takenBefore[lane]]));
      waiting.delete(next.key);
    }
    if (next) taken[next.lane]++;
    return next;
  };
  const evaluate = rules.evaluate.bind(rules);
  rules.evaluate = async (patientId, work) => {
    const entries = probed.has(patientId)
      ? work.readings.filter((r) => r.metric === 'hr' && r.value === BREACH_HR).flatMap((r) => byKey.get(`${patientId}:${r.time.getTime()}`) ?? [])
      : [];
    try {
      return await evaluate(patientId, work);
    } finally {
      const now = Date.now();
      for (const entry of entries) if (entry.evaluatedAt === undefined) Object.assign(entry, { evaluatedAt: now, readings: work.readings.length });
    }
  };
  return (patientId, t) => byKey.get(`${patientId}:${t}`);
}

async function run() {
  const { AlertConfigService } = await serverModule('services/alert-config.service.js');
  const { AlertRuleService } = await serverModule('services/alert-rule.service.js');
  const { CLI_ACTOR } = await serverModule('domain/actor.js');
  // Without VIGIL_BENCH_REDIS_URL the platform's own redis-server: no other process takes the run's jobs.
  const { platform, url, stop } = await startBenchPlatform('alerts', REDIS_URL ? { REDIS_URL } : {});
  try {
    const get = (service) => platform.app.get(service);
    const admin = await provisioner(platform);
    const stamp = Date.now().toString(36);
    const patients = async (teamId, count, kind) => {
      const list = [];
      for (let i = 0; i < count; i++) list.push(await admin.patientWithDevice(teamId, `Bench ${i}`, kind));
      return list;
    };
    const hrBand = { metric: 'hr', redLow: null, yellowLow: null, yellowHigh: 110, redHigh: 150, sustainedSeconds: 0, clearMargin: 0, clearAfterSeconds: 0 };

    log(`provisioning ${DEVICES} background patients, ${PROBES} probed, ${ESCALATIONS} to escalate`);
    const background = [];
    for (let t = 0; background.length < DEVICES; t++) {
      const team = await admin.team(`bench background ${t} ${stamp}`);
      background.push(...(await patients(team.id, Math.min(50, DEVICES - background.length), 'pulse_oximeter')));
    }
    const probeTeam = await admin.team(`bench probe ${stamp}`);
    await get(AlertConfigService).setTeamThreshold(CLI_ACTOR, probeTeam.id, hrBand);
    const probe = { token: await admin.signedInUser('care_staff', probeTeam.id), patients: await patients(probeTeam.id, PROBES, 'wearable') };
    const escalationTeam = await admin.team(`bench escalation ${stamp}`);
    await get(AlertConfigService).setTeamThreshold(CLI_ACTOR, escalationTeam.id, hrBand);
    await get(AlertConfigService).updateSettings(CLI_ACTOR, escalationTeam.id, {
      escalation: `care_staff@0,clinician@${ESCALATE_SECONDS}`,
      escalationRepeats: 0,
    });
    await admin.signedInUser('clinician', escalationTeam.id); // someone for level 1
    const escalation = {
      token: await admin.signedInUser('care_staff', escalationTeam.id),
      patients: await patients(escalationTeam.id, ESCALATIONS, 'wearable'),
    };

    // Rule evaluation: each patient evaluation the rules' queue runs (it merges what was stored for
    // the patient while it waited), timed around it, and the batches stored meanwhile.
    const rules = get(AlertRuleService);
    const evaluate = rules.evaluate.bind(rules);
    const onReadings = rules.onReadings.bind(rules);
    const evaluations = [];
    const stored = { batches: 0, rows: 0 };
    let measuring = false;
    rules.evaluate = async (patientId, work) => {
      const t0 = performance.now();
      try {
        return await evaluate(patientId, work);
      } finally {
        if (measuring) evaluations.push({ ms: performance.now() - t0, readings: work.readings.length });
      }
    };
    rules.onReadings = (rows) => {
      if (measuring) {
        stored.batches++;
        stored.rows += rows.length;
      }
      return onReadings(rows);
    };

    const trace = traceBreaches(rules, new Set(probe.patients.map((p) => p.id)));

    const waitReady = () => {
      let ready;
      const isReady = new Promise((r) => (ready = r));
      return { isReady, onMessage: (m) => m.type === 'ready' && ready() };
    };
    const b = waitReady();
    const load = child(
      'background',
      { brokerUrl: platform.urls.broker, devices: background.map((p) => p.device), pointsPerSecond: POINTS, seconds: SECONDS },
      b.onMessage,
    );
    const p = waitReady();
    const probes = child(
      'probe',
      { url, brokerUrl: platform.urls.broker, probe, escalation, seconds: SECONDS, escalateSeconds: ESCALATE_SECONDS },
      p.onMessage,
    );
    await Promise.all([b.isReady, p.isReady]);
    log(
      `measuring: ${POINTS} background points/s from ${DEVICES} devices for ${SECONDS} s, ${PROBES} probed patients, ${ESCALATIONS} escalations at ${ESCALATE_SECONDS} s`,
    );
    const sample = cpuSampler();
    measuring = true;
    for (const c of [load, probes]) c.send({ type: 'go' });
    const [{ published }, report] = await Promise.all([load.done, probes.done]);
    measuring = false;
    const usage = sample();
    const probeDetail = report.probes.map(({ patientId, t, ...p }) => {
      const e = trace(patientId, t);
      const after = (at) => (e && at !== undefined ? at - t : null);
      return {
        ...p,
        known: e?.known ?? null,
        lane: e?.lane ?? null,
        queued: e?.queued ?? null,
        storedMs: after(e?.storedAt),
        promotedMs: after(e?.promotedAt),
        promotedTo: e?.promotedTo ?? null,
        takenMs: after(e?.takenAt),
        takenFrom: e?.takenFrom ?? null,
        takenBefore: e?.takenAt !== undefined ? e.takenBefore : null,
        evaluatedMs: after(e?.evaluatedAt),
        readings: e?.readings ?? null,
      };
    });
    const slowest = [...probeDetail].sort((a, b) => (b.toAlertMs ?? Infinity) - (a.toAlertMs ?? Infinity)).slice(0, 8);
    log('slowest probes (ms after the breach was published):');
    for (const p of slowest) log(JSON.stringify(p));
    const toAlert = percentiles(report.toAlert);
    const toReading = percentiles(report.toReading);
    const evaluationMs = evaluations.reduce((n, e) => n + e.ms, 0);
    const round = (x) => Math.round(x * 1000) / 1000;
    const escalationError = percentiles(report.errors.map(Math.abs));
    const msPerBatch = stored.batches ? round(evaluationMs / stored.batches) : null;
    const summary = [
      ...['p50', 'p99'].map((q) =>
        row(`breach over MQTT → alert.v1 in the care-staff socket ${q}`, toAlert[q], 'ms', 'publish → reading.batch.v1, same run', toReading[q]),
      ),
      row('escalation fire-time error (actual − planned, absolute) p99', escalationError.p99, 'ms', 'goal ± 1 s', 1000),
      row('rule evaluation per stored batch (mean)', msPerBatch, 'ms'),
    ];
    return {
      summary,
      background: { devices: DEVICES, published, pointsPerSecond: Math.round((published * METRICS) / SECONDS) },
      breachToAlertMs: toAlert,
      breachToReadingMs: toReading,
      alertOverReadingP99: toAlert.p99 && toReading.p99 ? Math.round((toAlert.p99 / toReading.p99) * 100) / 100 : null,
      probesMissed: report.missed,
      breachProbes: probeDetail,
      escalation: {
        afterSeconds: ESCALATE_SECONDS,
        errorMs: escalationError,
        signedErrorMs: percentiles(report.errors),
        missed: report.escalationsMissed,
      },
      ruleEvaluation: {
        batchesStored: stored.batches,
        rowsStored: stored.rows,
        evaluations: evaluations.length,
        msPerEvaluation: percentiles(evaluations.map((e) => e.ms)),
        readingsPerEvaluation: percentiles(evaluations.map((e) => e.readings)),
        // Evaluation time spent per stored batch and per stored row, over the run.
        msPerBatch,
        msPerRow: stored.rows ? round(evaluationMs / stored.rows) : null,
      },
      server: usage,
    };
  } finally {
    await stop();
  }
}

const [role] = process.argv.slice(2);
const roles = { background: backgroundRole, probe: probeRole };
if (roles[role]) await roles[role](await roleOptions());
else {
  const results = {
    machine: { cpus: os.cpus().length, node: process.version },
    settings: { POINTS, DEVICES, SECONDS, PROBES, ESCALATIONS, ESCALATE_SECONDS },
    ...(await run()),
  };
  writeResult('alerts', results);
  process.exit(0);
}
