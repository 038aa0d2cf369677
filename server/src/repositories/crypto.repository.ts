import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import { generateSecret } from 'otplib';

// argon2id with the OWASP-recommended minimum (19 MiB, 2 passes, 1 lane).
const ARGON2 = { algorithm: 2 /* Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Randomness and hashing, behind one class so services stay pure and testable. */
@Injectable()
export class CryptoRepository {
  hashPassword(password: string): Promise<string> {
    return argon2Hash(password, ARGON2);
  }

  verifyPassword(hash: string, password: string): Promise<boolean> {
    return argon2Verify(hash, password).catch(() => false);
  }

  /** A 256-bit random secret as base64url (device credentials, tokens). */
  randomSecret(bytes = 32): string {
    return randomBytes(bytes).toString('base64url');
  }

  /**
   * Device secrets are 256-bit random values, so a fast SHA-256 digest is as safe as a slow
   * password hash for them and keeps broker reconnect storms cheap.
   */
  hashSecret(secret: string): string {
    return createHash('sha256').update(secret).digest('hex');
  }

  secretMatches(hash: string, secret: string): boolean {
    const a = Buffer.from(hash, 'hex');
    const b = createHash('sha256').update(secret).digest();
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** A base32 TOTP secret (RFC 6238, 160 bits). */
  totpSecret(): string {
    return generateSecret();
  }
}
