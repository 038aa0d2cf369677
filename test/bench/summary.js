// The figures of each benchmark's result JSON as rows of "value against its in-run baseline",
// and the section of docs/benchmarks.md that `npm run bench` rewrites from them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const BEGIN = '<!-- npm run bench: begin (this section is rewritten by test/bench/run.js; edit the rest by hand) -->';
export const END = '<!-- npm run bench: end -->';

/** One row of the generated section: a figure beside its in-run baseline (also alerts.js's own summary). */
export const row = (figure, value, unit, baseline, baselineValue) => ({
  figure,
  value,
  unit,
  baseline: baseline ?? '—',
  baselineValue: baselineValue ?? null,
  ratio: baselineValue ? value / baselineValue : null,
});
const worstP = (latencies, key) => Math.max(...latencies.map((l) => l[key]));

/** Rows for one suite's result; a suite the summary does not know may carry its own `summary` rows. */
export function summarise(suite, result) {
  if (Array.isArray(result.summary)) return result.summary;
  if (suite === 'ingest') {
    const copy = result.ceilings.filter((c) => /raw COPY/.test(c.label)).sort((a, b) => b.rowsPerSecond - a.rowsPerSecond)[0];
    const embedded = new Map(result.phases.filter((p) => p.path === 'embedded').map((p) => [`${p.name}|${p.metrics}`, p]));
    return result.phases.flatMap((p) => {
      const label = /metrics a message/.test(p.name) ? `${p.path}: ${p.name}` : `${p.path}: ${p.name}, ${p.metrics} metrics a message`;
      const rows = [
        row(
          `${label}, points/s stored`,
          p.ingestPointsPerSecond,
          'points/s',
          copy && `faster raw COPY (${copy.label.replace(/^raw COPY \(?|\)$/g, '')})`,
          copy?.rowsPerSecond,
        ),
      ];
      const twin = embedded.get(`${p.name}|${p.metrics}`);
      if (p.path !== 'embedded' && twin)
        rows.push(row(`${label}, against the embedded path`, p.ingestPointsPerSecond, 'points/s', 'embedded, same phase', twin.ingestPointsPerSecond));
      rows.push(row(`${label}, points acknowledged and not stored`, p.pointsAcked - p.rowsStored, 'points'));
      return rows;
    });
  }
  if (suite === 'live') {
    const phases = Object.keys(result).filter((k) => k.startsWith('vigil_'));
    const rows = phases.flatMap((k) => {
      // vigil_<n>: the embedded broker; vigil_mosquitto_<n>: Mosquitto and two replicas.
      const n = k.split('_').at(-1);
      const path = result[k].broker === 'mosquitto' ? ' (Mosquitto, 2 replicas)' : '';
      // Until session 12 every run spread the points over 500 patients.
      const over = `${(result.settings?.PATIENTS ?? 500).toLocaleString('en')} patients`;
      const bare = result[`bare_${n}`];
      return ['p50', 'p99'].map((q) =>
        row(
          `live${path}, ${n} patient watchers, points over ${over}: publish → socket ${q}`,
          worstP(result[k].latencyMs, q),
          'ms',
          'bare socket.io, same clients',
          bare && worstP(bare.latencyMs, q),
        ),
      );
    });
    for (const dialect of ['postgresql', 'timescaledb']) {
      const h = result[`history_${dialect}`];
      if (h) rows.push(row(`history, 30 days (${dialect}): 1,000 points p99`, h.queryMs.p99, 'ms', 'SELECT count(*) of the same rows, p50', h.countStarMs.p50));
    }
    return rows;
  }
  if (suite === 'dashboard') {
    return [
      row('overview frame time p95, 200 tiles live', result.overview.p95Ms, 'ms', 'empty page, same browser', result.emptyPage.p95Ms),
      row('overview long tasks per minute', result.overview.longTasksPerMinute, 'per minute', 'empty page', result.emptyPage.longTasksPerMinute || null),
      row('navigation → overview painted', result.overviewPaintedMs, 'ms'),
      row('patient chart, 30 days', result.chart30d.ms, 'ms'),
      row('JavaScript, gzipped', result.bundle.jsGzipBytes / 1024, 'KiB'),
    ];
  }
  if (suite === 'soak') {
    const { windows, slopesPerMinute: slopes } = result.soak;
    const steady = windows.filter((w) => w.minute >= 1);
    const [first, last] = [steady[0], steady.at(-1)];
    if (!first) return [];
    const minutes = (last.minute - first.minute).toFixed(0);
    return [
      row(
        `server RSS after ${minutes} more minutes (slope ${number(slopes.rssMiB)} MiB/min)`,
        last.rssMiB,
        'MiB',
        'the first minute after warm-up',
        first.rssMiB,
      ),
      row(
        `server heap used after ${minutes} more minutes (slope ${number(slopes.heapUsedMiB)} MiB/min)`,
        last.heapUsedMiB,
        'MiB',
        'the first minute after warm-up',
        first.heapUsedMiB,
      ),
      row(
        `event-loop delay p99 at the end (slope ${number(slopes.eventLoopDelayP99Ms)} ms/min)`,
        last.eventLoopDelayP99Ms,
        'ms',
        'the first minute after warm-up',
        first.eventLoopDelayP99Ms,
      ),
      row('live latency p99, whole soak', worstP(result.soak.latencyMs, 'p99'), 'ms'),
      row('publish errors, socket disconnects, resyncs', result.soak.publishErrors + result.soak.disconnects + result.soak.resyncs, ''),
    ];
  }
  return [];
}

const number = (v) => (v === null || v === undefined ? '—' : Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en') : Number(v.toPrecision(3)).toString());

/** The generated section: machine, date, command, and every figure with its ratio. */
/** The rows a suite has in the generated section of `doc` now (kept by --summary-only when it has no newer result). */
export function previousRows(doc, suite) {
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) return [];
  return doc
    .slice(start, end)
    .split('\n')
    .filter((line) => line.startsWith(`| ${suite} | `) && !line.includes('no result in this run'));
}

export function section(runs, { command, startedAt, kept = {} }) {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  const lines = [
    BEGIN,
    '## Latest `npm run bench`',
    '',
    `Written by \`${command}\` on ${startedAt.toISOString()}: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
      `${os.type()} ${os.release()}, Node ${process.version}. Ratios are against a baseline measured in the same run; the sections below explain each suite.`,
    '',
    '| suite | figure | value | in-run baseline | baseline | ratio |',
    '|---|---|---|---|---|---|',
  ];
  for (const { suite, file, result } of runs) {
    if (!result) {
      lines.push(...(kept[suite]?.length ? kept[suite] : [`| ${suite} | no result in this run (not run, or it failed: see its log) | | | | |`]));
      continue;
    }
    for (const r of summarise(suite, result)) {
      lines.push(
        `| ${suite} | ${r.figure} | ${number(r.value)} ${r.unit} | ${r.baseline} | ${number(r.baselineValue)} | ${r.ratio === null ? '—' : `${r.ratio.toFixed(2)} ×`} |`,
      );
    }
    lines.push(`| ${suite} | result file | \`test/bench/results/${path.basename(file)}\` | | | |`);
  }
  lines.push('', END);
  return lines.join('\n');
}

/** docs/benchmarks.md with the generated section replaced (or added after the title). */
export function withSection(doc, generated) {
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start >= 0 && end > start) return doc.slice(0, start) + generated + doc.slice(end + END.length);
  const afterTitle = doc.indexOf('\n## ');
  return afterTitle < 0 ? `${doc}\n${generated}\n` : `${doc.slice(0, afterTitle)}\n${generated}\n${doc.slice(afterTitle)}`;
}

/**
 * The newest result file of a suite in `dir` (optionally only those written since `since`), by
 * name: each suite names its files by when they were written, in one format, whereas in a fresh
 * clone every file has the same modification time.
 */
export function latestResult(dir, suite, since = 0) {
  if (!fs.existsSync(dir)) return undefined;
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(`${suite}-`) && f.endsWith('.json'))
    .map((f) => path.join(dir, f))
    .filter((f) => fs.statSync(f).mtimeMs >= since)
    .sort()
    .reverse();
  if (!files.length) return undefined;
  return { file: files[0], result: JSON.parse(fs.readFileSync(files[0], 'utf8')) };
}
