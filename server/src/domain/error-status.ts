import {
  ConflictError,
  DomainError,
  ForbiddenError,
  InvalidInputError,
  LockedError,
  NotFoundError,
  RetryLaterError,
  TooManyRequestsError,
  UnauthorizedError,
} from './errors.js';

type DomainErrorClass = new (message: string) => DomainError;

/**
 * The one map from domain errors to statuses, used by the HTTP error filter, the embedded
 * server's control endpoint and the CLI (which turns a status back into the class).
 * Subclasses come before their parents: the first match wins.
 */
export const ERROR_STATUS: ReadonlyArray<readonly [DomainErrorClass, number]> = [
  [InvalidInputError, 400],
  [UnauthorizedError, 401],
  [ForbiddenError, 403],
  [NotFoundError, 404],
  [ConflictError, 409],
  [LockedError, 423],
  [TooManyRequestsError, 429],
  [RetryLaterError, 503],
];

/** A domain error no row names is the caller's to mend: 400. */
export const UNLISTED_DOMAIN_ERROR_STATUS = 400;

/** The status for an error: its row in ERROR_STATUS, 400 for another DomainError, 500 for anything else. */
export function statusOf(error: unknown): number {
  if (!(error instanceof DomainError)) return 500;
  return ERROR_STATUS.find(([type]) => error instanceof type)?.[1] ?? UNLISTED_DOMAIN_ERROR_STATUS;
}

/** An error as the control endpoint answers it: its status and message. */
export function describeError(error: unknown): { status: number; message: string } {
  return { status: statusOf(error), message: error instanceof Error ? error.message : String(error) };
}

/** The error a status stands for (statusOf in reverse), or undefined for a status no domain error has (5xx). */
export function errorForStatus(status: number, message: string): DomainError | undefined {
  const type = ERROR_STATUS.find(([, code]) => code === status)?.[0];
  if (type) return new type(message);
  return status >= 400 && status < 500 ? new DomainError(message) : undefined;
}
