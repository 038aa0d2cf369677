import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { ROOT } from '../support/process.js';

const run = promisify(execFile);

describe('the dashboard’s typed REST client', () => {
  // openapi-typescript --check regenerates the types in memory and compares them with the file.
  it('is generated from the committed docs/openapi.json (run `npm run openapi` and commit when this fails)', async () => {
    const dashboard = path.join(ROOT, 'dashboard');
    const bin = path.join(dashboard, 'node_modules/.bin/openapi-typescript');
    const check = await run(bin, ['../docs/openapi.json', '-o', 'src/lib/api/schema.d.ts', '--check'], { cwd: dashboard }).then(
      () => ({ code: 0 }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
    expect(check).toEqual({ code: 0 });
  });
});
