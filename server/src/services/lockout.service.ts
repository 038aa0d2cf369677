import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import type { Actor } from '../domain/actor.js';
import {
  accountDelaySeconds,
  ADDRESS_FAILURE_LIMIT,
  ADDRESS_FAILURE_WINDOW_SECONDS,
  FAILURE_COUNT_SECONDS,
  MAX_FAILED_ATTEMPTS,
  minutes,
} from '../domain/auth-policy.js';
import { type DomainError, LockedError, NotFoundError, TooManyRequestsError, UnauthorizedError } from '../domain/errors.js';
import { RateLimitRepository } from '../repositories/rate-limit.repository.js';
import { type UserAccount, UserRepository } from '../repositories/user.repository.js';
import { AccessService } from './access.service.js';
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
 * Failed sign-in attempts, counted in Redis (shared by every server instance) so that a
 * stranger cannot lock a known account (docs/security.md, "Lockout and throttling"):
 *
 * - per account and client address: MAX_FAILED_ATTEMPTS failures lock the account **for that
 *   address** (423, for right and wrong credentials alike); the owner elsewhere is not locked;
 * - per account, from all addresses: past MAX_FAILED_ATTEMPTS, each address that has failed on
 *   the account waits a growing delay after the account's latest failure (429), so many
 *   addresses do not buy many guesses; an address without failures is never delayed;
 * - per client address, on any accounts: ADDRESS_FAILURE_LIMIT failures in a window (429).
 *
 * An e-mail without an account is counted, locked and delayed exactly alike, so the answers
 * do not tell which e-mails have accounts. Every failure, lock and delay is audited.
 */
@Injectable()
export class LockoutService {
  private readonly lockSeconds: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly users: UserRepository,
    private readonly limits: RateLimitRepository,
    private readonly access: AccessService,
    private readonly audit: AuditService,
  ) {
    this.lockSeconds = config.auth.lockoutSeconds;
  }

  /** Refuses an address that failed too often lately, before any password or code is checked. */
  async assertAddressAllowed(client: ClientInfo): Promise<void> {
    if (!client.ip) return;
    const { count, retryAfterSeconds } = await this.limits.peek(addressKey(client.ip));
    if (count >= ADDRESS_FAILURE_LIMIT) {
      throw new TooManyRequestsError(`too many failed sign-in attempts from this address; try again in ${minutes(retryAfterSeconds)}`, retryAfterSeconds);
    }
  }

  /**
   * Refuses an account locked for this address whatever its password or code, so the answer
   * says it is locked and nothing about the credentials; then an address that has failed on
   * an account under attack from many addresses, until the account's delay has passed.
   */
  async assertNotLocked(who: Attempted, client: ClientInfo): Promise<void> {
    const account = accountOf(who);
    const from = client.ip ?? 'unknown';
    const lock = await this.limits.peek(pairLockKey(account, from));
    const auditAs = { label: who.label, ip: client.ip, userId: who.user?.id };
    if (lock.retryAfterSeconds > 0) {
      await this.audit.recordAnonymous('auth.login_locked', auditAs);
      throw this.locked(lock.retryAfterSeconds);
    }
    const [failedHere, delay] = await Promise.all([this.limits.peek(pairFailuresKey(account, from)), this.limits.peek(delayKey(account))]);
    if (failedHere.count > 0 && delay.retryAfterSeconds > 0) {
      await this.audit.recordAnonymous('auth.login_delayed', auditAs, { details: { retryAfterSeconds: delay.retryAfterSeconds } });
      throw new TooManyRequestsError(
        `too many failed sign-in attempts on this account; try again in ${delay.retryAfterSeconds} seconds`,
        delay.retryAfterSeconds,
      );
    }
  }

  /**
   * Records a failed attempt and throws what the caller answers: `refusal` (a message for a
   * 401, or the error itself), or 423 when this attempt locked the account for this address.
   */
  async fail(
    action: 'auth.login_failed' | 'auth.mfa_failed' | 'auth.password_change_failed',
    who: Attempted,
    client: ClientInfo,
    refusal: string | DomainError,
  ): Promise<never> {
    const account = accountOf(who);
    const from = client.ip ?? 'unknown';
    const auditAs = { label: who.label, ip: client.ip, userId: who.user?.id };
    if (client.ip) await this.limits.hit(addressKey(client.ip), ADDRESS_FAILURE_WINDOW_SECONDS);
    await this.audit.recordAnonymous(action, auditAs);
    const [here, everywhere] = await Promise.all([
      this.limits.hit(pairFailuresKey(account, from), FAILURE_COUNT_SECONDS),
      this.limits.hit(accountFailuresKey(account), FAILURE_COUNT_SECONDS),
    ]);
    const delay = accountDelaySeconds(everywhere.count, this.lockSeconds);
    if (delay > 0) await this.limits.hold(delayKey(account), delay);
    if (here.count % MAX_FAILED_ATTEMPTS === 0) {
      await this.limits.hold(pairLockKey(account, from), this.lockSeconds);
      await this.audit.recordAnonymous('auth.lockout', auditAs, {
        ...(who.user ? { targetType: 'user', targetId: who.user.id } : {}),
        details: { failedAttempts: here.count, lockedForSeconds: this.lockSeconds, scope: 'address' },
      });
      throw this.locked(this.lockSeconds);
    }
    throw typeof refusal === 'string' ? new UnauthorizedError(refusal) : refusal;
  }

  /** A complete sign-in starts the counts of the account, and of this address on it, again. */
  async succeeded(userId: string, client: ClientInfo): Promise<void> {
    const account = accountOf({ user: { id: userId, email: '' }, label: '' });
    await Promise.all([
      this.limits.clear(pairFailuresKey(account, client.ip ?? 'unknown')),
      this.limits.clear(accountFailuresKey(account)),
      this.limits.clear(delayKey(account)),
      this.users.clearFailures(userId),
    ]);
  }

  /** An admin ends every lock and delay of the account, from every address. */
  async unlock(actor: Actor, userId: string): Promise<void> {
    this.access.requireAdmin(actor);
    if (!(await this.users.get(userId))) throw new NotFoundError(`user ${userId} not found`);
    const account = accountOf({ user: { id: userId, email: '' }, label: '' });
    await Promise.all([this.limits.clearPrefix(`signin-account:${account}`), this.users.unlock(userId)]);
    await this.audit.record(actor, 'user.unlock', { targetType: 'user', targetId: userId });
  }

  /**
   * The admin's user list: every account, its `lockedUntil` the end of its latest lock, whether
   * from some address (held here, in Redis) or in the database. Here rather than in
   * UserAdminService, which the operator CLI runs without Redis.
   */
  async listAccounts(actor: Actor): Promise<UserAccount[]> {
    this.access.requireAdmin(actor);
    const [users, held] = await Promise.all([this.users.list(), this.limits.holding('signin-account:user-*/locked')]);
    const locked = new Map<string, Date>();
    for (const { name, until } of held) {
      const userId = /^signin-account:user-([^:/]+):/.exec(name)?.[1];
      if (userId && until > (locked.get(userId) ?? new Date(0))) locked.set(userId, until);
    }
    return users.map((user) => {
      const lock = locked.get(user.id);
      return lock && (!user.lockedUntil || lock > user.lockedUntil) ? { ...user, lockedUntil: lock } : user;
    });
  }

  private locked(seconds: number): LockedError {
    return new LockedError(`the account is locked after repeated failed sign-in attempts; try again in ${minutes(seconds)}`, seconds);
  }
}

/** A user by id; an e-mail without an account by the e-mail, in lower case. */
const accountOf = (who: Attempted) => (who.user ? `user-${who.user.id}` : `email-${who.label.toLowerCase()}`);
const addressKey = (ip: string) => `signin-failures:${ip}`;
// Every key of an account starts with `signin-account:<account>` (ids are of one length), so unlock finds them all.
const accountFailuresKey = (account: string) => `signin-account:${account}/failures`;
const delayKey = (account: string) => `signin-account:${account}/delay`;
const pairFailuresKey = (account: string, ip: string) => `signin-account:${account}:${ip}/failures`;
const pairLockKey = (account: string, ip: string) => `signin-account:${account}:${ip}/locked`;
