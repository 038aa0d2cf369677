import { Injectable } from '@nestjs/common';
import type { Actor } from '../domain/actor.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors.js';
import { passwordProblem } from '../domain/password-policy.js';
import { CryptoRepository } from '../repositories/crypto.repository.js';
import { EventBusRepository } from '../repositories/event-bus.repository.js';
import { PushRepository } from '../repositories/push.repository.js';
import { RecoveryCodeRepository } from '../repositories/recovery-code.repository.js';
import { SessionRepository } from '../repositories/session.repository.js';
import { TeamRepository } from '../repositories/team.repository.js';
import type { Role } from '../domain/roles.js';
import { type User, type UserChanges, UserRepository } from '../repositories/user.repository.js';
import { AccessService } from './access.service.js';
import { AuditService } from './audit.service.js';

export interface CreatedUser {
  user: User;
  /** Base32 TOTP secret the user is enrolled with (RFC 6238, 30 s, 6 digits); absent when the user enrols at first sign-in. */
  totpSecret?: string;
  /** Set only when no password was given and one was generated. */
  generatedPassword?: string;
}

export interface NewUserInput {
  email: string;
  name: string;
  role: Role;
  team?: string;
  password?: string;
  /**
   * Enrol now with a secret handed back here (operator CLI, as the design's contract says), or
   * leave the user to enrol with a QR code at first sign-in (admin API: the admin never sees it).
   */
  enrolNow: boolean;
}

/** Staff accounts and team membership: admin-only, every change audited (the list with its locks: LockoutService.listAccounts). */
@Injectable()
export class UserAdminService {
  constructor(
    private readonly users: UserRepository,
    private readonly teams: TeamRepository,
    private readonly sessions: SessionRepository,
    private readonly recoveryCodes: RecoveryCodeRepository,
    private readonly crypto: CryptoRepository,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly events: EventBusRepository,
    private readonly push: PushRepository,
  ) {}

  async createUser(actor: Actor, input: NewUserInput): Promise<CreatedUser> {
    this.access.requireAdmin(actor);
    const generatedPassword = input.password === undefined ? this.crypto.randomSecret(18) : undefined;
    const password = input.password ?? generatedPassword!;
    const problem = passwordProblem(password, input.email);
    if (problem) throw new InvalidInputError(problem, [{ field: 'password', message: problem }]);
    if (input.team) await this.requireTeam(input.team);
    if (await this.users.findByEmail(input.email)) throw new ConflictError(`a user with e-mail ${input.email} already exists`);

    const totpSecret = input.enrolNow ? this.crypto.totpSecret() : undefined;
    const user = await this.users.create({
      email: input.email,
      name: input.name,
      role: input.role,
      passwordHash: await this.crypto.hashPassword(password),
      totpSecret: totpSecret ?? null,
    });
    if (input.team) await this.teams.addMember(input.team, user.id);
    await this.audit.record(actor, 'user.create', {
      targetType: 'user',
      targetId: user.id,
      details: { email: user.email, role: user.role, team: input.team ?? null, enrolled: input.enrolNow },
    });
    return { user, totpSecret, generatedPassword };
  }

  /** Name, role, or disabling; disabling ends the user's sessions at once. */
  async updateUser(actor: Actor, id: string, changes: UserChanges): Promise<User> {
    this.access.requireAdmin(actor);
    // An admin cannot lock themselves out (and with it, possibly, every admin).
    if (id === actor.userId && (changes.disabled || (changes.role && changes.role !== 'admin'))) {
      throw new ConflictError('you cannot disable your own account or give up your own admin role');
    }
    const user = await this.users.update(id, changes);
    if (!user) throw new NotFoundError(`user ${id} not found`);
    if (changes.disabled) {
      await this.sessions.revokeAllForUser(id, 'disabled by an admin');
      this.events.emit('access.changed', { reason: 'user_disabled' });
    }
    await this.audit.record(actor, 'user.update', { targetType: 'user', targetId: id, details: { ...changes } });
    return user;
  }

  /**
   * For a lost phone: forgets the TOTP secret and recovery codes, ends every session and removes
   * the user's Web Push subscriptions (a lost phone's notifications carry Acknowledge tokens, and
   * new escalations would keep reaching it); the user enrols again at next sign-in.
   */
  async resetMfa(actor: Actor, id: string): Promise<void> {
    this.access.requireAdmin(actor);
    await this.requireUser(id);
    await this.users.resetTotp(id);
    await this.recoveryCodes.removeAll(id);
    await this.sessions.revokeAllForUser(id, 'two-factor reset by an admin');
    const pushSubscriptionsRemoved = await this.push.removeAllOf(id);
    await this.audit.record(actor, 'user.reset_mfa', { targetType: 'user', targetId: id, details: { pushSubscriptionsRemoved } });
  }

  async addTeamMember(actor: Actor, teamId: string, userId: string): Promise<void> {
    this.access.requireAdmin(actor);
    await this.requireTeam(teamId);
    await this.requireUser(userId);
    await this.teams.addMember(teamId, userId);
    await this.audit.record(actor, 'team.member_add', { targetType: 'team', targetId: teamId, details: { userId } });
  }

  async removeTeamMember(actor: Actor, teamId: string, userId: string): Promise<void> {
    this.access.requireAdmin(actor);
    if (!(await this.teams.removeMember(teamId, userId))) throw new NotFoundError(`user ${userId} is not a member of team ${teamId}`);
    this.events.emit('access.changed', { reason: 'member_removed' });
    await this.audit.record(actor, 'team.member_remove', { targetType: 'team', targetId: teamId, details: { userId } });
  }

  private async requireUser(id: string): Promise<void> {
    if (!(await this.users.get(id))) throw new NotFoundError(`user ${id} not found`);
  }

  private async requireTeam(id: string): Promise<void> {
    if (!(await this.teams.get(id))) throw new NotFoundError(`team ${id} not found`);
  }
}
