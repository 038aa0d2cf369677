import type { DeviceKind } from '@vigil/server/domain/device-kinds.js';
import { ConflictError } from '@vigil/server/domain/errors.js';
import { fits, kitFor, SCENARIOS } from '../scenarios/index.js';
import type { ScenarioName } from '../scenarios/scenario.js';
import type { WardPatient } from './plan.js';
import { knownWard, type ProvisioningCheck, wardIds } from './ward-check.js';
import type { WardFile, WardStore } from './ward-file.js';

/** Runs operator commands (the `vigil` CLI's, see server/src/cli/operator-session.ts). */
export interface Operator {
  run(command: string, args: Record<string, unknown>): Promise<unknown>;
}

const TEAM = 'Simulated homes';

/** A ward file's ward for the database the operator reaches, checked against it, and how to save it. */
interface OpenWard {
  ward: WardFile;
  save(): void;
}

/**
 * The ward kept for the target database, with only what that database knows: a ward file from
 * another (or a reset) database, or one that was provisioned before wards were keyed by their
 * database, never hands out devices Vigil would refuse. Devices a kept patient lost are
 * provisioned again.
 */
async function openWard(operator: Operator, store: WardStore, log: (message: string) => void): Promise<OpenWard> {
  const { database } = (await operator.run('provisioning check', {})) as ProvisioningCheck;
  const kept = store.read(database);
  const check = (await operator.run('provisioning check', wardIds(kept))) as ProvisioningCheck;
  const { ward, missing, dropped } = knownWard(kept, check);
  const open = { ward, save: () => store.write(database, ward) };
  if (dropped.patients || dropped.devices) {
    log(`the ward file held ${dropped.patients} patient(s) and ${dropped.devices} device(s) this database does not know (${store.file}); provisioning anew`);
    open.save();
  }
  for (const { patientId, kinds } of missing) {
    const patient = ward.patients.find((p) => p.id === patientId)!;
    for (const kind of kinds) {
      const device = (await operator.run('device create', { patient: patientId, kind })) as { id: string; secret: string };
      patient.devices.push({ id: device.id, kind, secret: device.secret });
      open.save();
    }
  }
  return open;
}

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
  const open = await openWard(operator, store, log);
  const { ward } = open;
  const chosen = new Array<WardPatient | undefined>(scenarios.length);
  const used = new Set<string>();
  const order = scenarios.map((scenario, i) => ({ scenario, i })).sort((a, b) => Number(a.scenario === 'stable') - Number(b.scenario === 'stable'));
  let created = 0;
  for (const { scenario, i } of order) {
    const reusable = ward.patients.find((p) => !used.has(p.id) && fits(SCENARIOS[scenario], { spo2Scale: p.spo2Scale, kinds: p.devices.map((d) => d.kind) }));
    const patient = reusable ?? (await createPatient(operator, open, kitFor(scenario), name(ward.patients.length)));
    if (!reusable) created++;
    used.add(patient.id);
    chosen[i] = patient;
  }
  if (created) log(`provisioned ${created} patient(s) with their devices in team "${TEAM}" (credentials kept in ${store.file})`);
  return chosen as WardPatient[];
}

async function ensureTeam(operator: Operator, { ward, save }: OpenWard): Promise<string> {
  if (ward.teamId) return ward.teamId;
  for (let n = 1; ; n++) {
    try {
      const { id } = (await operator.run('team create', { name: n === 1 ? TEAM : `${TEAM} ${n}` })) as { id: string };
      ward.teamId = id;
      save();
      return id;
    } catch (error) {
      if (n >= 20 || !(error instanceof ConflictError)) throw error; // the name is taken: try the next
    }
  }
}

async function createPatient(operator: Operator, open: OpenWard, kit: { spo2Scale: 1 | 2; kinds: readonly DeviceKind[] }, name: string): Promise<WardPatient> {
  const { ward, save } = open;
  const team = await ensureTeam(operator, open);
  const { id } = (await operator.run('patient create', { name, team, spo2Scale: kit.spo2Scale })) as { id: string };
  const patient: WardPatient = { id, name, spo2Scale: kit.spo2Scale, devices: [] };
  ward.patients.push(patient);
  for (const kind of kit.kinds) {
    const device = (await operator.run('device create', { patient: id, kind })) as { id: string; secret: string };
    patient.devices.push({ id: device.id, kind, secret: device.secret });
    save();
  }
  save();
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
  const open = await openWard(operator, store, log);
  const { ward } = open;
  const have = () => ward.load.patients.flatMap((p) => p.devices);
  const before = have().length;
  while (have().length < count) {
    let patient = ward.load.patients.at(-1);
    if (!patient || patient.devices.length >= LOAD_DEVICES_PER_PATIENT) {
      const team = await ensureTeam(operator, open);
      const name = `Load test ${ward.load.patients.length + 1}`;
      const { id } = (await operator.run('patient create', { name, team, spo2Scale: 1 })) as { id: string };
      patient = { id, devices: [] };
      ward.load.patients.push(patient);
    }
    const device = (await operator.run('device create', { patient: patient.id, kind: 'wearable' })) as { id: string; secret: string };
    patient.devices.push(device);
    open.save();
  }
  if (have().length > before) log(`provisioned ${have().length - before} load-test device(s) (credentials kept in ${store.file})`);
  return have().slice(0, count);
}
