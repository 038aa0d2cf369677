import type { DeviceKind } from '@vigil/server/domain/device-kinds.js';
import { ConflictError } from '@vigil/server/domain/errors.js';
import { fits, kitFor, SCENARIOS } from '../scenarios/index.js';
import type { ScenarioName } from '../scenarios/scenario.js';
import type { WardPatient } from './plan.js';
import type { WardFile, WardStore } from './ward-file.js';

/** Runs operator commands (the `vigil` CLI's, see server/src/cli/operator-session.ts). */
export interface Operator {
  run(command: string, args: Record<string, unknown>): Promise<unknown>;
}

const TEAM = 'Simulated homes';

/**
 * Patients for the given scenarios, one each, in order: reused from the ward file when one
 * there has a fitting kit, else created through the operator commands with the scenario's
 * kit (team, patient, devices with their own credentials). Scenarios with requirements pick
 * first, so a stable patient never takes the only patient with a door sensor.
 */
export async function provisionWard(
  operator: Operator,
  store: WardStore,
  scenarios: readonly ScenarioName[],
  name: (index: number) => string,
  log: (message: string) => void,
): Promise<WardPatient[]> {
  const ward = store.read();
  const chosen = new Array<WardPatient | undefined>(scenarios.length);
  const used = new Set<string>();
  const order = scenarios.map((scenario, i) => ({ scenario, i })).sort((a, b) => Number(a.scenario === 'stable') - Number(b.scenario === 'stable'));
  let created = 0;
  for (const { scenario, i } of order) {
    const reusable = ward.patients.find((p) => !used.has(p.id) && fits(SCENARIOS[scenario], { spo2Scale: p.spo2Scale, kinds: p.devices.map((d) => d.kind) }));
    const patient = reusable ?? (await createPatient(operator, store, ward, kitFor(scenario), name(ward.patients.length)));
    if (!reusable) created++;
    used.add(patient.id);
    chosen[i] = patient;
  }
  if (created) log(`provisioned ${created} patient(s) with their devices in team "${TEAM}" (credentials kept in ${store.file})`);
  return chosen as WardPatient[];
}

async function ensureTeam(operator: Operator, store: WardStore, ward: WardFile): Promise<string> {
  if (ward.teamId) return ward.teamId;
  for (let n = 1; ; n++) {
    try {
      const { id } = (await operator.run('team create', { name: n === 1 ? TEAM : `${TEAM} ${n}` })) as { id: string };
      ward.teamId = id;
      store.write(ward);
      return id;
    } catch (error) {
      if (n >= 20 || !(error instanceof ConflictError)) throw error; // the name is taken: try the next
    }
  }
}

async function createPatient(
  operator: Operator,
  store: WardStore,
  ward: WardFile,
  kit: { spo2Scale: 1 | 2; kinds: readonly DeviceKind[] },
  name: string,
): Promise<WardPatient> {
  const team = await ensureTeam(operator, store, ward);
  const { id } = (await operator.run('patient create', { name, team, spo2Scale: kit.spo2Scale })) as { id: string };
  const patient: WardPatient = { id, name, spo2Scale: kit.spo2Scale, devices: [] };
  ward.patients.push(patient);
  for (const kind of kit.kinds) {
    const device = (await operator.run('device create', { patient: id, kind })) as { id: string; secret: string };
    patient.devices.push({ id: device.id, kind, secret: device.secret });
    store.write(ward);
  }
  store.write(ward);
  return patient;
}

const LOAD_DEVICES_PER_PATIENT = 10;

/** `count` devices for load mode: reused from the ward file, the rest created (wearables, ten per load-test patient). */
export async function provisionLoadDevices(
  operator: Operator,
  store: WardStore,
  count: number,
  log: (message: string) => void,
): Promise<Array<{ id: string; secret: string }>> {
  const ward = store.read();
  const have = () => ward.load.patients.flatMap((p) => p.devices);
  const before = have().length;
  while (have().length < count) {
    let patient = ward.load.patients.at(-1);
    if (!patient || patient.devices.length >= LOAD_DEVICES_PER_PATIENT) {
      const team = await ensureTeam(operator, store, ward);
      const name = `Load test ${ward.load.patients.length + 1}`;
      const { id } = (await operator.run('patient create', { name, team, spo2Scale: 1 })) as { id: string };
      patient = { id, devices: [] };
      ward.load.patients.push(patient);
    }
    const device = (await operator.run('device create', { patient: patient.id, kind: 'wearable' })) as { id: string; secret: string };
    patient.devices.push(device);
    store.write(ward);
  }
  if (have().length > before) log(`provisioned ${have().length - before} load-test device(s) (credentials kept in ${store.file})`);
  return have().slice(0, count);
}
