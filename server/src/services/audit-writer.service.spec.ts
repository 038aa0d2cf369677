import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { AuditEntry, AuditRepository } from '../repositories/audit.repository.js';
import { FakeClock } from '../repositories/clock.fake.js';
import { AuditUnavailableError, AuditWriterService } from './audit-writer.service.js';

/** The writer over a fake audit log that refuses U+0000 as PostgreSQL does, or is down. */
function writerWithFakes({ down = false } = {}) {
  const clock = new FakeClock();
  const calls: AuditEntry[][] = [];
  const stored: AuditEntry[] = [];
  const audit = {
    append: async (entries: readonly AuditEntry[]) => {
      calls.push([...entries]);
      if (down) throw Object.assign(new Error('the database system is shutting down'), { code: '57P03' });
      if (entries.some((e) => JSON.stringify(e).includes('\\u0000'))) throw Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' });
      stored.push(...entries);
    },
  } as unknown as AuditRepository;
  return { writer: new AuditWriterService(audit, clock), calls, stored, clock };
}

const entry = (action: string, details: Record<string, unknown> = {}): AuditEntry => ({ actorId: null, actorLabel: 'cli', action, details });

describe('AuditWriterService', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(new Logger()));

  it('writes what arrives while a batch is written as the next batch, in order', async () => {
    const { writer, calls, stored } = writerWithFakes();
    await Promise.all([writer.append(entry('a')), writer.append(entry('b')), writer.append(entry('c')), writer.append(entry('d'))]);
    expect(calls.map((call) => call.map((e) => e.action))).toEqual([['a'], ['b', 'c', 'd']]);
    expect(stored.map((e) => e.action)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('stores an entry the database refuses with its text made storable, and the others as they are', async () => {
    const { writer, stored } = writerWithFakes();
    await writer.append(entry('first'));
    await Promise.all([writer.append(entry('b')), writer.append(entry('bad', { note: 'a\u0000b' })), writer.append(entry('d'))]);
    expect(stored.map((e) => e.action).sort()).toEqual(['b', 'bad', 'd', 'first']);
    expect(stored.find((e) => e.action === 'bad')?.details).toEqual({ note: 'a\ufffdb', cleaned: '22P05: unsupported Unicode escape sequence' });
    expect(stored.find((e) => e.action === 'b')?.details).toEqual({});
  });

  it('retries a transient fault for 10 s, then fails the callers with AuditUnavailableError', async () => {
    const { writer, calls, clock } = writerWithFakes({ down: true });
    const outcome = writer.append(entry('a')).then(
      () => 'stored',
      (error: unknown) => error,
    );
    let settled: unknown;
    void outcome.then((value) => (settled = value));
    await clock.advance(9_000);
    expect(settled).toBeUndefined();
    await clock.runUntil(() => settled !== undefined);
    expect(settled).toBeInstanceOf(AuditUnavailableError);
    expect(clock.now() - Date.UTC(2026, 0, 1)).toBeGreaterThanOrEqual(10_000);
    expect(calls.length).toBeGreaterThan(3);
  });
});
