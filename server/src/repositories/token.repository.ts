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

/** What an acknowledge token carries: one alert, one user, the push subscription it was sent to. */
export interface AcknowledgeClaims {
  userId: string;
  alertId: string;
  subscriptionId: string;
}

// Its own audience: an acknowledge token is never an access token, and an access token never one of these.
const ACKNOWLEDGE_AUDIENCE = 'vigil-alert-acknowledge';
const ACKNOWLEDGE_CLAIMS = ['exp', 'iat', 'sub', 'alert', 'psub'];

/**
 * Access tokens: JWTs signed with VIGIL_SECRET (HMAC-SHA256). They name the user and the
 * session only; role and revocation are read fresh on every check (see SessionService).
 * Acknowledge tokens (in Web Push payloads, see PushService) are JWTs of another audience that
 * name one alert, one user and one push subscription, and do nothing else.
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

  signAcknowledge(claims: AcknowledgeClaims, lifetimeSeconds: number): Promise<string> {
    return new SignJWT({ alert: claims.alertId, psub: claims.subscriptionId })
      .setProtectedHeader({ alg: ALGORITHM })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setAudience(ACKNOWLEDGE_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${lifetimeSeconds}s`)
      .sign(this.key);
  }

  /** The claims of a valid, unexpired acknowledge token; undefined for anything else (an access token included). */
  async verifyAcknowledge(token: string): Promise<AcknowledgeClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ISSUER,
        audience: ACKNOWLEDGE_AUDIENCE,
        algorithms: [ALGORITHM],
        requiredClaims: ACKNOWLEDGE_CLAIMS,
      });
      const { sub, alert, psub } = payload;
      if (typeof sub !== 'string' || typeof alert !== 'string' || typeof psub !== 'string') return undefined;
      return { userId: sub, alertId: alert, subscriptionId: psub };
    } catch {
      return undefined;
    }
  }
}
