import { describe, expect, it } from '@jest/globals';
import { accountDelaySeconds, isTotpCode, minutes, normaliseRecoveryCode } from './auth-policy.js';

describe('auth policy helpers', () => {
  it.each([
    ['abcd-efgh-jkmn-pqrs', 'abcd-efgh-jkmn-pqrs'],
    ['ABCD EFGH JKMN PQRS', 'abcd-efgh-jkmn-pqrs'],
    ['abcdefghjkmnpqrs', 'abcd-efgh-jkmn-pqrs'],
    [' ab-cd-ef ', 'abcd-ef'],
    ['', ''],
  ])('normalises the recovery code %j to %j', (input, expected) => {
    expect(normaliseRecoveryCode(input)).toBe(expected);
  });

  it.each([
    ['123456', true],
    ['12345', false],
    ['1234567', false],
    ['12345a', false],
    ['abcd-efgh-jkmn-pqrs', false],
  ])('tells a TOTP code %j: %s', (code, expected) => {
    expect(isTotpCode(code)).toBe(expected);
  });

  it.each([
    [1, '1 minute'],
    [60, '1 minute'],
    [61, '2 minutes'],
    [900, '15 minutes'],
  ])('says %i seconds as %j', (seconds, expected) => {
    expect(minutes(seconds)).toBe(expected);
  });
});

describe('accountDelaySeconds', () => {
  it.each([
    [0, 0],
    [4, 0],
    [5, 0], // up to the per-address limit, no delay
    [6, 2],
    [7, 4],
    [10, 32],
    [14, 512],
    [15, 900], // 1024 s, capped at the lockout period
    [1000, 900],
  ])('after %i failures on the account from all addresses: %i seconds', (failures, seconds) => {
    expect(accountDelaySeconds(failures, 900)).toBe(seconds);
  });
});
