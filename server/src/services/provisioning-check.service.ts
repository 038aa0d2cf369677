import { Injectable } from '@nestjs/common';
import type { Actor } from '../domain/actor.js';
import { DeviceRepository } from '../repositories/device.repository.js';
import { InstallationRepository } from '../repositories/installation.repository.js';
import { PatientRepository } from '../repositories/patient.repository.js';
import { TeamRepository } from '../repositories/team.repository.js';
import { AccessService } from './access.service.js';

export interface ProvisioningCheck {
  /** The id of the database asked (InstallationRepository). */
  database: string;
  /** The team exists. */
  team: boolean;
  /** The given patients that are in that team. */
  patients: string[];
  /** The given devices that exist and are not revoked, with the patient each is linked to. */
  devices: Array<{ id: string; patient: string | null }>;
}

/**
 * Which of the team, patients and devices a tool provisioned earlier (and kept the credentials
 * of) this database still knows: the simulators check their ward file with it before reusing
 * it. Admin-only; it reads ids and links, no names and nothing clinical, so it is not audited.
 */
@Injectable()
export class ProvisioningCheckService {
  constructor(
    private readonly installation: InstallationRepository,
    private readonly teams: TeamRepository,
    private readonly patients: PatientRepository,
    private readonly devices: DeviceRepository,
    private readonly access: AccessService,
  ) {}

  async check(actor: Actor, given: { team?: string; patients: string[]; devices: string[] }): Promise<ProvisioningCheck> {
    this.access.requireAdmin(actor);
    const team = given.team ? Boolean(await this.teams.get(given.team)) : false;
    const patients = team && given.patients.length ? await this.patients.existingInTeam(given.team!, given.patients) : [];
    const devices = given.devices.length ? await this.devices.activeLinks(given.devices) : [];
    return { database: await this.installation.id(), team, patients, devices: devices.map((d) => ({ id: d.id, patient: d.patientId })) };
  }
}
