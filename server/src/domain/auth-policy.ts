/**
 * Sign-in policy in numbers (docs/security.md explains each). The lockout period is
 * configurable (VIGIL_LOCKOUT_SECONDS); these are not, on purpose.
 */

/**
 * Failed password or code attempts on one account from one client address that lock the
 * account for that address only (VIGIL_LOCKOUT_SECONDS), and again at each further multiple.
 * A stranger's failures never lock the owner out of an address that has not failed.
 */
export const MAX_FAILED_ATTEMPTS = 5;
/** How long failure counts (per account, per account and address) are kept without a complete sign-in. */
export const FAILURE_COUNT_SECONDS = 24 * 60 * 60;

/**
 * Past MAX_FAILED_ATTEMPTS failures on an account from all addresses together (a guesser with
 * many addresses), every address that has itself failed on the account waits this long after
 * the account's latest failure: 2, 4, 8 … seconds, at most `capSeconds`. Addresses without a
 * failure on the account are not delayed, so the owner still signs in.
 */
export function accountDelaySeconds(accountFailures: number, capSeconds: number): number {
  if (accountFailures <= MAX_FAILED_ATTEMPTS) return 0;
  return Math.min(2 ** Math.min(accountFailures - MAX_FAILED_ATTEMPTS, 30), capSeconds);
}

/** Failed attempts from one client address, on any accounts, within the window below, before it is refused. */
export const ADDRESS_FAILURE_LIMIT = 20;
export const ADDRESS_FAILURE_WINDOW_SECONDS = 15 * 60;
/** Refused requests audited one by one per user and window (RefusalAuditService); then one entry says the rest were left out. */
export const REFUSAL_AUDIT_LIMIT = 20;
export const REFUSAL_AUDIT_WINDOW_SECONDS = 60;
/** Between the password step and the code step. */
export const MFA_CHALLENGE_SECONDS = 5 * 60;
/** Access tokens are short-lived: revocation is also checked on every request, this bounds a leaked one. */
export const ACCESS_TOKEN_SECONDS = 15 * 60;
/** A session (its refresh tokens) lasts at most one long shift from sign-in; then the user signs in again. */
export const SESSION_SECONDS = 12 * 60 * 60;
export const RECOVERY_CODE_COUNT = 10;

/** A recovery code as typed: any case, with or without dashes or spaces. */
export function normaliseRecoveryCode(input: string): string {
  const compact = input.toLowerCase().replace(/[\s-]/g, '');
  return compact.match(/.{1,4}/g)?.join('-') ?? '';
}

/** Six digits: a TOTP code; anything else is tried as a recovery code. */
export const isTotpCode = (code: string): boolean => /^\d{6}$/.test(code);

export const minutes = (seconds: number): string => {
  const m = Math.max(1, Math.ceil(seconds / 60));
  return m === 1 ? '1 minute' : `${m} minutes`;
};
