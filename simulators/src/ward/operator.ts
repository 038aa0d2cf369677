import fs from 'node:fs';
import path from 'node:path';
import type { AppConfig } from '@vigil/server/config/app.config.js';
import { readLock } from '@vigil/server/embedded/data-dir-lock.js';
import type { Operator } from './provision.js';

/**
 * Runs `use` with an operator session (the `vigil` CLI's: DATABASE_URL, else the running
 * server, else the stopped data folder), closed afterwards. Refuses when there is no Vigil at
 * all: opening an empty DATA_DIR would create a database nobody serves, and devices
 * provisioned there would never be known to the real one (e.g. in a container of their own).
 */
export async function withOperator<T>(config: AppConfig, env: NodeJS.ProcessEnv, use: (operator: Operator) => Promise<T>): Promise<T> {
  const embeddedDatabase = path.join(config.dataDir, 'pglite'); // where the server keeps PGlite (embedded-database.ts)
  if (!config.database.url && !readLock(config.dataDir)?.control && !fs.existsSync(embeddedDatabase)) {
    throw new Error(
      `there is no Vigil to provision devices in: no server runs on DATA_DIR ${config.dataDir}, it holds no database, ` +
        'and DATABASE_URL is not set. Start Vigil (npm start), set DATABASE_URL, or run a ward of seed demo with --demo-file.',
    );
  }
  // The server's modules (Nest, pg) load only when provisioning, not for a demo file.
  const { openOperatorSession } = await import('@vigil/server/cli/operator-session.js');
  const session = await openOperatorSession(env, 'vigil-simulators');
  try {
    return await use(session);
  } finally {
    await session.close();
  }
}
