import { Injectable } from '@nestjs/common';
import type { Actor } from '../domain/actor.js';
import { ACCESS_TOKEN_SECONDS, SESSION_SECONDS } from '../domain/auth-policy.js';
import { UnauthorizedError } from '../domain/errors.js';
import { CryptoRepository } from '../repositories/crypto.repository.js';
import { SessionRepository } from '../repositories/session.repository.js';
import { TokenRepository } from '../repositories/token.repository.js';
import { AuditService } from './audit.service.js';
import type { ClientInfo } from './lockout.service.js';

/** What a completed sign-in or refresh hands out; the HTTP layer moves `refresh` into the httpOnly cookie. */
export interface IssuedSession {
  accessToken: string;
  /** Seconds the access token is valid. */
  expiresIn: number;
  refresh: { token: string; expiresAt: Date };
}

const SESSION_ENDED = 'the session has ended; sign in again';

const ignoreUnauthorized = (error: unknown): undefined => {
  if (error instanceof UnauthorizedError) return undefined;
  throw error;
};

/**
 * Sessions: a short-lived access token (JWT) plus a rotating refresh token. Each refresh
 * token works once; presenting a used one again means it was copied, and ends the whole
 * session (every token of its family) for whoever holds it.
 *
 * `verifyAccessToken` is THE check for a bearer token: the REST guard uses it, and so must
 * the socket.io handshake (see middleware/socket-auth.ts).
 */
@Injectable()
export class SessionService {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly tokens: TokenRepository,
    private readonly crypto: CryptoRepository,
    private readonly audit: AuditService,
  ) {}

  async start(userId: string, client: ClientInfo): Promise<IssuedSession> {
    const session = await this.sessions.create({ userId, lifetimeSeconds: SESSION_SECONDS, ...client });
    return this.issue(session.id, userId, session.expiresAt);
  }

  /** Rotates: the presented refresh token is used up and a new one comes with the new access token. */
  async refresh(refreshToken: string | undefined, client: ClientInfo): Promise<IssuedSession> {
    if (!refreshToken) throw new UnauthorizedError('no session cookie; sign in');
    const consumed = await this.sessions.consumeRefreshToken(this.crypto.hashSecret(refreshToken));
    if (consumed.state === 'unknown') throw new UnauthorizedError(SESSION_ENDED);
    if (consumed.state === 'reused') {
      const userId = await this.sessions.revoke(consumed.sessionId, 'refresh token reused');
      if (userId) {
        await this.audit.recordAnonymous(
          'auth.refresh_reuse',
          { label: 'refresh token', ip: client.ip, userId },
          { targetType: 'session', targetId: consumed.sessionId },
        );
      }
      throw new UnauthorizedError(SESSION_ENDED);
    }
    const session = await this.sessions.liveUser(consumed.sessionId);
    if (!session) throw new UnauthorizedError(SESSION_ENDED);
    return this.issue(session.sessionId, session.userId, session.expiresAt);
  }

  /**
   * Ends the session of the refresh cookie and of the access token, whichever came. Either may
   * be missing or stale: an idle tab's access token has expired, and signing out must still
   * end its session (the cookie names it) rather than leave it live on a shared ward PC.
   */
  async logout(tokens: { refreshToken?: string; accessToken?: string }, client: ClientInfo): Promise<void> {
    const actor = tokens.accessToken ? await this.verifyAccessToken(tokens.accessToken, client).catch(ignoreUnauthorized) : undefined;
    const ended = tokens.refreshToken ? await this.sessions.revokeByRefreshToken(this.crypto.hashSecret(tokens.refreshToken), 'signed out') : undefined;
    if (ended) {
      await this.audit.recordAnonymous(
        'auth.logout',
        { label: ended.email, ip: client.ip, userId: ended.userId },
        { targetType: 'session', targetId: ended.sessionId },
      );
    }
    if (actor?.sessionId && actor.sessionId !== ended?.sessionId && (await this.sessions.revoke(actor.sessionId, 'signed out'))) {
      await this.audit.record(actor, 'auth.logout', { targetType: 'session', targetId: actor.sessionId });
    }
  }

  /**
   * Ends every session of a user; returns how many were live. Used by a password change (an
   * admin's disabling and two-factor reset revoke through SessionRepository directly).
   */
  async endAll(userId: string, reason: string): Promise<number> {
    return this.sessions.revokeAllForUser(userId, reason);
  }

  /**
   * The actor behind a bearer access token: the signature and expiry are checked, then that
   * the session is still live and the user not disabled (so logout and revocation take effect
   * at once), and the role is read fresh. Throws UnauthorizedError otherwise.
   */
  async verifyAccessToken(token: string | undefined, client: ClientInfo = {}): Promise<Actor> {
    const claims = token ? await this.tokens.verify(token) : undefined;
    if (!claims) throw new UnauthorizedError('sign in first: a valid access token is required');
    const user = await this.sessions.liveUser(claims.sessionId, claims.userId);
    if (!user) throw new UnauthorizedError(SESSION_ENDED);
    return { userId: user.userId, label: user.email, role: user.role, ip: client.ip, sessionId: user.sessionId };
  }

  private async issue(sessionId: string, userId: string, expiresAt: Date): Promise<IssuedSession> {
    const refreshToken = this.crypto.randomSecret();
    await this.sessions.addRefreshToken(sessionId, this.crypto.hashSecret(refreshToken));
    const accessToken = await this.tokens.sign({ userId, sessionId }, ACCESS_TOKEN_SECONDS);
    return { accessToken, expiresIn: ACCESS_TOKEN_SECONDS, refresh: { token: refreshToken, expiresAt } };
  }
}
