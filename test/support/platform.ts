import { randomBytes } from 'node:crypto';
import type { DestinationStream } from 'pino';
import { loadConfig } from '../../server/src/config/app.config.js';
import { CLI_ACTOR } from '../../server/src/domain/actor.js';
import { freePort } from '../../server/src/embedded/net.js';
import { createLogger } from '../../server/src/logger.js';
import { testLogDestination } from './quiet-logs.js';
import { type Platform, startPlatform } from '../../server/src/platform.js';
import { DatabaseRepository } from '../../server/src/repositories/database.repository.js';
import { PatientAdminService } from '../../server/src/services/patient-admin.service.js';
import { TeamAdminService } from '../../server/src/services/team-admin.service.js';
import { tempDir } from './embedded.js';

export interface TestPlatform extends Platform {
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  dataDir: string;
  /** Stops the platform and removes its data folder. */
  close(): Promise<void>;
}

/**
 * The whole platform in this process, on free ports and a data folder of its own. Pass
 * DATABASE_URL / REDIS_URL / MQTT_URL to use real services; what is not given is embedded.
 * Demo seeding is off unless VIGIL_DEMO is given. With DATABASE_URL a random VIGIL_SECRET is
 * set unless given. `logDestination` receives the server's log lines (e.g. to inspect them).
 */
export async function startTestPlatform(env: Record<string, string> = {}, options: { logDestination?: DestinationStream } = {}): Promise<TestPlatform> {
  const dir = tempDir('vigil-platform-');
  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    DATA_DIR: dir.path,
    VIGIL_MQTT_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
    VIGIL_DEMO: 'off',
    ...(env.DATABASE_URL ? { VIGIL_SECRET: randomBytes(32).toString('base64url') } : {}),
    ...env,
  });
  const platform = await startPlatform(config, createLogger(config.logLevel, options.logDestination ?? testLogDestination));
  return Object.assign(platform, {
    baseUrl: `http://127.0.0.1:${port}`,
    dataDir: dir.path,
    async close() {
      await platform.stop();
      dir.remove();
    },
  });
}

let counter = 0;
/** A name part no other test (or process) uses. */
export const unique = () => `${process.pid}-${++counter}-${Date.now().toString(36)}`;

export async function createTeam(platform: Pick<TestPlatform, 'app'>): Promise<string> {
  return (await platform.app.get(TeamAdminService).createTeam(CLI_ACTOR, `team ${unique()}`)).id;
}

export async function createPatient(platform: Pick<TestPlatform, 'app'>, teamId: string, name = `Patient ${unique()}`): Promise<string> {
  return (await platform.app.get(PatientAdminService).createPatient(CLI_ACTOR, { name, team: teamId, spo2Scale: 1 })).id;
}

export function sql<R extends Record<string, unknown>>(platform: Pick<TestPlatform, 'app'>, text: string, values?: unknown[]): Promise<R[]> {
  return platform.app
    .get(DatabaseRepository)
    .query<R>(text, values)
    .then((result) => result.rows);
}
