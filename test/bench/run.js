// npm run bench: every benchmark suite, one after the other (docs/benchmarks.md).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const suites = ['ingest.js', 'live.js', 'alerts.js', 'dashboard.js'];
let failed = false;
for (const suite of suites) {
  const result = spawnSync(process.execPath, [path.join(here, suite)], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
