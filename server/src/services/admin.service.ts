import { Injectable } from '@nestjs/common';
import type { Actor } from '../domain/actor.js';
import type { DeviceKind } from '../domain/device-kinds.js';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import { CryptoRepository } from '../repositories/crypto.repository.js';
import { type Device, DeviceRepository, type SecretHashes } from '../repositories/device.repository.js';
import { EventBusRepository } from '../repositories/event-bus.repository.js';
import { type Patient, PatientRepository } from '../repositories/patient.repository.js';
import { type Team, TeamRepository } from '../repositories/team.repository.js';
import { AccessService } from './access.service.js';
import { AuditService } from './audit.service.js';

/**
 * Provisioning of teams, patients and devices, shared by the operator CLI and the admin API
 * (users: UserAdminService). Admin-only, every change audited. Names and team links are
 * administrative data; nothing here reads readings or alerts.
 */
@Injectable()
export class AdminService {
  constructor(
    private readonly teams: TeamRepository,
    private readonly patients: PatientRepository,
    private readonly devices: DeviceRepository,
    private readonly crypto: CryptoRepository,
    private readonly events: EventBusRepository,
    private readonly access: AccessService,
    private readonly audit: AuditService,
  ) {}

  // ---- Teams ----

  async listTeams(actor: Actor): Promise<Team[]> {
    this.access.requireAdmin(actor);
    return this.teams.list();
  }

  async createTeam(actor: Actor, name: string): Promise<Team> {
    this.access.requireAdmin(actor);
    if (await this.teams.findByName(name)) throw new ConflictError(`a team named "${name}" already exists`);
    const team = await this.teams.create(name);
    await this.audit.record(actor, 'team.create', { targetType: 'team', targetId: team.id, details: { name } });
    return team;
  }

  async renameTeam(actor: Actor, id: string, name: string): Promise<Team> {
    this.access.requireAdmin(actor);
    const existing = await this.teams.findByName(name);
    if (existing && existing.id !== id) throw new ConflictError(`a team named "${name}" already exists`);
    const team = await this.teams.rename(id, name);
    if (!team) throw new NotFoundError(`team ${id} not found`);
    await this.audit.record(actor, 'team.rename', { targetType: 'team', targetId: id, details: { name } });
    return team;
  }

  // ---- Patients ----

  async listPatients(actor: Actor, teamId?: string): Promise<Patient[]> {
    this.access.requireAdmin(actor);
    return this.patients.list(teamId);
  }

  async createPatient(actor: Actor, input: { name: string; team: string; spo2Scale: 1 | 2 }): Promise<Patient> {
    this.access.requireAdmin(actor);
    await this.requireTeam(input.team);
    const patient = await this.patients.create({ name: input.name, teamId: input.team, spo2Scale: input.spo2Scale });
    await this.audit.record(actor, 'patient.create', {
      patientId: patient.id,
      targetType: 'patient',
      targetId: patient.id,
      details: { team: input.team, spo2Scale: input.spo2Scale },
    });
    return patient;
  }

  /** Renaming, moving to another team (which moves who may see it), or changing the NEWS2 SpO2 scale. */
  async updatePatient(actor: Actor, id: string, changes: { name?: string; teamId?: string; spo2Scale?: 1 | 2 }): Promise<Patient> {
    this.access.requireAdmin(actor);
    if (changes.teamId) await this.requireTeam(changes.teamId);
    const patient = await this.patients.update(id, changes);
    if (!patient) throw new NotFoundError(`patient ${id} not found`);
    await this.audit.record(actor, 'patient.update', { patientId: id, targetType: 'patient', targetId: id, details: { ...changes } });
    return patient;
  }

  // ---- Devices and their credentials ----

  async listDevices(actor: Actor, patientId?: string): Promise<Device[]> {
    this.access.requireAdmin(actor);
    return this.devices.list(patientId);
  }

  /** Provisions a device; its secret is returned once here and stored only as hashes. */
  async createDevice(actor: Actor, input: { patient: string; kind: DeviceKind }): Promise<{ device: Device; secret: string }> {
    this.access.requireAdmin(actor);
    await this.requirePatient(input.patient);
    const { secret, hashes } = this.newSecret();
    const device = await this.devices.create({ patientId: input.patient, kind: input.kind, ...hashes });
    await this.audit.record(actor, 'device.create', { patientId: input.patient, targetType: 'device', targetId: device.id, details: { kind: input.kind } });
    return { device, secret };
  }

  /** A new secret, shown once; the old one stops working at once (the broker drops its session). */
  async rotateDeviceSecret(actor: Actor, id: string): Promise<{ device: Device; secret: string }> {
    this.access.requireAdmin(actor);
    const { secret, hashes } = this.newSecret();
    const device = await this.devices.rotateSecret(id, hashes);
    if (!device) throw await this.deviceProblem(id);
    // The id as stored (lower case), not as typed: caches and connections are keyed by it.
    await this.audit.record(actor, 'device.rotate', { patientId: device.patientId, targetType: 'device', targetId: device.id });
    this.events.emit('device.changed', { deviceId: device.id, change: 'rotated' });
    return { device, secret };
  }

  /** For good: the broker refuses the device from now on (a replacement is provisioned as a new device). */
  async revokeDevice(actor: Actor, id: string): Promise<Device> {
    this.access.requireAdmin(actor);
    const device = await this.devices.revoke(id);
    if (!device) throw await this.deviceProblem(id);
    await this.audit.record(actor, 'device.revoke', { patientId: device.patientId, targetType: 'device', targetId: device.id });
    this.events.emit('device.changed', { deviceId: device.id, change: 'revoked' });
    return device;
  }

  /** The device now measures another patient (e.g. a loaned pulse oximeter handed on). */
  async relinkDevice(actor: Actor, id: string, patientId: string): Promise<Device> {
    this.access.requireAdmin(actor);
    await this.requirePatient(patientId);
    const before = await this.devices.get(id);
    if (!before) throw new NotFoundError(`device ${id} not found`);
    const device = (await this.devices.relink(id, patientId))!;
    await this.audit.record(actor, 'device.relink', {
      patientId,
      targetType: 'device',
      targetId: device.id,
      details: { fromPatientId: before.patientId },
    });
    this.events.emit('device.changed', { deviceId: device.id, change: 'relinked' });
    return device;
  }

  /**
   * A device secret and how it is stored: the digest Vigil checks it with, and Mosquitto's hash
   * of it so that `vigil mosquitto export` can write the broker's password file.
   */
  private newSecret(): { secret: string; hashes: SecretHashes } {
    const secret = this.crypto.randomSecret();
    return { secret, hashes: { secretHash: this.crypto.hashSecret(secret), mosquittoHash: this.crypto.mosquittoHash(secret) } };
  }

  private async requireTeam(id: string): Promise<void> {
    if (!(await this.teams.get(id))) throw new NotFoundError(`team ${id} not found`);
  }

  private async requirePatient(id: string): Promise<void> {
    if (!(await this.patients.get(id))) throw new NotFoundError(`patient ${id} not found`);
  }

  private async deviceProblem(id: string): Promise<Error> {
    const device = await this.devices.get(id);
    return device ? new ConflictError(`device ${id} is revoked`) : new NotFoundError(`device ${id} not found`);
  }
}
