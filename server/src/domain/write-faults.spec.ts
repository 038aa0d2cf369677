import { describe, expect, it } from '@jest/globals';
import { classifyWriteError, type IsolationEvent, retryDelayMs, writeIsolating, type WriteFault } from './write-faults.js';

const pgError = (code: string, message = 'm') => Object.assign(new Error(message), { code });

describe('classifyWriteError', () => {
  it.each<[string, unknown, WriteFault]>([
    ['22P05 untranslatable character (U+0000 in jsonb)', pgError('22P05', 'unsupported Unicode escape sequence'), 'data'],
    ['22021 invalid byte sequence', pgError('22021', 'invalid byte sequence for encoding "UTF8": 0x00'), 'data'],
    ['22003 numeric value out of range', pgError('22003'), 'data'],
    ['23505 unique violation', pgError('23505'), 'data'],
    ['23503 foreign key violation', pgError('23503'), 'data'],
    ['54001 stack depth limit exceeded', pgError('54001'), 'data'],
    ['08006 connection failure', pgError('08006'), 'transient'],
    ['08P01 protocol violation', pgError('08P01'), 'transient'],
    ['57P01 admin shutdown (database restarting)', pgError('57P01', 'terminating connection due to administrator command'), 'transient'],
    ['57P02 crash shutdown', pgError('57P02'), 'transient'],
    ['57P03 cannot connect now (starting up)', pgError('57P03'), 'transient'],
    ['40001 serialization failure', pgError('40001'), 'transient'],
    ['40P01 deadlock detected', pgError('40P01'), 'transient'],
    ['53100 disk full', pgError('53100'), 'transient'],
    ['53300 too many connections', pgError('53300'), 'transient'],
    ['57014 statement timeout', pgError('57014'), 'transient'],
    ['ECONNREFUSED', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), 'transient'],
    ['ECONNRESET', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'transient'],
    ['pg: connection terminated', new Error('Connection terminated unexpectedly'), 'transient'],
    ['pg: pool timeout', new Error('timeout exceeded when trying to connect'), 'transient'],
    ['42P01 undefined table (a bug)', pgError('42P01'), 'unknown'],
    ['XX000 internal error', pgError('XX000'), 'unknown'],
    ['a TypeError', new TypeError('x is not a function'), 'unknown'],
    ['a thrown string', 'boom', 'unknown'],
  ])('%s → %s', (_name, error, fault) => {
    expect(classifyWriteError(error).fault).toBe(fault);
  });

  it('keeps the code and message', () => {
    expect(classifyWriteError(pgError('22P05', 'unsupported Unicode escape sequence'))).toEqual({
      fault: 'data',
      code: '22P05',
      message: 'unsupported Unicode escape sequence',
    });
  });
});

describe('retryDelayMs', () => {
  it.each([
    [0, 100],
    [1, 200],
    [5, 3200],
    [6, 5000],
    [1000, 5000],
  ])('attempt %i waits %i ms', (attempt, ms) => expect(retryDelayMs(attempt)).toBe(ms));
});

/** A fake database: `refuse(item)` names the error an item's write throws (undefined = fine). */
function fakeWriter(refuse: (item: string, call: number) => unknown, stopAfterSleeps = Infinity) {
  const calls: string[][] = [];
  const committed: string[][] = [];
  const poisoned: Array<[string, WriteFault, string | undefined]> = [];
  const sleeps: number[] = [];
  const events: Array<IsolationEvent<string>['kind']> = [];
  const io = {
    write: async (items: readonly string[]) => {
      calls.push([...items]);
      for (const item of items) {
        const error = refuse(item, calls.length);
        // pg rejects with plain objects carrying a SQLSTATE `code`, as these fakes do
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        if (error) throw error;
      }
      return items.length;
    },
    committed: (items: readonly string[], result: number) => {
      expect(result).toBe(items.length);
      committed.push([...items]);
    },
    poisoned: (item: string, error: { fault: WriteFault; code?: string }) => void poisoned.push([item, error.fault, error.code]),
    sleep: async (ms: number) => void sleeps.push(ms),
    stopped: () => sleeps.length >= stopAfterSleeps,
    report: (event: IsolationEvent<string>) => void events.push(event.kind),
  };
  return { io, calls, committed, poisoned, sleeps, events };
}

const items = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

describe('writeIsolating', () => {
  it('commits a batch that writes in one call', async () => {
    const w = fakeWriter(() => undefined);
    expect(await writeIsolating(items, w.io)).toEqual({ retries: 0, unwritten: [] });
    expect(w.committed).toEqual([items]);
    expect(w.events).toEqual([]);
  });

  it('splits a batch refused for its data until the one item at fault is found; the rest commits', async () => {
    const w = fakeWriter((item) => (item === 'f' ? pgError('22P05') : undefined));
    const outcome = await writeIsolating(items, w.io);
    expect(w.poisoned).toEqual([['f', 'data', '22P05']]);
    expect(w.committed.flat().sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'g', 'h']);
    expect(w.committed).toEqual([['a', 'b', 'c', 'd'], ['e'], ['g', 'h']]);
    expect(outcome).toEqual({ retries: 4, unwritten: [] }); // failed: the whole, e–h, e–f, f
    expect(w.sleeps).toEqual([]); // a data fault is not waited on
    expect(w.events).toEqual(['splitting', 'splitting', 'splitting', 'poisoned']);
  });

  it('isolates several items at fault', async () => {
    const w = fakeWriter((item) => (item === 'a' || item === 'h' ? pgError('23503') : undefined));
    await writeIsolating(items, w.io);
    expect(w.poisoned.map(([item]) => item)).toEqual(['a', 'h']);
    expect(w.committed.flat().sort()).toEqual(['b', 'c', 'd', 'e', 'f', 'g']);
  });

  it('retries a transient fault with backoff, without splitting, and commits the whole once it passes', async () => {
    const w = fakeWriter((_item, call) => (call <= 3 ? pgError('57P01') : undefined));
    expect(await writeIsolating(items, w.io)).toEqual({ retries: 3, unwritten: [] });
    expect(w.sleeps).toEqual([100, 200, 400]);
    expect(w.calls.every((call) => call.length === items.length)).toBe(true);
    expect(w.committed).toEqual([items]);
    expect(w.poisoned).toEqual([]);
    expect(w.events).toEqual(['retrying', 'recovered']); // once, not at every attempt
  });

  it('treats an unknown error that comes back on retry as a data fault', async () => {
    const w = fakeWriter((item) => (item === 'c' ? new TypeError('cannot serialise') : undefined));
    await writeIsolating(items, w.io);
    expect(w.poisoned).toEqual([['c', 'data', undefined]]);
    expect(w.committed.flat().sort()).toEqual(['a', 'b', 'd', 'e', 'f', 'g', 'h']);
  });

  it('retries an unknown error that does not come back', async () => {
    const w = fakeWriter((_item, call) => (call === 1 ? pgError('XX000') : undefined));
    await writeIsolating(items, w.io);
    expect(w.poisoned).toEqual([]);
    expect(w.committed).toEqual([items]);
  });

  it('returns what is left unwritten when the caller stops during a transient fault', async () => {
    const w = fakeWriter(() => new Error('Connection terminated unexpectedly'), 2);
    expect(await writeIsolating(items, w.io)).toEqual({ retries: 2, unwritten: items });
    expect(w.committed).toEqual([]);
  });

  it('after a split, a transient fault holds the remaining half and gives it back unwritten on stop', async () => {
    const w = fakeWriter((item, call) => (call === 1 ? pgError('22021') : item === 'e' ? pgError('08006') : undefined), 1);
    const outcome = await writeIsolating(items, w.io);
    expect(w.committed).toEqual([['a', 'b', 'c', 'd']]);
    expect(outcome.unwritten).toEqual(['e', 'f', 'g', 'h']);
    expect(w.poisoned).toEqual([]);
  });
});
