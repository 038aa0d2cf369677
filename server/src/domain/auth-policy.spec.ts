import { describe, expect, it } from '@jest/globals';
import { isTotpCode, minutes, normaliseRecoveryCode } from './auth-policy.js';

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
