import { Injectable } from '@nestjs/common';
import { DatabaseRepository, type Queryable } from './database.repository.js';

export interface AuditEntry {
  /** The signed-in user, or null for the operator CLI, a device or an anonymous caller. */
  actorId: string | null;
  /** Who it was when there is no user id: `cli`, an attempted e-mail, a device id. */
  actorLabel?: string;
  action: string;
  patientId?: string | null;
  targetType?: string;
  targetId?: string;
  ip?: string;
  details?: Record<string, unknown>;
}

/** The append-only audit log (a trigger refuses UPDATE, DELETE and TRUNCATE). */
@Injectable()
export class AuditRepository {
  constructor(private readonly db: DatabaseRepository) {}

  async append(entry: AuditEntry, on: Queryable = this.db): Promise<void> {
    await on.query(
      `INSERT INTO audit_log (actor_id, actor_label, action, patient_id, target_type, target_id, ip, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        entry.actorId,
        entry.actorLabel ?? null,
        entry.action,
        entry.patientId ?? null,
        entry.targetType ?? null,
        entry.targetId ?? null,
        entry.ip ?? null,
        JSON.stringify(entry.details ?? {}),
      ],
    );
  }
}
