import { Injectable } from '@nestjs/common';
import type { Actor } from '../domain/actor.js';
import type { DeviceKind } from '../domain/device-kinds.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors.js';
import { passwordProblem } from '../domain/password-policy.js';
import { AuditRepository } from '../repositories/audit.repository.js';
import { CryptoRepository } from '../repositories/crypto.repository.js';
import { type Device, DeviceRepository } from '../repositories/device.repository.js';
import { type Patient, PatientRepository } from '../repositories/patient.repository.js';
import { type Team, TeamRepository } from '../repositories/team.repository.js';
import { type Role, type User, UserRepository } from '../repositories/user.repository.js';

export interface CreatedUser {
  user: User;
  /** Base32 TOTP secret the user is enrolled with (RFC 6238, 30 s, 6 digits). */
  totpSecret: string;
  /** Set only when no password was given and one was generated. */
  generatedPassword?: string;
}

/** Provisioning of teams, users, patients and devices, shared by the operator CLI and the admin API. */
@Injectable()
export class AdminService {
  constructor(
    private readonly teams: TeamRepository,
    private readonly users: UserRepository,
    private readonly patients: PatientRepository,
    private readonly devices: DeviceRepository,
    private readonly crypto: CryptoRepository,
    private readonly audit: AuditRepository,
  ) {}

  async createTeam(actor: Actor, name: string): Promise<Team> {
    if (await this.teams.findByName(name)) throw new ConflictError(`a team named "${name}" already exists`);
    const team = await this.teams.create(name);
    await this.record(actor, 'team.create', { targetType: 'team', targetId: team.id, details: { name } });
    return team;
  }

  async createUser(
    actor: Actor,
    input: { email: string; name: string; role: Role; team?: string; password?: string },
  ): Promise<CreatedUser> {
    const generatedPassword = input.password === undefined ? this.crypto.randomSecret(18) : undefined;
    const password = input.password ?? generatedPassword!;
    const problem = passwordProblem(password, input.email);
    if (problem) throw new InvalidInputError(problem, [{ field: 'password', message: problem }]);
    if (input.team && !(await this.teams.get(input.team))) throw new NotFoundError(`team ${input.team} not found`);
    if (await this.users.findByEmail(input.email)) throw new ConflictError(`a user with e-mail ${input.email} already exists`);

    const totpSecret = this.crypto.totpSecret();
    const user = await this.users.create({
      email: input.email,
      name: input.name,
      role: input.role,
      passwordHash: await this.crypto.hashPassword(password),
      totpSecret,
    });
    if (input.team) await this.teams.addMember(input.team, user.id);
    await this.record(actor, 'user.create', {
      targetType: 'user',
      targetId: user.id,
      details: { email: user.email, role: user.role, team: input.team ?? null },
    });
    return { user, totpSecret, generatedPassword };
  }

  async createPatient(actor: Actor, input: { name: string; team: string; spo2Scale: 1 | 2 }): Promise<Patient> {
    if (!(await this.teams.get(input.team))) throw new NotFoundError(`team ${input.team} not found`);
    const patient = await this.patients.create({ name: input.name, teamId: input.team, spo2Scale: input.spo2Scale });
    await this.record(actor, 'patient.create', {
      patientId: patient.id,
      targetType: 'patient',
      targetId: patient.id,
      details: { team: input.team, spo2Scale: input.spo2Scale },
    });
    return patient;
  }

  /** Provisions a device; its secret is returned once here and stored only as a hash. */
  async createDevice(actor: Actor, input: { patient: string; kind: DeviceKind }): Promise<{ device: Device; secret: string }> {
    if (!(await this.patients.get(input.patient))) throw new NotFoundError(`patient ${input.patient} not found`);
    const secret = this.crypto.randomSecret();
    const device = await this.devices.create({
      patientId: input.patient,
      kind: input.kind,
      secretHash: this.crypto.hashSecret(secret),
    });
    await this.record(actor, 'device.create', {
      patientId: input.patient,
      targetType: 'device',
      targetId: device.id,
      details: { kind: input.kind },
    });
    return { device, secret };
  }

  private record(
    actor: Actor,
    action: string,
    entry: { patientId?: string; targetType: string; targetId: string; details?: Record<string, unknown> },
  ): Promise<void> {
    return this.audit.append({ actorId: actor.userId, actorLabel: actor.label, ip: actor.ip, action, ...entry });
  }
}
