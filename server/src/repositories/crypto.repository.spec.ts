import { describe, expect, it } from '@jest/globals';
import { CryptoRepository } from './crypto.repository.js';

/** Passwords and the hashes the real `mosquitto_passwd -b` of Mosquitto 2.0.11 wrote for them. */
const WRITTEN_BY_MOSQUITTO_PASSWD: Array<[string, string]> = [
  ['s3cret!', '$7$101$u2jd1qC1qj+WZWcT$1Opb20v7+whEDpmCwy3cslOSGrMLX32wB56eFMDaz+TUS3hRyljX6vjp29cY94i9Y188FkOm03lAlkrBYcsUDg=='],
  ['blåbærgrød', '$7$101$Nl7NyBT6MtgXDF1e$ZJ1eGTM03nXpWb88b3yxVtU1GIDEGTfzU8WnMwt6iAniydpSJwaK/Ii9B27mEcIfdmCv/YUbmWEOpBmjy2R/IQ=='],
];

describe('CryptoRepository.mosquittoHash', () => {
  const crypto = new CryptoRepository();

  it.each(WRITTEN_BY_MOSQUITTO_PASSWD)('gives what mosquitto_passwd wrote for %j, given its salt', (password, hash) => {
    const salt = Buffer.from(hash.split('$')[3], 'base64');
    expect(crypto.mosquittoHash(password, salt)).toBe(hash);
  });

  it('makes a fresh 12-byte salt each time, 101 iterations, a 64-byte key, in standard base64', () => {
    const [a, b] = [crypto.mosquittoHash('secret'), crypto.mosquittoHash('secret')];
    expect(a).not.toBe(b);
    const [, type, iterations, salt, key] = a.split('$');
    expect([type, iterations]).toEqual(['7', '101']);
    expect(Buffer.from(salt, 'base64')).toHaveLength(12);
    expect(Buffer.from(key, 'base64')).toHaveLength(64);
    expect(salt + key).toMatch(/^[A-Za-z0-9+/=]+$/);
  });
});

describe('CryptoRepository.safeEqual', () => {
  const crypto = new CryptoRepository();

  it.each([
    ['token', 'token', true],
    ['token', 'tokeN', false],
    ['token', 'token ', false],
    ['', '', true],
    ['blåbær', 'blåbær', true],
    ['blåbær', 'blabær', false],
  ])('%j and %j: %s', (a, b, equal) => {
    expect(crypto.safeEqual(a, b)).toBe(equal);
  });
});
