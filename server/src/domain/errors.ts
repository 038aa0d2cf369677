/**
 * Errors services throw for known conditions. The HTTP layer maps them to status codes with
 * one body shape `{message, errors?}`; the CLI prints the message and exits non-zero.
 */
/** One bad field of an input, as the API's `errors` list names it. */
export interface FieldError {
  field: string;
  message: string;
}

/** A failed parse's issues (zod's) as FieldErrors: `field` is the issue's path, dotted, after `prefix` when given. */
export function fieldErrors(issues: ReadonlyArray<{ path: readonly PropertyKey[]; message: string }>, prefix?: string): FieldError[] {
  return issues.map((issue) => ({ field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.'), message: issue.message }));
}

export class DomainError extends Error {
  constructor(
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The input is wrong; the message says what to change. */
export class InvalidInputError extends DomainError {}
/** Not found, or outside the caller's care teams (the two look the same on purpose). */
export class NotFoundError extends DomainError {}
/** The request clashes with existing state (a duplicate name, an already revoked device). */
export class ConflictError extends DomainError {}
/** No valid credentials: a missing, expired or revoked token, or a failed sign-in step. */
export class UnauthorizedError extends DomainError {}
/** Signed in, but the role does not allow this (e.g. admin routes for a clinician). */
export class ForbiddenError extends DomainError {}
/** Refused for now: trying again after `retryAfterSeconds`, when known, may succeed (HTTP: Retry-After). */
export class RetryLaterError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}
/** The account is locked after repeated failed attempts; says until when, never whether the password was right. */
export class LockedError extends RetryLaterError {}
/** Too many attempts from one address; retry after the given number of seconds. */
export class TooManyRequestsError extends RetryLaterError {}
