/* global requestAnimationFrame -- the frame probe runs in the page (page.evaluate), where it exists */
// Dashboard benchmark (docs/benchmarks.md): npm run bench:dashboard
// The whole platform in this process on the real PostgreSQL and Redis, 200 patients whose
// devices publish over MQTT every second, and Debian's Chromium (playwright-core) on the
// overview. Measures, never passes or fails:
// - frame time p50/p95 (requestAnimationFrame deltas) and long tasks (> 50 ms, PerformanceObserver)
//   per minute on the overview, against an empty page's frame time in the same run;
// - navigation → first overview painted (the app's `vigil:overview-painted` mark);
// - the patient chart's render time for 30 days at the default points (`vigil:chart` measures);
// - the gzipped size of the built JavaScript.
// Environment: VIGIL_BENCH_DATABASE_URL, VIGIL_BENCH_REDIS_URL, VIGIL_BENCH_SECONDS (per
// measurement, default 60), VIGIL_BENCH_PATIENTS (default 200), VIGIL_BENCH_PROFILE_SECONDS
// (default 0: when set, the overview is then traced and CPU-profiled for that long, and the
// long tasks' breakdown and hottest functions are printed and saved with the result),
// VIGIL_BENCH_TRACE_FILE (with the profile: also write the raw trace and CPU profile there, as
// `{ traceEvents, profile }`: the trace in Chrome's JSON trace-event format, the V8 CPU profile).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import mqtt from 'mqtt';
import { generate } from 'otplib';
import pg from 'pg';
import { createDatabase } from './database.js';
import { hotFunctions, longTasks, mainThreadCpu, recordProfile } from './trace-profile.js';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const server = (p) => import(path.join(root, 'server/dist', p));

const REDIS_URL = process.env.VIGIL_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECONDS = Number(process.env.VIGIL_BENCH_SECONDS ?? 60);
const PATIENTS = Number(process.env.VIGIL_BENCH_PATIENTS ?? 200);
const PROFILE_SECONDS = Number(process.env.VIGIL_BENCH_PROFILE_SECONDS ?? 0);
const log = (line = '') => process.stderr.write(`${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);

/** Frame deltas and long tasks in the page for `seconds`. */
async function measureFrames(page, seconds) {
  const result = await page.evaluate(async (ms) => {
    const deltas = [];
    let longTasks = 0;
    let longest = 0;
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        longTasks++;
        longest = Math.max(longest, entry.duration);
      }
    });
    observer.observe({ type: 'longtask', buffered: false });
    await new Promise((resolve) => {
      let last = performance.now();
      const end = last + ms;
      const frame = (now) => {
        deltas.push(now - last);
        last = now;
        if (now < end) requestAnimationFrame(frame);
        else resolve();
      };
      requestAnimationFrame(frame);
    });
    observer.disconnect();
    return { deltas, longTasks, longest };
  }, seconds * 1000);
  const sorted = result.deltas.slice(1).sort((a, b) => a - b);
  return {
    frames: sorted.length,
    p50Ms: +percentile(sorted, 50).toFixed(2),
    p95Ms: +percentile(sorted, 95).toFixed(2),
    maxMs: +(sorted.at(-1) ?? NaN).toFixed(2),
    longTasksPerMinute: +((result.longTasks * 60) / seconds).toFixed(2),
    longestTaskMs: +result.longest.toFixed(1),
  };
}

function bundleSize() {
  const dir = path.join(root, 'dashboard/dist/assets');
  let raw = 0;
  let gzip = 0;
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.js'))) {
    const bytes = fs.readFileSync(path.join(dir, file));
    raw += bytes.length;
    gzip += zlib.gzipSync(bytes, { level: 9 }).length;
  }
  return { jsBytes: raw, jsGzipBytes: gzip };
}

async function main() {
  const startedAt = new Date();
  log(
    `Vigil dashboard benchmark, ${startedAt.toISOString()}; ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}; ${PATIENTS} patients, ${SECONDS} s per measurement`,
  );
  const [
    { loadConfig },
    { createLogger },
    { startPlatform },
    { freePort },
    { TeamAdminService },
    { PatientAdminService },
    { DeviceAdminService },
    { UserAdminService },
    { CLI_ACTOR },
  ] = await Promise.all([
    server('config/app.config.js'),
    server('logger.js'),
    server('platform.js'),
    server('embedded/net.js'),
    server('services/team-admin.service.js'),
    server('services/patient-admin.service.js'),
    server('services/device-admin.service.js'),
    server('services/user-admin.service.js'),
    server('domain/actor.js'),
  ]);
  const database = await createDatabase();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-dashboard-'));
  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    REDIS_URL,
    VIGIL_MQTT_PORT: String(await freePort()),
    VIGIL_SECRET: randomBytes(32).toString('base64url'),
    LOG_LEVEL: 'error',
    VIGIL_DEMO: 'off',
  });
  const platform = await startPlatform(config, createLogger('error'));
  const baseUrl = `http://127.0.0.1:${port}`;
  const clients = [];
  let timer;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const results = { startedAt: startedAt.toISOString(), patients: PATIENTS, seconds: SECONDS, bundle: bundleSize() };
  try {
    const team = await platform.app.get(TeamAdminService).createTeam(CLI_ACTOR, 'Bench ward');
    const email = 'bench-clinician@bench.example';
    const password = `pw-${randomBytes(8).toString('hex')}-Correct-Horse`;
    const { totpSecret } = await platform.app
      .get(UserAdminService)
      .createUser(CLI_ACTOR, { email, name: 'Bench Clinician', role: 'clinician', team: team.id, password, enrolNow: true });
    const devices = [];
    for (let i = 0; i < PATIENTS; i++) {
      const patient = await platform.app
        .get(PatientAdminService)
        .createPatient(CLI_ACTOR, { name: `Bench patient ${String(i).padStart(3, '0')}`, team: team.id, spo2Scale: 1 });
      const { device, secret } = await platform.app.get(DeviceAdminService).createDevice(CLI_ACTOR, { patient: patient.id, kind: 'wearable' });
      devices.push({ id: device.id, secret, patientId: patient.id });
    }
    // 30 days of one reading a minute for the first patient's chart.
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    await db.query(
      `INSERT INTO readings (time, patient_id, device_id, metric, value)
       SELECT t, $1, $2, 'spo2', 95 + 2 * sin(extract(epoch FROM t) / 3600) - CASE WHEN t BETWEEN now() - interval '12 days' AND now() - interval '12 days' + interval '4 minutes' THEN 12 ELSE 0 END
       FROM generate_series(now() - interval '30 days', now() - interval '1 minute', interval '1 minute') AS t`,
      [devices[0].patientId, devices[0].id],
    );
    await db.end();
    const broker = platform.urls.broker;
    for (const device of devices)
      clients.push(await mqtt.connectAsync(broker, { username: device.id, password: device.secret, clientId: device.id, reconnectPeriod: 0 }));
    let tick = 0;
    const publishAll = () => {
      tick++;
      const t = new Date().toISOString();
      clients.forEach((client, i) => {
        const phase = Math.sin((tick + i) / 10);
        client.publish(
          `vigil/v1/devices/${devices[i].id}/readings`,
          JSON.stringify({ t, m: { hr: Math.round(75 + 20 * phase), spo2: Math.round(95 + 3 * phase), rr: 16 + Math.round(4 * phase) } }),
          { qos: 1 },
        );
      });
    };
    publishAll();
    timer = setInterval(publishAll, 1000);

    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    log('\n1. Empty page (baseline)');
    await page.goto('about:blank');
    results.emptyPage = await measureFrames(page, SECONDS);
    log(`   ${JSON.stringify(results.emptyPage)}`);

    log('\n2. Sign in, then navigation → first overview painted');
    await page.goto(baseUrl);
    await page.locator('input[autocomplete="username"]').fill(email);
    await page.locator('input[autocomplete="current-password"]').fill(password);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('input[autocomplete="one-time-code"]').fill(await generate({ secret: totpSecret }));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('tile').first().waitFor();
    await page.reload();
    await page.waitForFunction(() => performance.getEntriesByName('vigil:overview-painted').length > 0, null, { timeout: 60_000 });
    results.overviewPaintedMs = await page.evaluate(() => Math.round(performance.getEntriesByName('vigil:overview-painted')[0].startTime));
    log(`   ${results.overviewPaintedMs} ms (session restored through the refresh cookie, ${PATIENTS} tiles)`);

    log(`\n3. Overview with ${PATIENTS} patients updating every second`);
    await sleep(3000);
    results.overview = await measureFrames(page, SECONDS);
    results.overview.tiles = await page.getByTestId('tile').count();
    log(`   ${JSON.stringify(results.overview)}`);

    if (PROFILE_SECONDS > 0) {
      log(`\n3b. Overview traced and CPU-profiled for ${PROFILE_SECONDS} s (the profiler slows the page: attribution only, not timing)`);
      const { events, profile } = await recordProfile(page, PROFILE_SECONDS);
      if (process.env.VIGIL_BENCH_TRACE_FILE) fs.writeFileSync(process.env.VIGIL_BENCH_TRACE_FILE, JSON.stringify({ traceEvents: events, profile }));
      const tasks = longTasks(events);
      results.overviewProfile = {
        seconds: PROFILE_SECONDS,
        cpu: mainThreadCpu(events, PROFILE_SECONDS),
        longTasks: tasks,
        hotFunctions: hotFunctions(profile),
      };
      log(`   main thread CPU time: ${JSON.stringify(results.overviewProfile.cpu)}`);
      const total = {};
      for (const task of tasks) for (const [name, ms] of Object.entries(task.breakdown)) total[name] = +((total[name] ?? 0) + ms).toFixed(1);
      results.overviewProfile.longTaskTotals = Object.fromEntries(Object.entries(total).sort((a, b) => b[1] - a[1]));
      log(`   ${tasks.length} long tasks; their time by kind (ms): ${JSON.stringify(results.overviewProfile.longTaskTotals)}`);
      for (const task of tasks.slice(0, 3)) log(`   task ${task.ms} ms: ${JSON.stringify(task.breakdown)}`);
      for (const { fn, ms } of results.overviewProfile.hotFunctions) log(`   ${String(ms).padStart(8)} ms  ${fn}`);
    }

    log('\n4. Patient chart, 30 days at the default points');
    await page.goto(`${baseUrl}/patients/${devices[0].patientId}`);
    await page.getByTestId('patient-name').waitFor();
    await page.evaluate(() => performance.clearMeasures('vigil:chart'));
    await page.getByRole('button', { name: '30 d' }).click();
    const chart = await page
      .waitForFunction(() => performance.getEntriesByName('vigil:chart').find((m) => m.detail?.points > 100), null, { timeout: 30_000 })
      .then(() => page.evaluate(() => performance.getEntriesByName('vigil:chart').map((m) => ({ ms: +m.duration.toFixed(1), points: m.detail.points }))))
      .catch(() => undefined);
    results.chart30d = chart ? chart.at(-1) : 'not measured: the history route answered nothing for 30 days';
    log(`   ${JSON.stringify(results.chart30d)}`);
    log(`\n5. Built JavaScript: ${results.bundle.jsBytes} bytes, ${(results.bundle.jsGzipBytes / 1024).toFixed(1)} KiB gzipped`);
    await context.close();
  } finally {
    clearInterval(timer);
    for (const client of clients) await client.endAsync().catch(() => undefined);
    await browser.close();
    await platform.stop();
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const out = path.join(here, 'results', `dashboard-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  log(`\nwrote ${path.relative(root, out)}`);
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

await main();
