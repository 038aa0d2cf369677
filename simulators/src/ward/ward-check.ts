import type { DeviceKind } from '@vigil/server/domain/device-kinds.js';
import type { WardFile } from './ward-file.js';

/** The operator command `provisioning check`'s answer (server/src/services/provisioning-check.service.ts). */
export interface ProvisioningCheck {
  database: string;
  team: boolean;
  patients: string[];
  devices: Array<{ id: string; patient: string | null }>;
}

export interface KnownWard {
  /** The ward with only what the database knows. */
  ward: WardFile;
  /** Kept patients' devices the database does not know (or has revoked or relinked): to provision again. */
  missing: Array<{ patientId: string; kinds: DeviceKind[] }>;
  /** How much was dropped, for the log. */
  dropped: { patients: number; devices: number };
}

/**
 * The ward as far as the database knows it: a patient is kept when it is in the ward's team,
 * a device when it is not revoked and still linked to its patient. Without the team, nothing
 * is kept.
 */
export function knownWard(ward: WardFile, check: ProvisioningCheck): KnownWard {
  const patients = new Set(check.team ? check.patients : []);
  const links = new Map(check.devices.map((d) => [d.id, d.patient]));
  const dropped = { patients: 0, devices: 0 };
  const missing: KnownWard['missing'] = [];
  const keepDevices = <D extends { id: string }>(patientId: string, devices: D[]) => {
    const kept = devices.filter((d) => links.get(d.id) === patientId);
    dropped.devices += devices.length - kept.length;
    return kept;
  };
  const known: WardFile = { version: 1, patients: [], load: { patients: [] } };
  if (check.team) known.teamId = ward.teamId;
  for (const patient of ward.patients) {
    if (!patients.has(patient.id)) {
      dropped.patients++;
      dropped.devices += patient.devices.length;
      continue;
    }
    const devices = keepDevices(patient.id, patient.devices);
    const lost = patient.devices.filter((d) => !devices.includes(d)).map((d) => d.kind);
    if (lost.length) missing.push({ patientId: patient.id, kinds: lost });
    known.patients.push({ ...patient, devices });
  }
  for (const patient of ward.load.patients) {
    if (!patients.has(patient.id)) {
      dropped.patients++;
      dropped.devices += patient.devices.length;
      continue;
    }
    known.load.patients.push({ ...patient, devices: keepDevices(patient.id, patient.devices) });
  }
  return { ward: known, missing, dropped };
}

/** The ids a ward file holds, to ask the database about. */
export function wardIds(ward: WardFile): { team?: string; patients: string[]; devices: string[] } {
  const all = [...ward.patients, ...ward.load.patients];
  return {
    ...(ward.teamId ? { team: ward.teamId } : {}),
    patients: all.map((p) => p.id),
    devices: all.flatMap((p) => p.devices.map((d) => d.id)),
  };
}
