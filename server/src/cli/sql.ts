#!/usr/bin/env node
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { committedSqlFiles, generateSqlFiles, QUERIES_DIR } from '../queries/generate.js';

/**
 * `npm run sql`: writes server/src/queries/*.sql, the SQL each repository method sends, from
 * the calls in server/src/queries/catalogue.ts, and removes files no call writes any more.
 * `--check` exits 1 when the committed files differ (the drift test checks the same in jest).
 */
if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  const files = await generateSqlFiles();
  const committed = committedSqlFiles();
  const stale = [...committed.keys()].filter((name) => !files.has(name));
  const changed = [...files].filter(([name, text]) => committed.get(name) !== text).map(([name]) => name);
  if (process.argv.includes('--check')) {
    if (stale.length + changed.length > 0) {
      process.stderr.write(`server/src/queries is out of date (${[...changed, ...stale].join(', ')}): run npm run sql and commit it\n`);
      process.exit(1);
    }
  } else {
    for (const name of stale) fs.rmSync(path.join(QUERIES_DIR, name));
    for (const name of changed) fs.writeFileSync(path.join(QUERIES_DIR, name), files.get(name)!);
    process.stderr.write(`server/src/queries: ${changed.length} written, ${stale.length} removed, ${files.size} in all\n`);
  }
}
