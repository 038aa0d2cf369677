import type { AppConfig } from '@vigil/server/config/app.config.js';
import type { Operator } from './provision.js';

/**
 * Runs `use` with an operator session (the `vigil` CLI's: DATABASE_URL, else the running
 * server, else the stopped data folder), closed afterwards. A DATA_DIR without a database is
 * refused, not given a new one: devices provisioned there would never reach the real Vigil.
 */
export async function withOperator<T>(config: AppConfig, use: (operator: Operator) => Promise<T>): Promise<T> {
  // The server's modules (Nest, pg) load only when provisioning, not for a demo file.
  const { openOperatorSession } = await import('@vigil/server/cli/operator-session.js');
  const session = await openOperatorSession(config, { applicationName: 'vigil-simulators', createDatabase: false });
  try {
    return await use(session);
  } finally {
    await session.close();
  }
}
