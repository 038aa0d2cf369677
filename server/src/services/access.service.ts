import { Injectable } from '@nestjs/common';
import type { Actor } from '../domain/actor.js';
import { ForbiddenError, NotFoundError } from '../domain/errors.js';
import { type Patient, PatientRepository } from '../repositories/patient.repository.js';
import { TeamRepository } from '../repositories/team.repository.js';

/**
 * Care-team scoping, the one check every patient-scoped read and write goes through, first:
 * a user reaches a patient only through membership of the patient's team, whatever the
 * role (an admin sees no clinical data unless also on the team; the operator CLI none).
 * A patient outside the caller's teams is "not found", exactly like one that does not exist.
 */
@Injectable()
export class AccessService {
  constructor(
    private readonly patients: PatientRepository,
    private readonly teams: TeamRepository,
  ) {}

  /** The patient, or NotFoundError when absent or outside the actor's teams. */
  async patient(actor: Actor, patientId: string): Promise<Patient> {
    const patient = actor.userId ? await this.patients.getForMember(patientId, actor.userId) : undefined;
    if (!patient) throw new NotFoundError(`patient ${patientId} not found`);
    return patient;
  }

  /** Every patient the actor may see. */
  async patientsOf(actor: Actor): Promise<Patient[]> {
    return actor.userId ? this.patients.listForMember(actor.userId) : [];
  }

  /** The team, when the actor is one of its members; NotFoundError otherwise (absent or not theirs look the same). */
  async team(actor: Actor, teamId: string): Promise<{ id: string; patients: Patient[] }> {
    const member = actor.userId ? (await this.teams.listForMember(actor.userId)).some((team) => team.id === teamId) : false;
    if (!member) throw new NotFoundError(`team ${teamId} not found`);
    return { id: teamId, patients: await this.patients.list(teamId) };
  }

  /**
   * For each (user, patient or team) pair, whether the user may still see it: what connected
   * sockets watch is checked again after a patient moved or a member left (LiveService).
   */
  async allowed(pairs: ReadonlyArray<{ userId: string; patientId?: string; teamId?: string }>): Promise<boolean[]> {
    const patientIds = [...new Set(pairs.flatMap((pair) => (pair.patientId ? [pair.patientId] : [])))];
    const [memberships, patientTeams] = await Promise.all([
      this.teams.membershipsOf([...new Set(pairs.map((pair) => pair.userId))]),
      patientIds.length ? this.patients.teamsOf(patientIds) : new Map<string, string>(),
    ]);
    return pairs.map(({ userId, patientId, teamId }) => {
      const team = patientId ? patientTeams.get(patientId) : teamId;
      return team !== undefined && (memberships.get(userId)?.has(team) ?? false);
    });
  }

  /** Administration: admins and the operator CLI. */
  requireAdmin(actor: Actor): void {
    if (actor.role !== 'admin' && actor.role !== 'operator') throw new ForbiddenError('this needs the admin role');
  }
}
