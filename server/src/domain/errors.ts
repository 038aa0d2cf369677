/**
 * Errors services throw for known conditions. The HTTP layer maps them to status codes with
 * one body shape `{message, errors?}`; the CLI prints the message and exits non-zero.
 */
export class DomainError extends Error {
  constructor(
    message: string,
    readonly errors?: Array<{ field: string; message: string }>,
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
