import { Inject, Injectable } from '@nestjs/common';
import { jwtVerify, SignJWT } from 'jose';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';

const ISSUER = 'vigil';
const AUDIENCE = 'vigil-api';
const ALGORITHM = 'HS256';
const REQUIRED_CLAIMS = ['exp', 'iat', 'sub', 'sid'];

export interface AccessClaims {
  userId: string;
  sessionId: string;
}

/**
 * Access tokens: JWTs signed with VIGIL_SECRET (HMAC-SHA256). They name the user and the
 * session only; role and revocation are read fresh on every check (see SessionService).
 */
@Injectable()
export class TokenRepository {
  private readonly key: Uint8Array;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    if (!config.auth.secret) throw new Error('VIGIL_SECRET: no signing key (the platform resolves one before the app starts)');
    this.key = new TextEncoder().encode(config.auth.secret);
  }

  sign(claims: AccessClaims, lifetimeSeconds: number): Promise<string> {
    return new SignJWT({ sid: claims.sessionId })
      .setProtectedHeader({ alg: ALGORITHM })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${lifetimeSeconds}s`)
      .sign(this.key);
  }

  /**
   * The claims of a valid, unexpired token; undefined for anything else. `exp` is required: a
   * token re-signed without it (with a leaked key) would otherwise never expire.
   */
  async verify(token: string): Promise<AccessClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, audience: AUDIENCE, algorithms: [ALGORITHM], requiredClaims: REQUIRED_CLAIMS });
      if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') return undefined;
      return { userId: payload.sub, sessionId: payload.sid };
    } catch {
      return undefined;
    }
  }
}
