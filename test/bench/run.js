// npm run bench: every benchmark suite, one after the other, then the generated section of
// docs/benchmarks.md (machine, date, command, each figure against its in-run baseline).
// `node test/bench/run.js --summary-only` rewrites that section from the newest result files
// without running anything (a suite with no result file keeps the rows it has).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { latestResult, previousRows, section, withSection } from './summary.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.join(here, 'results');
const docPath = path.join(here, '..', '..', 'docs', 'benchmarks.md');
/** Each suite: its script and the environment it runs with (the soak is the live script's long phase). */
const SUITES = {
  ingest: { script: 'ingest.js' },
  live: { script: 'live.js' },
  soak: { script: 'live.js', env: { VIGIL_BENCH_SOAK_SECONDS: '600', VIGIL_BENCH_CLIENTS: '200' } },
  dashboard: { script: 'dashboard.js' },
  alerts: { script: 'alerts.js' },
};
const suites = Object.keys(SUITES).filter((suite) => fs.existsSync(path.join(here, SUITES[suite].script)));
const summaryOnly = process.argv.includes('--summary-only');
const startedAt = new Date();

let failed = false;
if (!summaryOnly) {
  for (const [i, suite] of suites.entries()) {
    process.stderr.write(`\n=== ${i + 1}/${suites.length}: ${suite} ===\n`);
    const { script, env = {} } = SUITES[suite];
    const result = spawnSync(process.execPath, [path.join(here, script)], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...env } });
    if (result.status !== 0) failed = true;
  }
}
const since = summaryOnly ? 0 : startedAt.getTime();
const runs = suites.map((suite) => ({ suite, ...latestResult(resultsDir, suite, since) }));
const command = summaryOnly ? 'node test/bench/run.js --summary-only' : 'npm run bench';
const doc = fs.readFileSync(docPath, 'utf8');
// --summary-only keeps a suite's current rows when no result file of it is here (e.g. a fresh clone).
const kept = summaryOnly ? Object.fromEntries(suites.map((suite) => [suite, previousRows(doc, suite)])) : {};
fs.writeFileSync(docPath, withSection(doc, section(runs, { command, startedAt, kept })));
process.stderr.write(`\nwrote the generated section of ${path.relative(process.cwd(), docPath)}\n`);
process.exit(failed ? 1 : 0);
