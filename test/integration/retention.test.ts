import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../server/src/config/app.config.js';
import { ClockRepository } from '../../server/src/repositories/clock.repository.js';
import { SessionRepository } from '../../server/src/repositories/session.repository.js';
import { StorageRepository } from '../../server/src/repositories/storage.repository.js';
import { RetentionService } from '../../server/src/services/retention.service.js';
import { type MigratedDatabase, migratedDatabase } from '../support/storage.js';

describe.each(['postgresql', 'timescaledb'] as const)('the retention sweep on %s', (dialect) => {
  let m: MigratedDatabase;
  beforeAll(async () => {
    m = await migratedDatabase(dialect);
  }, 60_000);
  afterAll(() => m?.close());

  it('prunes sign-in sessions (and their refresh tokens) that ended over 30 days ago, and only those', async () => {
    const { rows: users } = await m.db.query<{ id: string }>(
      `INSERT INTO users (email, name, role, password_hash) VALUES ('sweep@test.example', 'S', 'clinician', 'h') RETURNING id`,
    );
    const session = async (label: string, expiresIn: string, revoked = false) => {
      const { rows } = await m.db.query<{ id: string }>(
        `INSERT INTO auth_sessions (user_id, expires_at, revoked_at, user_agent) VALUES ($1, now() + $2::interval, $3, $4) RETURNING id`,
        [users[0].id, expiresIn, revoked ? new Date() : null, label],
      );
      await m.db.query('INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)', [`digest-${label}`, rows[0].id]);
    };
    await session('ended long ago', '-31 days');
    await session('revoked long ago', '-40 days', true);
    await session('ended lately', '-29 days');
    await session('live', '12 hours');

    const retention = new RetentionService(loadConfig({}), m.db, new StorageRepository(m.db), new SessionRepository(m.db), new ClockRepository());
    try {
      await retention.apply();
    } finally {
      retention.onApplicationShutdown();
    }
    const { rows: left } = await m.db.query<{ label: string }>('SELECT user_agent AS label FROM auth_sessions ORDER BY expires_at');
    expect(left.map((row) => row.label)).toEqual(['ended lately', 'live']);
    const { rows: tokens } = await m.db.query<{ token_hash: string }>('SELECT token_hash FROM refresh_tokens ORDER BY token_hash');
    expect(tokens.map((row) => row.token_hash)).toEqual(['digest-ended lately', 'digest-live']);
  });
});
