import { Injectable, Logger } from '@nestjs/common';
import { toStorableJson, toStorableText } from '../domain/text.js';
import { type ClassifiedError, writeIsolating } from '../domain/write-faults.js';
import { type AuditEntry, AuditRepository } from '../repositories/audit.repository.js';
import { ClockRepository } from '../repositories/clock.repository.js';

/** The audit log could not be written in time: the action it records must not go ahead unaudited. */
export class AuditUnavailableError extends Error {
  constructor() {
    super('the audit log cannot be written now; try again');
  }
}

interface Pending {
  entry: AuditEntry;
  done: (error?: Error) => void;
}

/** Most entries one statement writes. */
const MAX_BATCH = 500;
/** How long a caller waits for a transient fault to pass before its action fails. */
const GIVE_UP_MS = 10_000;

/**
 * Writes audit entries in batches through `writeIsolating` (domain/write-faults.ts), like
 * every batched writer: entries that arrive while a batch is written go into the next one, and
 * each caller's promise settles when its entry has committed. An entry the database refuses
 * for a reason in its data (text it cannot hold) is stored on its own with its text made
 * storable (domain/text.ts) and `details.cleaned` set, never dropped, and never blocks the
 * others; a transient fault is retried with backoff for up to 10 s, after which the callers
 * get AuditUnavailableError (the request fails rather than go unaudited).
 */
@Injectable()
export class AuditWriterService {
  private readonly logger = new Logger('AuditWriterService');
  private readonly queue: Pending[] = [];
  private writing = false;

  constructor(
    private readonly audit: AuditRepository,
    private readonly clock: ClockRepository,
  ) {}

  /** Resolves once the entry is committed. */
  append(entry: AuditEntry): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ entry, done: (error) => (error ? reject(error) : resolve()) });
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.queue.length) await this.write(this.queue.splice(0, MAX_BATCH));
    } finally {
      this.writing = false;
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    const giveUpAt = this.clock.now() + GIVE_UP_MS;
    const outcome = await writeIsolating<Pending, void>(batch, {
      write: (items) => this.audit.append(items.map((item) => item.entry)),
      committed: (items) => items.forEach((item) => item.done()),
      poisoned: (item, error) => this.storeCleaned(item, error),
      sleep: (ms) => this.clock.sleep(ms),
      stopped: () => this.clock.now() >= giveUpAt,
      report: (event) => {
        if (event.kind === 'retrying')
          this.logger.error(`writing ${event.items.length} audit entries failed (${event.error.code ?? event.error.fault}: ${event.error.message}); retrying`);
      },
    });
    for (const item of outcome.unwritten) item.done(new AuditUnavailableError());
  }

  /** The entry with every text storable, flagged as cleaned; a caller's action fails only if even that is refused. */
  private async storeCleaned(item: Pending, error: ClassifiedError): Promise<void> {
    const { entry } = item;
    const text = (value: string | undefined) => (value === undefined ? undefined : toStorableText(value));
    const cleaned: AuditEntry = {
      ...entry,
      actorLabel: text(entry.actorLabel),
      action: toStorableText(entry.action),
      targetType: text(entry.targetType),
      targetId: text(entry.targetId),
      ip: text(entry.ip),
      details: { ...(toStorableJson(entry.details ?? {}) as Record<string, unknown>), cleaned: `${error.code ?? 'error'}: ${toStorableText(error.message)}` },
    };
    this.logger.warn({ action: cleaned.action, code: error.code }, 'an audit entry the database refused is stored with its text made storable');
    try {
      await this.audit.append([cleaned]);
      item.done();
    } catch (again) {
      this.logger.error({ err: again, action: cleaned.action }, 'an audit entry could not be stored even with its text made storable');
      item.done(again as Error);
    }
  }
}
