import { Injectable } from '@nestjs/common';
import type { Actor } from '../domain/actor.js';
import { isTotpCode, MFA_CHALLENGE_SECONDS, normaliseRecoveryCode } from '../domain/auth-policy.js';
import { ConflictError, InvalidInputError, UnauthorizedError } from '../domain/errors.js';
import { passwordProblem } from '../domain/password-policy.js';
import { CryptoRepository } from '../repositories/crypto.repository.js';
import { type MfaChallenge, MfaChallengeRepository } from '../repositories/mfa-challenge.repository.js';
import { RecoveryCodeRepository } from '../repositories/recovery-code.repository.js';
import { TeamRepository } from '../repositories/team.repository.js';
import { type User, type UserCredentials, UserRepository } from '../repositories/user.repository.js';
import { AuditService } from './audit.service.js';
import { type ClientInfo, LockoutService } from './lockout.service.js';
import { type IssuedSession, SessionService } from './session.service.js';

const WRONG_PASSWORD = 'wrong e-mail or password';
const WRONG_CODE = 'wrong or already used code';
const CHALLENGE_ENDED = 'the sign-in has expired or was completed; start again with your password';

/** An open sign-in between its two steps. */
export interface OpenChallenge {
  tokenHash: string;
  challenge: MfaChallenge;
  user: UserCredentials;
}

/**
 * Two-factor sign-in, NemID-style: the password first (POST /api/auth/login answers with an
 * mfaToken, never an access token), then a one-time code (POST /api/auth/mfa): a TOTP code
 * (RFC 6238) or one of the user's single-use recovery codes. Users without a TOTP secret
 * enrol between the two steps (EnrolmentService).
 */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UserRepository,
    private readonly teams: TeamRepository,
    private readonly challenges: MfaChallengeRepository,
    private readonly recoveryCodes: RecoveryCodeRepository,
    private readonly crypto: CryptoRepository,
    private readonly lockout: LockoutService,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
  ) {}

  async login(input: { email: string; password: string }, client: ClientInfo): Promise<{ mfaToken: string; enrolmentRequired: boolean }> {
    await this.lockout.assertAddressAllowed(client);
    const found = await this.users.findCredentials({ email: input.email });
    const user = found && !found.disabled ? found : undefined;
    // The password check costs the same for every e-mail, with an account or not, locked or
    // not, and comes before the verdict: neither the answer nor its time says which e-mails exist.
    const passwordRight = user
      ? await this.crypto.verifyPassword(user.passwordHash, input.password)
      : await this.crypto.spendPasswordCheck(input.password).then(() => false);
    const who = { user, label: user?.email ?? input.email };
    await this.lockout.assertNotLocked(who, client);
    if (!user || !passwordRight) return this.lockout.fail('auth.login_failed', who, client, WRONG_PASSWORD);
    const mfaToken = this.crypto.randomSecret();
    await this.challenges.save(this.crypto.hashSecret(mfaToken), { userId: user.id }, MFA_CHALLENGE_SECONDS);
    return { mfaToken, enrolmentRequired: user.totpSecret === null };
  }

  /** The second step: a TOTP code or a recovery code completes the sign-in. */
  async completeMfa(input: { mfaToken: string; code: string }, client: ClientInfo): Promise<IssuedSession> {
    const open = await this.openChallenge(input.mfaToken, client);
    if (open.user.totpSecret === null) throw new ConflictError('two-factor enrolment comes first: POST /api/auth/enrolment');
    const method = await this.verifySecondFactor(open.user, input.code, client);
    if (!method) return this.lockout.fail('auth.mfa_failed', { user: open.user, label: open.user.email }, client, WRONG_CODE);
    return this.finish(open, client, { method });
  }

  /**
   * The open sign-in of `mfaToken`, after the address and lock checks every code attempt
   * passes first. Throws when the token is unknown or expired.
   */
  async openChallenge(mfaToken: string, client: ClientInfo): Promise<OpenChallenge> {
    await this.lockout.assertAddressAllowed(client);
    const tokenHash = this.crypto.hashSecret(mfaToken);
    const challenge = await this.challenges.get(tokenHash);
    const user = challenge ? await this.users.findCredentials({ id: challenge.userId }) : undefined;
    if (!challenge || !user || user.disabled) throw new UnauthorizedError(CHALLENGE_ENDED);
    await this.lockout.assertNotLocked({ user, label: user.email }, client);
    return { tokenHash, challenge, user };
  }

  /** Ends the challenge (once: a second request with the same mfaToken fails) and starts a session. */
  async finish(open: OpenChallenge, client: ClientInfo, details: Record<string, unknown>): Promise<IssuedSession> {
    if (!(await this.challenges.take(open.tokenHash))) throw new UnauthorizedError(CHALLENGE_ENDED);
    await this.lockout.succeeded(open.user.id, client);
    const issued = await this.sessions.start(open.user.id, client);
    await this.audit.record({ userId: open.user.id, label: open.user.email, role: open.user.role, ip: client.ip }, 'auth.login', {
      targetType: 'user',
      targetId: open.user.id,
      details,
    });
    return issued;
  }

  /**
   * A TOTP code (current step ± 1, each step usable once) or an unused recovery code of the
   * user; the method that matched, or undefined.
   */
  async verifySecondFactor(user: UserCredentials, code: string, client: ClientInfo): Promise<'totp' | 'recovery' | undefined> {
    if (isTotpCode(code)) return (await this.verifyTotp(user, code)) ? 'totp' : undefined;
    if (!(await this.recoveryCodes.consume(user.id, this.crypto.hashSecret(normaliseRecoveryCode(code))))) return undefined;
    const remaining = await this.recoveryCodes.remaining(user.id);
    await this.audit.recordAnonymous('auth.recovery_code_used', { label: user.email, ip: client.ip, userId: user.id }, { details: { remaining } });
    return 'recovery';
  }

  /** A valid TOTP code of the user's (current step ± 1) whose time step was not used before; claims the step. */
  async verifyTotp(user: UserCredentials, code: string): Promise<boolean> {
    if (!user.totpSecret || !isTotpCode(code)) return false;
    const result = await this.crypto.verifyTotp(user.totpSecret, code);
    return result.valid && (await this.users.claimTotpStep(user.id, result.step));
  }

  /**
   * Needs the current password; ends every session of the user, this one included. A wrong
   * current password counts towards the account's lock like a wrong sign-in (else a stolen
   * access token could guess it without limit), but is answered 400, not 401: a client reads
   * 401 as "the session has ended".
   */
  async changePassword(actor: Actor, input: { currentPassword: string; newPassword: string }, client: ClientInfo): Promise<void> {
    const user = actor.userId ? await this.users.findCredentials({ id: actor.userId }) : undefined;
    if (!user) throw new UnauthorizedError('sign in first');
    await this.lockout.assertNotLocked({ user, label: user.email }, client);
    if (!(await this.crypto.verifyPassword(user.passwordHash, input.currentPassword))) {
      const wrong = new InvalidInputError('the current password is wrong', [{ field: 'currentPassword', message: 'wrong password' }]);
      return this.lockout.fail('auth.password_change_failed', { user, label: user.email }, client, wrong);
    }
    const problem = passwordProblem(input.newPassword, user.email);
    if (problem) throw new InvalidInputError(problem, [{ field: 'newPassword', message: problem }]);
    await this.users.setPasswordHash(user.id, await this.crypto.hashPassword(input.newPassword));
    const ended = await this.sessions.endAll(user.id, 'password changed');
    await this.audit.record(actor, 'auth.password_change', { targetType: 'user', targetId: user.id, details: { sessionsEnded: ended } });
  }

  /** The signed-in user and their teams. */
  async me(actor: Actor): Promise<User & { teams: Array<{ id: string; name: string }> }> {
    const user = actor.userId ? await this.users.get(actor.userId) : undefined;
    if (!user) throw new UnauthorizedError('sign in first');
    return { ...user, teams: await this.teams.listForMember(user.id) };
  }
}
