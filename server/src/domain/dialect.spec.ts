import { describe, expect, it } from '@jest/globals';
import { chooseDialect, type DialectChoice, timescaleProblem } from './dialect.js';

describe('chooseDialect', () => {
  it.each<[DialectChoice, boolean, string]>([
    ['auto', true, 'timescaledb'],
    ['auto', false, 'postgresql'],
    ['timescaledb', true, 'timescaledb'],
    ['postgresql', true, 'postgresql'],
    ['postgresql', false, 'postgresql'],
  ])('%s with TimescaleDB available=%p runs on %s', (choice, available, dialect) => {
    expect(chooseDialect(choice, { available, preloadLibraries: '' })).toEqual({ dialect });
  });

  it('refuses timescaledb when it is not installed, naming the variable', () => {
    const result = chooseDialect('timescaledb', { available: false, preloadLibraries: '' });
    expect(result).toEqual({ problem: expect.stringContaining('VIGIL_DIALECT=timescaledb') });
  });
});

describe('timescaleProblem', () => {
  const error = 'extension "timescaledb" must be preloaded';

  it.each(['', 'pg_stat_statements', 'pg_stat_statements, auto_explain', 'timescaledb_toolkit'])(
    'with shared_preload_libraries = %p says to preload it and restart, or to choose plain PostgreSQL',
    (preloadLibraries) => {
      const message = timescaleProblem(error, { available: true, preloadLibraries });
      expect(message).toContain('add timescaledb to shared_preload_libraries');
      expect(message).toContain('restart PostgreSQL');
      expect(message).toContain('VIGIL_DIALECT=postgresql');
      expect(message).not.toContain('\n');
    },
  );

  it.each(['timescaledb', 'pg_stat_statements,timescaledb', '"timescaledb"', '$libdir/timescaledb'])(
    'with shared_preload_libraries = %p passes on the database error and the way out',
    (preloadLibraries) => {
      const message = timescaleProblem('permission denied to create extension', { available: true, preloadLibraries });
      expect(message).toContain('permission denied to create extension');
      expect(message).not.toContain('shared_preload_libraries');
      expect(message).toContain('VIGIL_DIALECT=postgresql');
    },
  );
});
