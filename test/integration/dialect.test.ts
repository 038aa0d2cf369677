import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DatabaseRepository } from '../../server/src/repositories/database.repository.js';
import { createEmbeddedDatabase } from '../support/embedded.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { runCli } from '../support/process.js';

describe('VIGIL_DIALECT: the operator chooses TimescaleDB or plain PostgreSQL', () => {
  let plain: TestDatabase;

  beforeAll(async () => {
    plain = await createTestDatabase();
  });
  afterAll(async () => {
    await plain?.drop();
  });

  it('refuses timescaledb on a PostgreSQL without it, in one line that names the variable', async () => {
    const result = await runCli(['status'], { DATABASE_URL: plain.url, VIGIL_DIALECT: 'timescaledb' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'vigil: DATABASE_URL: VIGIL_DIALECT=timescaledb, but the TimescaleDB extension is not installed on this PostgreSQL; install it, or unset VIGIL_DIALECT\n',
    );
  });

  it('runs on plain PostgreSQL when asked, even where TimescaleDB is installed (PGlite has it)', async () => {
    const embedded = await createEmbeddedDatabase();
    const db = DatabaseRepository.connect(embedded.url, { max: 1 });
    try {
      expect((await db.detectDialect('postgresql')).dialect).toBe('postgresql');
      expect(db.dialect).toBe('postgresql');
      expect((await db.detectDialect('auto')).dialect).toBe('timescaledb');
    } finally {
      await db.close();
      await embedded.stop();
    }
  });
});
