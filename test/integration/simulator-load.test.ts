import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Sample } from '../../server/src/domain/protocol.js';
import { tempDir } from '../support/embedded.js';
import { startMosquitto, type TestMosquitto } from '../support/mosquitto.js';
import { type Observer, observe } from '../support/observer.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { ROOT } from '../support/process.js';
import { waitFor } from '../support/wait.js';

describe('npm run simulate -- --devices N --rate R (load mode)', () => {
  let database: TestDatabase;
  let mosquitto: TestMosquitto;
  let observer: Observer;
  const dir = tempDir('vigil-load-');

  beforeAll(async () => {
    [database, mosquitto] = await Promise.all([createTestDatabase(), startMosquitto()]);
    observer = await observe(mosquitto.url, ['vigil/v1/devices/+/readings']);
  });
  afterAll(async () => {
    await observer?.close();
    await Promise.all([database?.drop(), mosquitto?.remove()]);
    dir.remove();
  });

  it('provisions its devices, sends exactly the number of samples it reports, and prints a JSON summary', async () => {
    const args = ['--devices', '4', '--rate', '50', '--samples', '400', '--metrics', '3', '--json', '--broker', mosquitto.url];
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [path.join(ROOT, 'simulators/dist/cli.js'), ...args],
        { cwd: ROOT, timeout: 60_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DATA_DIR: dir.path, DATABASE_URL: database.url } },
        (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('provisioned 4 load-test device(s)');
    expect(run.stderr).toMatch(/devices \d\/4 connected · offered \d+\/s/);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ devices: 4, ratePerDevice: 50, metricsPerSample: 3, offered: 400, sent: 400, acknowledged: 400, errors: 0, points: 1200 });
    expect(summary.latencyMs).toEqual({ p50: expect.any(Number), p90: expect.any(Number), p99: expect.any(Number), max: expect.any(Number) });

    // What the broker delivered: exactly the samples reported, each once.
    const count = () => observer.messages.reduce((n, m) => n + ([] as Sample[]).concat(JSON.parse(m.payload)).length, 0);
    await waitFor(() => count() >= 400, Boolean, 10_000, 'every sample at the subscriber');
    const samples = observer.messages.flatMap((m) => ([] as Sample[]).concat(JSON.parse(m.payload)).map((s) => `${m.topic} ${s.t}`));
    expect(samples).toHaveLength(summary.sent);
    expect(new Set(samples).size).toBe(summary.sent);
    expect(new Set(observer.messages.map((m) => m.topic)).size).toBe(4);
  });
});
