/**
 * Why a batched database write failed, and the one way every batched writer (ingest, audit,
 * alerts, deliveries) handles it, so that no single item can block the others: a fault in the
 * data splits the batch until the item(s) at fault are found, a transient fault is retried
 * with backoff while the items wait.
 *
 * API
 * - `classifyWriteError(error)` → `{fault, code?, message}`: `fault` is
 *   - `data`: the database refuses these rows and will refuse them again. SQLSTATE class 22
 *     (data exception: invalid text, U+0000 in jsonb, out-of-range numbers), 23 (integrity
 *     constraint) and 54 (program limit exceeded: e.g. a value nested or sized past a limit);
 *   - `transient`: the database could not take the write now. Class 08 (connection exception),
 *     57P01/57P02/57P03 (shut down, crashed, starting), 40001/40P01 (serialization failure,
 *     deadlock), 53 (insufficient resources: disk full, out of memory, too many connections),
 *     55P03 (lock not available), 57014 (statement cancelled or timed out), 58030 (I/O error),
 *     and a lost or refused connection (Node's ECONNRESET, ECONNREFUSED, …; pg's "Connection
 *     terminated");
 *   - `unknown`: anything else. Retried once; when the same error comes back it is treated as
 *     `data` ("an error that recurs on retry is in the data").
 *   Codes: PostgreSQL documentation, Appendix A "PostgreSQL Error Codes".
 * - `writeIsolating(items, io)`: writes `items` through `io.write` (one transaction per call)
 *   and returns `{retries, unwritten}`:
 *   - a commit calls `io.committed(part, result)` for the items it held (in order);
 *   - a transient fault retries the same part after `io.sleep(retryDelayMs(n))`, for as long
 *     as it lasts, until `io.stopped()` says to give up: what is left is returned as `unwritten`;
 *   - a data fault splits the part in halves and writes each on its own; a single item that
 *     still fails for a data fault goes to `io.poisoned(item, fault)` and is not written;
 *   - `io.report(event)` (optional) hears each first failure of a part (`retrying` with the
 *     fault, or `splitting`), each isolated item (`poisoned`) and a part that commits after
 *     failures (`recovered`), for logs that say so once, not at every attempt.
 *   A retried part is passed to `io.write` as the same array, so a caller may cache what it
 *   derives from a part (e.g. sorted rows) in a WeakMap.
 */

export type WriteFault = 'data' | 'transient' | 'unknown';

export interface ClassifiedError {
  fault: WriteFault;
  /** The SQLSTATE, or Node's error code for a network error. */
  code?: string;
  message: string;
}

const DATA_CLASSES = ['22', '23', '54'];
const TRANSIENT_CLASSES = ['08', '53'];
const TRANSIENT_CODES = ['57P01', '57P02', '57P03', '40001', '40P01', '55P03', '57014', '58030'];
const NETWORK_CODES = ['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'];
/** node-postgres reports a lost connection or pool timeout by message only. */
const LOST_CONNECTION = /connection terminated|connection error|not queryable|timeout exceeded when trying to connect|socket hang up/i;

export function classifyWriteError(error: unknown): ClassifiedError {
  const message = error instanceof Error ? error.message : String(error);
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : undefined;
  if (code && /^[0-9A-Z]{5}$/.test(code)) {
    const sqlClass = code.slice(0, 2);
    if (DATA_CLASSES.includes(sqlClass)) return { fault: 'data', code, message };
    if (TRANSIENT_CLASSES.includes(sqlClass) || TRANSIENT_CODES.includes(code)) return { fault: 'transient', code, message };
    return { fault: 'unknown', code, message };
  }
  if ((code && NETWORK_CODES.includes(code)) || LOST_CONNECTION.test(message)) return { fault: 'transient', code, message };
  return { fault: 'unknown', code, message };
}

/** Wait before retry number `attempt` (0-based) of a failed write: 100 ms doubling to 5 s. */
export function retryDelayMs(attempt: number): number {
  return Math.min(5000, 100 * 2 ** Math.min(attempt, 16));
}

export type IsolationEvent<T> =
  | { kind: 'retrying'; items: readonly T[]; error: ClassifiedError }
  | { kind: 'splitting'; items: readonly T[]; error: ClassifiedError }
  | { kind: 'poisoned'; item: T; error: ClassifiedError }
  | { kind: 'recovered'; items: readonly T[]; attempts: number };

export interface IsolatingWrite<T, R> {
  /** Writes the items in one transaction; throws when it did not commit. */
  write(items: readonly T[]): Promise<R>;
  committed(items: readonly T[], result: R): void | Promise<void>;
  /** An item the database refuses on its own for a reason in its data; it was not written. */
  poisoned(item: T, error: ClassifiedError): void | Promise<void>;
  sleep(ms: number): Promise<void>;
  /** True when the caller gives up waiting for a transient fault to pass. */
  stopped(): boolean;
  report?(event: IsolationEvent<T>): void;
}

export interface IsolationOutcome<T> {
  /** Failed attempts in all. */
  retries: number;
  /** Items neither committed nor poisoned (given up on while a transient fault lasted). */
  unwritten: T[];
}

export async function writeIsolating<T, R>(items: readonly T[], io: IsolatingWrite<T, R>): Promise<IsolationOutcome<T>> {
  const outcome: IsolationOutcome<T> = { retries: 0, unwritten: [] };
  let stopped = false;

  const part = async (slice: readonly T[]): Promise<void> => {
    if (stopped) return void outcome.unwritten.push(...slice);
    let failures = 0;
    let lastUnknown: string | undefined;
    for (;;) {
      let result: R;
      try {
        result = await io.write(slice);
      } catch (raw) {
        outcome.retries++;
        const error = classifyWriteError(raw);
        const signature = `${error.code ?? ''} ${error.message}`;
        const repeated = error.fault === 'unknown' && lastUnknown === signature;
        if (error.fault === 'data' || repeated) {
          const asData = { ...error, fault: 'data' as const };
          if (slice.length === 1) {
            io.report?.({ kind: 'poisoned', item: slice[0], error: asData });
            return io.poisoned(slice[0], asData);
          }
          io.report?.({ kind: 'splitting', items: slice, error: asData });
          const middle = Math.ceil(slice.length / 2);
          await part(slice.slice(0, middle));
          return part(slice.slice(middle));
        }
        if (error.fault === 'unknown') lastUnknown = signature;
        if (failures++ === 0) io.report?.({ kind: 'retrying', items: slice, error });
        if (!io.stopped()) await io.sleep(retryDelayMs(failures - 1));
        if (io.stopped()) {
          stopped = true;
          return void outcome.unwritten.push(...slice);
        }
        continue;
      }
      if (failures > 0) io.report?.({ kind: 'recovered', items: slice, attempts: failures + 1 });
      return io.committed(slice, result);
    }
  };

  await part(items);
  return outcome;
}
