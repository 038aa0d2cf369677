// A benchmark's server in the benchmark's own process (startPlatform, the same code as npm start)
// with the embedded broker, on a fresh database of database.js's PostgreSQL; and the operator's
// provisioning through the admin services, as the CLI does it. Used by live.js and alerts.js.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase } from './database.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A module of the built server (server/dist). */
export const serverModule = (p) => import(path.join(root, 'server/dist', p));

/** Starts it; `env` adds variables (without REDIS_URL the platform runs a redis-server of its own). */
export async function startBenchPlatform(name, env = {}) {
  const { loadConfig } = await serverModule('config/app.config.js');
  const { createLogger } = await serverModule('logger.js');
  const { startPlatform } = await serverModule('platform.js');
  const { freePort } = await serverModule('embedded/net.js');
  const database = await createDatabase();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `vigil-bench-${name}-`));
  const remove = async () => {
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    VIGIL_MQTT_PORT: String(await freePort()),
    VIGIL_SECRET: randomBytes(32).toString('base64url'), // signs the sessions handed out below
    VIGIL_DEMO: 'off',
    LOG_LEVEL: 'warn',
    ...env,
  });
  let platform;
  try {
    platform = await startPlatform(config, createLogger('warn'));
  } catch (error) {
    await remove();
    throw error;
  }
  return {
    platform,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      await platform.stop();
      await remove();
    },
  };
}

/** Teams, patients with one device each, and signed-in users (their access tokens), created as the operator CLI does. */
export async function provisioner(platform) {
  const [{ TeamAdminService }, { PatientAdminService }, { DeviceAdminService }, { UserAdminService }, { SessionService }, { CLI_ACTOR }] = await Promise.all(
    [
      'services/team-admin.service.js',
      'services/patient-admin.service.js',
      'services/device-admin.service.js',
      'services/user-admin.service.js',
      'services/session.service.js',
      'domain/actor.js',
    ].map(serverModule),
  );
  const get = (service) => platform.app.get(service);
  return {
    team: (name) => get(TeamAdminService).createTeam(CLI_ACTOR, name),
    async patientWithDevice(teamId, name, kind) {
      const patient = await get(PatientAdminService).createPatient(CLI_ACTOR, { name, team: teamId, spo2Scale: 1 });
      const { device, secret } = await get(DeviceAdminService).createDevice(CLI_ACTOR, { patient: patient.id, kind });
      return { id: patient.id, device: { id: device.id, secret } };
    },
    async signedInUser(role, teamId) {
      const { user } = await get(UserAdminService).createUser(CLI_ACTOR, {
        email: `${role}-${randomBytes(4).toString('hex')}@bench.example`,
        name: `Bench ${role}`,
        role,
        team: teamId,
        password: `bench-Correct-Horse-${randomBytes(6).toString('hex')}`,
        enrolNow: true,
      });
      return (await get(SessionService).start(user.id, {})).accessToken;
    },
  };
}
