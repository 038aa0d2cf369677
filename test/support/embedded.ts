import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedDatabase } from '../../server/src/embedded/embedded-database.js';

export function tempDir(prefix = 'vigil-test-'): { path: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { path: dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** PGlite with TimescaleDB in a temporary data folder, served on a free loopback port. */
export async function createEmbeddedDatabase(): Promise<{ url: string; dataDir: string; stop(): Promise<void> }> {
  const dir = tempDir();
  const database = await startEmbeddedDatabase(dir.path);
  return {
    url: database.url,
    dataDir: dir.path,
    async stop() {
      await database.stop();
      dir.remove();
    },
  };
}
