import { Injectable } from '@nestjs/common';
import type { Role } from '../domain/roles.js';
import { DatabaseRepository } from './database.repository.js';

/** A sign-in session: one family of refresh tokens, revoked as a whole. */
export interface Session {
  id: string;
  userId: string;
  expiresAt: Date;
}

/** The user behind a live session, as an access-token check needs it (role read fresh, not from the token). */
export interface SessionUser {
  sessionId: string;
  userId: string;
  email: string;
  role: Role;
  /** When the session ends (a refresh hands out a cookie that expires with it). */
  expiresAt: Date;
}

export type ConsumedToken = { state: 'fresh'; sessionId: string } | { state: 'reused'; sessionId: string } | { state: 'unknown' };

/** Sessions and their refresh tokens, stored as SHA-256 digests only. */
@Injectable()
export class SessionRepository {
  constructor(private readonly db: DatabaseRepository) {}

  async create(session: { userId: string; lifetimeSeconds: number; ip?: string; userAgent?: string }): Promise<Session> {
    const { rows } = await this.db.query<Session>(
      `INSERT INTO auth_sessions (user_id, expires_at, ip, user_agent) VALUES ($1, now() + make_interval(secs => $2), $3, $4)
       RETURNING id, user_id AS "userId", expires_at AS "expiresAt"`,
      [session.userId, session.lifetimeSeconds, session.ip ?? null, session.userAgent?.slice(0, 300) ?? null],
    );
    return rows[0];
  }

  /**
   * The session's user when the session is live and the user not disabled; given `userId`
   * (an access token's claim), only when the session is that user's.
   */
  async liveUser(sessionId: string, userId?: string): Promise<SessionUser | undefined> {
    const { rows } = await this.db.query<SessionUser>(
      `SELECT s.id AS "sessionId", u.id AS "userId", u.email, u.role, s.expires_at AS "expiresAt"
         FROM auth_sessions s JOIN users u ON u.id = s.user_id
        WHERE s.id = $1 AND ($2::uuid IS NULL OR s.user_id = $2) AND s.revoked_at IS NULL AND s.expires_at > now() AND u.disabled_at IS NULL`,
      [sessionId, userId ?? null],
    );
    return rows[0];
  }

  /** Which of these sessions are still live (not revoked, not expired, user not disabled). */
  async liveAmong(sessionIds: string[]): Promise<Set<string>> {
    if (sessionIds.length === 0) return new Set();
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT s.id FROM auth_sessions s JOIN users u ON u.id = s.user_id
        WHERE s.id = ANY($1::uuid[]) AND s.revoked_at IS NULL AND s.expires_at > now() AND u.disabled_at IS NULL`,
      [sessionIds],
    );
    return new Set(rows.map((row) => row.id));
  }

  async addRefreshToken(sessionId: string, tokenHash: string): Promise<void> {
    await this.db.query('INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)', [tokenHash, sessionId]);
  }

  /**
   * Marks a refresh token used, atomically: of two requests racing with one token, one gets
   * `fresh` and the other `reused`, as if the token had been stolen.
   */
  async consumeRefreshToken(tokenHash: string): Promise<ConsumedToken> {
    const used = await this.db.query<{ sessionId: string }>(
      `UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL RETURNING session_id AS "sessionId"`,
      [tokenHash],
    );
    if (used.rows[0]) return { state: 'fresh', sessionId: used.rows[0].sessionId };
    const known = await this.db.query<{ sessionId: string }>('SELECT session_id AS "sessionId" FROM refresh_tokens WHERE token_hash = $1', [tokenHash]);
    return known.rows[0] ? { state: 'reused', sessionId: known.rows[0].sessionId } : { state: 'unknown' };
  }

  /**
   * Ends the session a refresh token belongs to without using the token up (signing out with
   * the cookie alone, as an idle tab whose access token has expired does); the session's user
   * when it was live until now.
   */
  async revokeByRefreshToken(tokenHash: string, reason: string): Promise<{ sessionId: string; userId: string; email: string } | undefined> {
    const { rows } = await this.db.query<{ sessionId: string; userId: string; email: string }>(
      `UPDATE auth_sessions s SET revoked_at = now(), revoked_reason = $2
         FROM refresh_tokens t, users u
        WHERE t.token_hash = $1 AND s.id = t.session_id AND u.id = s.user_id AND s.revoked_at IS NULL AND s.expires_at > now()
        RETURNING s.id AS "sessionId", s.user_id AS "userId", u.email`,
      [tokenHash, reason],
    );
    return rows[0];
  }

  /** The session's user id when the session was live until now; undefined when it had ended already. */
  async revoke(sessionId: string, reason: string): Promise<string | undefined> {
    const { rows } = await this.db.query<{ userId: string }>(
      'UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING user_id AS "userId"',
      [sessionId, reason],
    );
    return rows[0]?.userId;
  }

  /**
   * Deletes the sessions (and their refresh tokens) that ended over 30 days ago: they serve
   * nothing, the audit log keeps the history. Returns how many. A revoked session's expiry is
   * at most a shift after its revocation, so expiry alone decides.
   */
  async pruneEnded(): Promise<number> {
    const { rowCount } = await this.db.query(`DELETE FROM auth_sessions WHERE expires_at < now() - INTERVAL '30 days'`);
    return rowCount ?? 0;
  }

  /** Ends every session of the user; returns how many were live. */
  async revokeAllForUser(userId: string, reason: string): Promise<number> {
    const { rowCount } = await this.db.query('UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $2 WHERE user_id = $1 AND revoked_at IS NULL', [
      userId,
      reason,
    ]);
    return rowCount ?? 0;
  }
}
