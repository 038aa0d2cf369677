import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import {
  ADDRESS_FAILURE_LIMIT,
  ADDRESS_FAILURE_WINDOW_SECONDS,
  MAX_FAILED_ATTEMPTS,
  minutes,
  UNKNOWN_EMAIL_FAILURE_WINDOW_SECONDS,
} from '../domain/auth-policy.js';
import { type DomainError, LockedError, TooManyRequestsError, UnauthorizedError } from '../domain/errors.js';
import { RateLimitRepository } from '../repositories/rate-limit.repository.js';
import { UserRepository } from '../repositories/user.repository.js';
import { AuditService } from './audit.service.js';

export interface ClientInfo {
  ip?: string;
  userAgent?: string;
}

/** Whom an attempt was for: a user, or for an unknown (or disabled) e-mail only `label`, the e-mail typed. */
export interface Attempted {
  user?: { id: string; email: string };
  label: string;
}

/**
 * Failed sign-in attempts, counted per account (Postgres: locks the account after
 * MAX_FAILED_ATTEMPTS) and per client address (Redis), so guessing is slow on any number of
 * server instances. An e-mail without an account is counted and locked the same way (in
 * Redis), so the answers do not tell which e-mails have accounts. Every failure and lockout
 * is audited.
 */
@Injectable()
export class LockoutService {
  private readonly lockSeconds: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly users: UserRepository,
    private readonly limits: RateLimitRepository,
    private readonly audit: AuditService,
  ) {
    this.lockSeconds = config.auth.lockoutSeconds;
  }

  /** Refuses an address that failed too often lately, before any password or code is checked. */
  async assertAddressAllowed(client: ClientInfo): Promise<void> {
    if (!client.ip) return;
    const { count, retryAfterSeconds } = await this.limits.peek(failureKey(client.ip));
    if (count >= ADDRESS_FAILURE_LIMIT) {
      throw new TooManyRequestsError(`too many failed sign-in attempts from this address; try again in ${minutes(retryAfterSeconds)}`, retryAfterSeconds);
    }
  }

  /**
   * Refuses a locked account whatever its password or code, so the answer says it is locked
   * and nothing about the credentials; an unknown e-mail locked by its failures likewise.
   */
  async assertNotLocked(who: Attempted & { user?: { lockedForSeconds: number } }, client: ClientInfo): Promise<void> {
    const lockedForSeconds = who.user ? who.user.lockedForSeconds : (await this.limits.peek(unknownLockKey(who.label))).retryAfterSeconds;
    if (lockedForSeconds <= 0) return;
    await this.audit.recordAnonymous('auth.login_locked', { label: who.label, ip: client.ip, userId: who.user?.id });
    throw this.locked(lockedForSeconds);
  }

  /**
   * Records a failed attempt and throws what the caller answers: `refusal` (a message for a
   * 401, or the error itself), or 423 when this attempt locked the account.
   */
  async fail(
    action: 'auth.login_failed' | 'auth.mfa_failed' | 'auth.password_change_failed',
    who: Attempted,
    client: ClientInfo,
    refusal: string | DomainError,
  ): Promise<never> {
    if (client.ip) await this.limits.hit(failureKey(client.ip), ADDRESS_FAILURE_WINDOW_SECONDS);
    await this.audit.recordAnonymous(action, { label: who.label, ip: client.ip, userId: who.user?.id });
    const { justLocked, lockedForSeconds } = who.user
      ? await this.users.recordFailure(who.user.id, MAX_FAILED_ATTEMPTS, this.lockSeconds)
      : await this.recordUnknownFailure(who.label);
    if (justLocked) {
      await this.audit.recordAnonymous(
        'auth.lockout',
        { label: who.label, ip: client.ip, userId: who.user?.id },
        { ...(who.user ? { targetType: 'user', targetId: who.user.id } : {}), details: { failedAttempts: MAX_FAILED_ATTEMPTS, lockedForSeconds } },
      );
      throw this.locked(lockedForSeconds);
    }
    throw typeof refusal === 'string' ? new UnauthorizedError(refusal) : refusal;
  }

  /** A complete sign-in starts the count again. */
  async succeeded(userId: string): Promise<void> {
    await this.users.clearFailures(userId);
  }

  /**
   * An account's count in Redis for an e-mail without one, locking as UserRepository.recordFailure
   * does. An account's count lasts until a sign-in; this one for UNKNOWN_EMAIL_FAILURE_WINDOW_SECONDS,
   * which bounds what anyone typing e-mails can make Redis keep.
   */
  private async recordUnknownFailure(email: string): Promise<{ justLocked: boolean; lockedForSeconds: number }> {
    const { count } = await this.limits.hit(unknownFailuresKey(email), UNKNOWN_EMAIL_FAILURE_WINDOW_SECONDS);
    if (count < MAX_FAILED_ATTEMPTS) return { justLocked: false, lockedForSeconds: 0 };
    await this.limits.clear(unknownFailuresKey(email));
    const { retryAfterSeconds } = await this.limits.hit(unknownLockKey(email), this.lockSeconds);
    return { justLocked: true, lockedForSeconds: retryAfterSeconds };
  }

  private locked(seconds: number): LockedError {
    return new LockedError(`the account is locked after repeated failed sign-in attempts; try again in ${minutes(seconds)}`, seconds);
  }
}

const failureKey = (ip: string) => `signin-failures:${ip}`;
const unknownFailuresKey = (email: string) => `signin-failures-unknown:${email.toLowerCase()}`;
const unknownLockKey = (email: string) => `signin-locked-unknown:${email.toLowerCase()}`;
