import { Injectable } from '@nestjs/common';
import { DatabaseRepository } from './database.repository.js';

/** Single-use recovery codes, stored as SHA-256 digests (they carry 80 random bits each). */
@Injectable()
export class RecoveryCodeRepository {
  constructor(private readonly db: DatabaseRepository) {}

  /** Replaces the user's codes with a new set, in one transaction. */
  async replace(userId: string, codeHashes: string[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query('DELETE FROM recovery_codes WHERE user_id = $1', [userId]);
      await tx.query('INSERT INTO recovery_codes (user_id, code_hash) SELECT $1, unnest($2::text[])', [userId, codeHashes]);
    });
  }

  /** Uses a code up; false when it is not the user's or was used before. */
  async consume(userId: string, codeHash: string): Promise<boolean> {
    const { rowCount } = await this.db.query('UPDATE recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL', [
      userId,
      codeHash,
    ]);
    return rowCount === 1;
  }

  async remaining(userId: string): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>('SELECT count(*) AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL', [userId]);
    return rows[0].n;
  }

  async removeAll(userId: string): Promise<void> {
    await this.db.query('DELETE FROM recovery_codes WHERE user_id = $1', [userId]);
  }
}
