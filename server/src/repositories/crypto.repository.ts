import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import { generateSecret, generateURI, verify as verifyOtp } from 'otplib';
import QRCode from 'qrcode';

// argon2id with the OWASP-recommended minimum (19 MiB, 2 passes, 1 lane).
const ARGON2 = { algorithm: 2 /* Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

// One step either side (RFC 6238 §5.2 recommends at most one): tolerates a phone clock a little
// off and a code typed as it rolls over.
const TOTP_TOLERANCE_SECONDS = 30;
const TOTP_ISSUER = 'Vigil';
// 16 characters of a 32-letter alphabet without i, l and o (nothing to confuse with 1 and 0):
// 80 bits each, so a fast digest is safe to store and look up, and they read out over the phone.
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz123456789';
const RECOVERY_LENGTH = 16;
// Mosquitto 2's `$7$` password hash (mosquitto_passwd; parsed in its security_default.c, which
// accepts only a 12-byte salt and a 64-byte key): PBKDF2-HMAC-SHA512, standard base64.
// 101 iterations is mosquitto_passwd's default. Device secrets are 256-bit random values, so
// more iterations would add nothing against guessing, while the single-threaded broker pays
// them at every connect.
const MOSQUITTO_HASH = { saltBytes: 12, keyBytes: 64, iterations: 101 } as const;

/** Randomness and hashing, behind one class so services stay pure and testable. */
@Injectable()
export class CryptoRepository {
  private dummyHash?: Promise<string>;

  hashPassword(password: string): Promise<string> {
    return argon2Hash(password, ARGON2);
  }

  verifyPassword(hash: string, password: string): Promise<boolean> {
    return argon2Verify(hash, password).catch(() => false);
  }

  /** Spends the time a password check takes, so an unknown e-mail answers as slowly as a wrong password. */
  async spendPasswordCheck(password: string): Promise<void> {
    this.dummyHash ??= argon2Hash(randomBytes(16).toString('hex'), ARGON2);
    await this.verifyPassword(await this.dummyHash, password);
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

  /** Whether two strings are equal, in a time that does not tell how much of them matched (tokens, passwords). */
  /** HMAC-SHA256 of `data` under `key`, lower-case hex (webhook signatures). */
  hmacSha256Hex(key: string, data: string): string {
    return createHmac('sha256', key).update(data).digest('hex');
  }

  safeEqual(a: string, b: string): boolean {
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return x.length === y.length && timingSafeEqual(x, y);
  }

  secretMatches(hash: string, secret: string): boolean {
    const a = Buffer.from(hash, 'hex');
    const b = createHash('sha256').update(secret).digest();
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /**
   * The `$7$<iterations>$<salt>$<key>` hash Mosquitto's password file holds for `password`.
   * `salt` is given only to reproduce a known hash.
   */
  mosquittoHash(password: string, salt = randomBytes(MOSQUITTO_HASH.saltBytes)): string {
    const { iterations, keyBytes } = MOSQUITTO_HASH;
    const key = pbkdf2Sync(password, salt, iterations, keyBytes, 'sha512');
    return `$7$${iterations}$${salt.toString('base64')}$${key.toString('base64')}`;
  }

  /** A base32 TOTP secret (RFC 6238, 160 bits). */
  totpSecret(): string {
    return generateSecret();
  }

  /** Checks a 6-digit code at the current time step ± 1; `step` is the matched RFC 6238 time step. */
  async verifyTotp(secret: string, code: string): Promise<{ valid: false } | { valid: true; step: number }> {
    const result = await verifyOtp({ secret, token: code, epochTolerance: TOTP_TOLERANCE_SECONDS }).catch(() => ({ valid: false as const }));
    return result.valid && 'timeStep' in result ? { valid: true, step: result.timeStep } : { valid: false };
  }

  /** The otpauth:// URI an authenticator app takes, and the same as a QR code (PNG data URL). */
  async totpProvisioning(account: string, secret: string): Promise<{ uri: string; qrCode: string }> {
    const uri = generateURI({ issuer: TOTP_ISSUER, label: account, secret });
    return { uri, qrCode: await this.qrCode(uri) };
  }

  /** Any short text as a QR code (PNG data URL): the enrolment's URI, a device's credentials for its installer. */
  qrCode(text: string): Promise<string> {
    return QRCode.toDataURL(text, { errorCorrectionLevel: 'M', margin: 2, width: 240 });
  }

  /** `count` random recovery codes shown as xxxx-xxxx-xxxx-xxxx. */
  recoveryCodes(count: number): string[] {
    return Array.from({ length: count }, () => {
      const bytes = randomBytes(RECOVERY_LENGTH);
      const chars = [...bytes].map((byte) => RECOVERY_ALPHABET[byte & 31]).join('');
      return chars.match(/.{4}/g)!.join('-');
    });
  }
}
