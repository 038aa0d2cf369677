import { Injectable } from '@nestjs/common';
import type { Actor } from '../domain/actor.js';
import { type AuditFilter, type AuditRecord, AuditRepository } from '../repositories/audit.repository.js';
import { AccessService } from './access.service.js';
import { AuditWriterService } from './audit-writer.service.js';

export interface AuditDetails {
  patientId?: string | null;
  targetType?: string;
  targetId?: string;
  details?: Record<string, unknown>;
}

/**
 * The one way features write and read the audit log: who (user or label), what (action),
 * which patient, when (the database clock), from where (the client address). Actions in use
 * are listed in docs/security.md; a new feature adds its own there. Entries are written in
 * batches by AuditWriterService; each call resolves once its entry is committed.
 */
@Injectable()
export class AuditService {
  constructor(
    private readonly audit: AuditRepository,
    private readonly writer: AuditWriterService,
    private readonly access: AccessService,
  ) {}

  record(actor: Actor, action: string, entry: AuditDetails = {}): Promise<void> {
    return this.writer.append({ actorId: actor.userId, actorLabel: actor.label, ip: actor.ip, action, ...entry });
  }

  /** For callers not signed in (a failed sign-in): `label` is what they claimed to be, e.g. the e-mail typed. */
  recordAnonymous(action: string, from: { label: string; ip?: string; userId?: string }, entry: AuditDetails = {}): Promise<void> {
    return this.writer.append({ actorId: from.userId ?? null, actorLabel: from.label, ip: from.ip, action, ...entry });
  }

  /** Admins only; reading the audit log is itself recorded. */
  async list(actor: Actor, filter: AuditFilter): Promise<{ entries: AuditRecord[] }> {
    this.access.requireAdmin(actor);
    const entries = await this.audit.query(filter);
    await this.record(actor, 'audit.query', { details: { ...filter, returned: entries.length } });
    return { entries };
  }
}
