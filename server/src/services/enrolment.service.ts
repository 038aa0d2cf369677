import { Injectable } from '@nestjs/common';
import type { Actor } from '../domain/actor.js';
import { isTotpCode, RECOVERY_CODE_COUNT } from '../domain/auth-policy.js';
import { ConflictError, UnauthorizedError } from '../domain/errors.js';
import { CryptoRepository } from '../repositories/crypto.repository.js';
import { MfaChallengeRepository } from '../repositories/mfa-challenge.repository.js';
import { RecoveryCodeRepository } from '../repositories/recovery-code.repository.js';
import { UserRepository } from '../repositories/user.repository.js';
import { AuditService } from './audit.service.js';
import { AuthService } from './auth.service.js';
import { type ClientInfo, LockoutService } from './lockout.service.js';
import type { IssuedSession } from './session.service.js';

export interface TotpOffer {
  /** otpauth:// URI for authenticator apps. */
  otpauthUri: string;
  /** The same URI as a QR code, a PNG data URL. */
  qrCode: string;
  /** The base32 secret, for typing in by hand. */
  secret: string;
}

/**
 * TOTP enrolment for a user who has none (new through the admin API, or reset by an admin):
 * after the password step, the user is offered a secret as a QR code and enrols by entering
 * a first valid code from it; the sign-in then completes and ten recovery codes are shown
 * once. Recovery codes can be replaced later, with a current TOTP code.
 */
@Injectable()
export class EnrolmentService {
  constructor(
    private readonly users: UserRepository,
    private readonly challenges: MfaChallengeRepository,
    private readonly recoveryCodes: RecoveryCodeRepository,
    private readonly crypto: CryptoRepository,
    private readonly auth: AuthService,
    private readonly lockout: LockoutService,
    private readonly audit: AuditService,
  ) {}

  /** Offers a new secret for this sign-in (asking again replaces the offer). */
  async offer(input: { mfaToken: string }, client: ClientInfo): Promise<TotpOffer> {
    const open = await this.auth.openChallenge(input.mfaToken, client);
    if (open.user.totpSecret !== null) throw new ConflictError('two-factor sign-in is already set up for this account');
    const secret = this.crypto.totpSecret();
    await this.challenges.update(open.tokenHash, { ...open.challenge, pendingSecret: secret });
    const { uri, qrCode } = await this.crypto.totpProvisioning(open.user.email, secret);
    return { otpauthUri: uri, qrCode, secret };
  }

  /** A first valid code from the offered secret enrols the user and completes the sign-in. */
  async confirm(input: { mfaToken: string; code: string }, client: ClientInfo): Promise<IssuedSession & { recoveryCodes: string[] }> {
    const open = await this.auth.openChallenge(input.mfaToken, client);
    const secret = open.challenge.pendingSecret;
    if (open.user.totpSecret !== null) throw new ConflictError('two-factor sign-in is already set up for this account');
    if (!secret) throw new ConflictError('ask for a secret first: POST /api/auth/enrolment');
    const result = isTotpCode(input.code) ? await this.crypto.verifyTotp(secret, input.code) : { valid: false as const };
    if (!result.valid) {
      return this.lockout.fail('auth.mfa_failed', { user: open.user, label: open.user.email }, client, 'wrong code; check the time on your phone');
    }
    if (!(await this.users.enrolTotp(open.user.id, secret, result.step))) throw new UnauthorizedError('enrolment was completed elsewhere; sign in again');
    const actor: Actor = { userId: open.user.id, label: open.user.email, role: open.user.role, ip: client.ip };
    await this.audit.record(actor, 'auth.enrol', { targetType: 'user', targetId: open.user.id });
    const recoveryCodes = await this.issueRecoveryCodes(actor);
    return { ...(await this.auth.finish(open, client, { method: 'enrolment' })), recoveryCodes };
  }

  /** Replaces the recovery codes; asks for a current TOTP code, so a stolen access token alone cannot. */
  async regenerateRecoveryCodes(actor: Actor, input: { code: string }, client: ClientInfo): Promise<{ recoveryCodes: string[] }> {
    const user = actor.userId ? await this.users.findCredentials({ id: actor.userId }) : undefined;
    if (!user?.totpSecret) throw new UnauthorizedError('sign in first');
    await this.lockout.assertNotLocked({ user, label: user.email }, client);
    if (!(await this.auth.verifyTotp(user, input.code))) {
      return this.lockout.fail('auth.mfa_failed', { user, label: user.email }, client, 'wrong or already used code');
    }
    return { recoveryCodes: await this.issueRecoveryCodes(actor) };
  }

  private async issueRecoveryCodes(actor: Actor): Promise<string[]> {
    const codes = this.crypto.recoveryCodes(RECOVERY_CODE_COUNT);
    await this.recoveryCodes.replace(
      actor.userId!,
      codes.map((code) => this.crypto.hashSecret(code)),
    );
    await this.audit.record(actor, 'auth.recovery_codes', { targetType: 'user', targetId: actor.userId!, details: { count: codes.length } });
    return codes;
  }
}
