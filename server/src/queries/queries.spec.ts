import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { ALERT_REPOSITORIES, CORE_REPOSITORIES, INGEST_REPOSITORIES, LIVE_REPOSITORIES, SECURITY_REPOSITORIES } from '../repositories/index.js';
import { DatabaseRepository } from '../repositories/database.repository.js';
import { ReadingRepository } from '../repositories/reading.repository.js';
import { CATALOGUE } from './catalogue.js';
import { committedSqlFiles, generateSqlFiles } from './generate.js';

describe('server/src/queries (the committed SQL of every repository)', () => {
  it('matches the SQL the repositories send (run `npm run sql` and commit when this fails)', async () => {
    const generated = await generateSqlFiles();
    const committed = committedSqlFiles();
    expect([...committed.keys()].sort()).toEqual([...generated.keys()].sort());
    for (const [name, text] of generated) expect({ name, text: committed.get(name) }).toEqual({ name, text });
  });

  it('catalogues every repository that takes the database', () => {
    const all = [...CORE_REPOSITORIES, ...ALERT_REPOSITORIES, ...INGEST_REPOSITORIES, ...SECURITY_REPOSITORIES, ...LIVE_REPOSITORIES];
    const takesDatabase = all.filter((repository) => ((Reflect.getMetadata('design:paramtypes', repository) ?? []) as unknown[]).includes(DatabaseRepository));
    expect(takesDatabase.length).toBeGreaterThan(20);
    expect(CATALOGUE.map((c) => c.repository.name).sort()).toEqual(takesDatabase.map((r) => r.name).sort());
  });

  it('records per dialect what differs, and every statement of a method in order', async () => {
    const files = await generateSqlFiles(CATALOGUE.filter((c) => c.repository === ReadingRepository));
    // insertNew keeps the rollups itself on plain PostgreSQL only (continuous aggregates on TimescaleDB).
    expect(files.get('ReadingRepository.insertNew.postgresql.sql')).toContain('INSERT INTO readings_1m_rollup');
    expect(files.get('ReadingRepository.insertNew.timescaledb.sql')).not.toContain('rollup');
    expect(files.has('ReadingRepository.raw.sql')).toBe(true);
    // A duplicate in the batch: the transaction holding the COPY is rolled back and the batch written again with ON CONFLICT in a new one.
    const duplicate = files.get('ReadingRepository.insertNewByCopy.duplicate.timescaledb.sql')!;
    const order = ['BEGIN;', 'COPY readings', 'ROLLBACK;', 'BEGIN;\n\nINSERT INTO readings', 'ON CONFLICT', 'COMMIT;'].map((s) => duplicate.indexOf(s));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });
});
