import { Injectable } from '@nestjs/common';
import type { Actor } from '../domain/actor.js';
import { NotFoundError } from '../domain/errors.js';
import { EventBusRepository } from '../repositories/event-bus.repository.js';
import { type Patient, PatientRepository } from '../repositories/patient.repository.js';
import { TeamRepository } from '../repositories/team.repository.js';
import { AccessService } from './access.service.js';
import { AuditService } from './audit.service.js';

/**
 * Provisioning of patients (their name, team and NEWS2 SpO2 scale), for the operator CLI and the
 * admin API. Admin-only, every change audited; nothing here reads readings or alerts.
 */
@Injectable()
export class PatientAdminService {
  constructor(
    private readonly patients: PatientRepository,
    private readonly teams: TeamRepository,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly events: EventBusRepository,
  ) {}

  async listPatients(actor: Actor, teamId?: string): Promise<Patient[]> {
    this.access.requireAdmin(actor);
    const patients = await this.patients.list(teamId);
    await this.audit.record(actor, 'patient.list', { details: { patientIds: patients.map((p) => p.id), admin: true, ...(teamId ? { teamId } : {}) } });
    return patients;
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
    const before = await this.patients.get(id);
    const patient = await this.patients.update(id, changes);
    if (!before || !patient) throw new NotFoundError(`patient ${id} not found`);
    if (patient.teamId !== before.teamId) this.events.emit('access.changed', { reason: 'patient_moved' });
    await this.audit.record(actor, 'patient.update', { patientId: id, targetType: 'patient', targetId: id, details: { ...changes } });
    return patient;
  }

  private async requireTeam(id: string): Promise<void> {
    if (!(await this.teams.get(id))) throw new NotFoundError(`team ${id} not found`);
  }
}
