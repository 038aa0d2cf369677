// What the benchmarks share to measure (ingest.js, live.js, alerts.js): percentiles, a server's ingest counters, the server process's
// CPU and memory over a phase, child processes in a role of the benchmark script, and the result file.
import { execFileSync, fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function percentiles(values) {
  const sorted = Float64Array.from(values).sort();
  const at = (q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : null);
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.length ? sorted[sorted.length - 1] : null };
}

/** Starts measuring this process; the returned function stops and gives CPU (% of one core) and peak RSS. */
export function cpuSampler() {
  const start = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let rss = 0;
  const timer = setInterval(() => (rss = Math.max(rss, process.memoryUsage.rss())), 200);
  return () => {
    clearInterval(timer);
    const used = process.cpuUsage(start);
    const wall = Number(process.hrtime.bigint() - t0) / 1000;
    return { cpuPercent: Math.round(((used.user + used.system) / wall) * 100), maxRssMiB: Math.round(rss / 1048576) };
  };
}

/**
 * `script` (a benchmark's own file) as a child in another role; `done` resolves with its final
 * message. The options go as the first IPC message, not in argv: thousands of clients' tokens
 * exceed the argument size limit (E2BIG). The child takes them with `roleOptions()`.
 */
export function forkRole(script, role, options, onMessage = () => undefined) {
  const proc = fork(script, [role], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  proc.send({ type: 'options', options });
  const done = new Promise((resolve, reject) => {
    proc.on('message', (m) => (m.type === 'done' ? resolve(m) : onMessage(m)));
    proc.on('exit', (code) => (code ? reject(new Error(`${role} exited with ${code}`)) : undefined));
  });
  return { proc, done, send: (m) => proc.send(m) };
}

/** In a child started by forkRole: its options. */
export async function roleOptions() {
  const { options } = await new Promise((resolve) => process.once('message', resolve));
  return options;
}

/** The ingest counters of a server's /metrics (cumulative: diff two scrapes for a phase). */
export async function scrape(baseUrl) {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const value = (name) => Number(text.match(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm'))?.[1] ?? 0);
  const path = (label) => value(`vigil_ingest_write_batches_total\\{path="${label}"\\}`);
  return {
    commitSum: value('vigil_ingest_commit_seconds_sum'),
    commits: value('vigil_ingest_commit_seconds_count'),
    rows: value('vigil_ingest_batch_rows_sum'),
    points: value('vigil_ingest_points_total'),
    inFlight: value('vigil_ingest_in_flight_messages'),
    dropped: value('vigil_broker_dropped_messages'),
    paths: { copy: path('copy'), fallback: path('fallback'), insert: path('insert') },
  };
}

/**
 * CPU seconds of groups of this machine's processes over a phase, from /proc (Linux; null
 * elsewhere): `processes()` gives the pids to count now, each with its group's name. Sampled
 * once a second (reading only those pids' stat files), so a process that starts or ends within
 * the phase counts from its first sample to its last. The stop function gives seconds per group
 * and the phase's wall seconds.
 */
export function processCpu(processes) {
  if (!fs.existsSync('/proc/self/stat')) return () => null;
  const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const first = new Map();
  const last = new Map();
  const sample = () => {
    for (const [pid, group] of processes()) {
      try {
        // Fields after the command name "(…)": utime and stime are the 14th and 15th of the line.
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const ticks = Number(fields[11]) + Number(fields[12]);
        if (!first.has(pid)) first.set(pid, { group, ticks });
        last.set(pid, ticks);
      } catch {
        // the process has ended
      }
    }
  };
  const t0 = performance.now();
  sample();
  const timer = setInterval(sample, 1000);
  return () => {
    clearInterval(timer);
    sample();
    const seconds = {};
    for (const [pid, { group, ticks }] of first) seconds[group] = (seconds[group] ?? 0) + (last.get(pid) - ticks) / ticksPerSecond;
    return { wallSeconds: (performance.now() - t0) / 1000, cpuSeconds: seconds };
  };
}

/** Writes a suite's result as one JSON line to test/bench/results/<suite>-<ms>.json (what run.js summarises) and to stdout. */
export function writeResult(suite, results) {
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
  const line = JSON.stringify(results);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${suite}-${Date.now()}.json`), line + '\n');
  process.stdout.write(line + '\n');
}
