import { Injectable } from '@nestjs/common';
import { DatabaseRepository } from './database.repository.js';

export type Role = 'admin' | 'clinician' | 'care_staff';
export const ROLES: readonly Role[] = ['admin', 'clinician', 'care_staff'];

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
  totpSecret: string;
}

const COLUMNS = 'id, email, name, role, created_at AS "createdAt"';

@Injectable()
export class UserRepository {
  constructor(private readonly db: DatabaseRepository) {}

  /** Creates an enrolled user: the TOTP secret is handed to the user at once (operator CLI). */
  async create(user: NewUser): Promise<User> {
    const { rows } = await this.db.query<User>(
      `INSERT INTO users (email, name, role, password_hash, totp_secret, totp_enrolled_at)
       VALUES ($1, $2, $3, $4, $5, now()) RETURNING ${COLUMNS}`,
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
}
