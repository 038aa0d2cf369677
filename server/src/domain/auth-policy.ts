/**
 * Sign-in policy in numbers (docs/security.md explains each). The lockout period is
 * configurable (VIGIL_LOCKOUT_SECONDS); these are not, on purpose.
 */

/** Failed password or code attempts on one account, counted until a complete sign-in, that lock it. */
export const MAX_FAILED_ATTEMPTS = 5;
/** An e-mail without an account is locked alike, but its count is kept only this long (it is not anyone's account). */
export const UNKNOWN_EMAIL_FAILURE_WINDOW_SECONDS = 24 * 60 * 60;
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
