// npm run bench: every benchmark suite, one after the other, then the generated section of
// docs/benchmarks.md (machine, date, command, each figure against its in-run baseline).
// `node test/bench/run.js --summary-only` rewrites that section from the newest result files
// without running anything.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { latestResult, section, withSection } from './summary.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.join(here, 'results');
const docPath = path.join(here, '..', '..', 'docs', 'benchmarks.md');
const suites = ['ingest', 'live', 'dashboard', 'alerts'].filter((suite) => fs.existsSync(path.join(here, `${suite}.js`)));
const summaryOnly = process.argv.includes('--summary-only');
const startedAt = new Date();

let failed = false;
if (!summaryOnly) {
  for (const [i, suite] of suites.entries()) {
    process.stderr.write(`\n=== ${i + 1}/${suites.length}: ${suite} ===\n`);
    const result = spawnSync(process.execPath, [path.join(here, `${suite}.js`)], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (result.status !== 0) failed = true;
  }
}
const since = summaryOnly ? 0 : startedAt.getTime();
const runs = suites.map((suite) => ({ suite, ...latestResult(resultsDir, suite, since) }));
const command = summaryOnly ? 'node test/bench/run.js --summary-only' : 'npm run bench';
fs.writeFileSync(docPath, withSection(fs.readFileSync(docPath, 'utf8'), section(runs, { command, startedAt })));
process.stderr.write(`\nwrote the generated section of ${path.relative(process.cwd(), docPath)}\n`);
process.exit(failed ? 1 : 0);
