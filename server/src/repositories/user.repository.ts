import { Injectable } from '@nestjs/common';
import type { Role } from '../domain/roles.js';
import { DatabaseRepository } from './database.repository.js';

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  createdAt: Date;
}

export interface NewUser {
  email: string;
  name: string;
  role: Role;
  passwordHash: string;
  /** Enrolled at once with this secret (operator CLI), or null to enrol at first sign-in. */
  totpSecret: string | null;
}

/** What sign-in needs; never leaves the auth services. */
export interface UserCredentials extends User {
  passwordHash: string;
  totpSecret: string | null;
  disabled: boolean;
  /** Seconds until the lock ends; 0 when not locked. */
  lockedForSeconds: number;
}

/** A user as the admin API lists it. */
export interface UserAccount extends User {
  disabled: boolean;
  enrolled: boolean;
  lockedUntil: Date | null;
  teamIds: string[];
}

export interface UserChanges {
  name?: string;
  role?: Role;
  disabled?: boolean;
}

const COLUMNS = 'id, email, name, role, created_at AS "createdAt"';

@Injectable()
export class UserRepository {
  constructor(private readonly db: DatabaseRepository) {}

  /** Creates a user, enrolled when a TOTP secret is given (the operator CLI hands it over at once). */
  async create(user: NewUser): Promise<User> {
    const { rows } = await this.db.query<User>(
      `INSERT INTO users (email, name, role, password_hash, totp_secret, totp_enrolled_at)
       VALUES ($1, $2, $3, $4, $5, CASE WHEN $5::text IS NULL THEN NULL ELSE now() END) RETURNING ${COLUMNS}`,
      [user.email, user.name, user.role, user.passwordHash, user.totpSecret],
    );
    return rows[0];
  }

  async findByEmail(email: string): Promise<User | undefined> {
    const { rows } = await this.db.query<User>(`SELECT ${COLUMNS} FROM users WHERE lower(email) = lower($1)`, [email]);
    return rows[0];
  }

  async count(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>('SELECT count(*) AS n FROM users');
    return rows[0].n;
  }

  async get(id: string): Promise<User | undefined> {
    const { rows } = await this.db.query<User>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
    return rows[0];
  }

  // ---- Sign-in (auth services only) ----

  async findCredentials(by: { email: string } | { id: string }): Promise<UserCredentials | undefined> {
    const [where, value] = 'email' in by ? ['lower(email) = lower($1)', by.email] : ['id = $1', by.id];
    const { rows } = await this.db.query<UserCredentials>(
      `SELECT ${COLUMNS}, password_hash AS "passwordHash",
              CASE WHEN totp_enrolled_at IS NULL THEN NULL ELSE totp_secret END AS "totpSecret",
              disabled_at IS NOT NULL AS disabled,
              GREATEST(0, ceil(extract(epoch FROM locked_until - now())))::int AS "lockedForSeconds"
         FROM users WHERE ${where}`,
      [value],
    );
    return rows[0];
  }

  /**
   * Counts a failed attempt in one statement, so concurrent attempts on any instance all
   * count; the one that reaches `maxFailures` locks the account and restarts the count.
   */
  async recordFailure(id: string, maxFailures: number, lockSeconds: number): Promise<{ justLocked: boolean; lockedForSeconds: number }> {
    const { rows } = await this.db.query<{ justLocked: boolean; lockedForSeconds: number }>(
      `UPDATE users SET
         failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,
         locked_until = CASE WHEN failed_logins + 1 >= $2 THEN now() + make_interval(secs => $3) ELSE locked_until END
       WHERE id = $1
       RETURNING failed_logins = 0 AS "justLocked", GREATEST(0, ceil(extract(epoch FROM locked_until - now())))::int AS "lockedForSeconds"`,
      [id, maxFailures, lockSeconds],
    );
    return rows[0];
  }

  async clearFailures(id: string): Promise<void> {
    await this.db.query('UPDATE users SET failed_logins = 0 WHERE id = $1 AND failed_logins <> 0', [id]);
  }

  /** Records the TOTP time step used; false when it (or a later one) was already used: a replay. */
  async claimTotpStep(id: string, step: number): Promise<boolean> {
    const { rowCount } = await this.db.query('UPDATE users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)', [
      id,
      step,
    ]);
    return rowCount === 1;
  }

  /** Completes enrolment with a secret the user has just proven with a code from time step `step`. */
  async enrolTotp(id: string, secret: string, step: number): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE users SET totp_secret = $2, totp_enrolled_at = now(), totp_last_step = $3, updated_at = now()
        WHERE id = $1 AND totp_enrolled_at IS NULL`,
      [id, secret, step],
    );
    return rowCount === 1;
  }

  // ---- Administration ----

  async list(): Promise<UserAccount[]> {
    const { rows } = await this.db.query<UserAccount>(
      `SELECT u.id, u.email, u.name, u.role, u.created_at AS "createdAt", u.disabled_at IS NOT NULL AS disabled,
              u.totp_enrolled_at IS NOT NULL AS enrolled,
              CASE WHEN u.locked_until > now() THEN u.locked_until END AS "lockedUntil",
              coalesce(array_agg(m.team_id::text ORDER BY m.team_id) FILTER (WHERE m.team_id IS NOT NULL), '{}') AS "teamIds"
         FROM users u LEFT JOIN team_members m ON m.user_id = u.id
        GROUP BY u.id ORDER BY lower(u.email)`,
    );
    return rows;
  }

  async update(id: string, changes: UserChanges): Promise<User | undefined> {
    const { rows } = await this.db.query<User>(
      `UPDATE users SET name = coalesce($2, name), role = coalesce($3, role),
              disabled_at = CASE WHEN $4::boolean IS NULL THEN disabled_at WHEN $4 THEN coalesce(disabled_at, now()) END,
              updated_at = now()
        WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, changes.name ?? null, changes.role ?? null, changes.disabled ?? null],
    );
    return rows[0];
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.db.query('UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1', [id, passwordHash]);
  }

  /** Forgets the TOTP secret: the user enrols again at the next sign-in. */
  async resetTotp(id: string): Promise<void> {
    await this.db.query('UPDATE users SET totp_secret = NULL, totp_enrolled_at = NULL, totp_last_step = NULL, updated_at = now() WHERE id = $1', [id]);
  }

  async unlock(id: string): Promise<void> {
    await this.db.query('UPDATE users SET locked_until = NULL, failed_logins = 0, updated_at = now() WHERE id = $1', [id]);
  }
}
