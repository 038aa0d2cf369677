import { describe, expect, it } from '@jest/globals';
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
import { errorForStatus, statusOf } from './error-status.js';

describe('statusOf', () => {
  it.each([
    [new InvalidInputError('x'), 400],
    [new UnauthorizedError('x'), 401],
    [new ForbiddenError('x'), 403],
    [new NotFoundError('x'), 404],
    [new ConflictError('x'), 409],
    [new LockedError('x', 60), 423],
    [new TooManyRequestsError('x', 60), 429],
    [new RetryLaterError('x'), 503],
    [new DomainError('x'), 400],
    [new Error('x'), 500],
    ['a string', 500],
  ])('%p is %i', (error, status) => {
    expect(statusOf(error)).toBe(status);
  });
});

describe('errorForStatus', () => {
  it.each([
    [400, InvalidInputError],
    [401, UnauthorizedError],
    [403, ForbiddenError],
    [404, NotFoundError],
    [409, ConflictError],
    [423, LockedError],
    [429, TooManyRequestsError],
    [503, RetryLaterError],
    [418, DomainError],
  ])('%i gives %p with the message', (status, type) => {
    const error = errorForStatus(status, 'the message')!;
    expect(error.constructor).toBe(type);
    expect(error.message).toBe('the message');
  });

  it('gives nothing for a server fault', () => {
    expect(errorForStatus(500, 'boom')).toBeUndefined();
  });
});
