import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

/**
 * STYLE.md: only repositories touch the outside world. A service may hold DatabaseRepository
 * for transactions and locks, but the SQL it runs belongs to a repository method (catalogued,
 * its text in server/src/queries), so no service sends a query of its own.
 */
const DIR = path.dirname(fileURLToPath(import.meta.url));
const SERVICES = fs.readdirSync(DIR).filter((name) => name.endsWith('.ts') && !name.endsWith('.spec.ts'));
// A statement in a string literal: upper-case keywords, as the repositories write them.
const SQL = /['"`]\s*(SELECT|INSERT INTO|UPDATE\s+\w+\s+SET|DELETE FROM|WITH\s+\w+\s+AS)\b/;
const QUERY = /\b(db|database|client|pool|tx)\s*\.\s*query\s*[<(]/;

describe('services send no SQL of their own', () => {
  it.each(SERVICES)('%s', (name) => {
    const lines = fs.readFileSync(path.join(DIR, name), 'utf8').split('\n');
    const offending = lines.map((line, i) => `${i + 1}: ${line.trim()}`).filter((line) => SQL.test(line) || QUERY.test(line));
    expect(offending).toEqual([]);
  });
});
