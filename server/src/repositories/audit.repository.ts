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

export interface AuditRecord {
  id: number;
  at: Date;
  actorId: string | null;
  actorLabel: string | null;
  action: string;
  patientId: string | null;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

export interface AuditFilter {
  userId?: string;
  patientId?: string;
  action?: string;
  from?: Date;
  to?: Date;
  /** Entries with a smaller id only: the next page after the last id seen. */
  beforeId?: number;
  limit: number;
}

/** The append-only audit log (a trigger refuses UPDATE, DELETE and TRUNCATE). */
@Injectable()
export class AuditRepository {
  constructor(private readonly db: DatabaseRepository) {}

  /** Appends entries in one statement, in order (the audit writer batches them). */
  async append(entries: readonly AuditEntry[], on: Queryable = this.db): Promise<void> {
    if (entries.length === 0) return;
    await on.query(
      `INSERT INTO audit_log (actor_id, actor_label, action, patient_id, target_type, target_id, ip, details)
       SELECT actor_id, actor_label, action, patient_id, target_type, target_id, ip, details
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::jsonb[])
              WITH ORDINALITY AS e(actor_id, actor_label, action, patient_id, target_type, target_id, ip, details, n)
        ORDER BY n`,
      [
        entries.map((e) => e.actorId),
        entries.map((e) => e.actorLabel ?? null),
        entries.map((e) => e.action),
        entries.map((e) => e.patientId ?? null),
        entries.map((e) => e.targetType ?? null),
        entries.map((e) => e.targetId ?? null),
        entries.map((e) => e.ip ?? null),
        entries.map((e) => JSON.stringify(e.details ?? {})),
      ],
    );
  }

  /**
   * Newest first. Each filter is optional; together they narrow (AND). A patient matches
   * entries about that patient and views that showed it among others (`details.patientIds`).
   * By patient, the two kinds are two index-driven branches, each its own newest page, merged:
   * one `OR` over both made the planner walk the whole (never pruned) log backwards for a
   * patient with few entries. UNION, not UNION ALL: an entry can be of both kinds.
   */
  async query(filter: AuditFilter): Promise<AuditRecord[]> {
    const sql = filter.patientId
      ? `(${newestWhere('patient_id = $2')}) UNION (${newestWhere(`details -> 'patientIds' ? $2::text`)}) ORDER BY id DESC LIMIT $7`
      : newestWhere('$2::uuid IS NULL');
    const { rows } = await this.db.query<AuditRecord>(sql, [
      filter.userId ?? null,
      filter.patientId ?? null,
      filter.action ?? null,
      filter.from ?? null,
      filter.to ?? null,
      filter.beforeId ?? null,
      filter.limit,
    ]);
    return rows;
  }
}

/** The newest `$7` entries that match `patient` and the other filters ($1 actor, $3 action, $4 from, $5 to, $6 before id). */
function newestWhere(patient: string): string {
  return `SELECT id, at, actor_id AS "actorId", actor_label AS "actorLabel", action, patient_id AS "patientId",
              target_type AS "targetType", target_id AS "targetId", ip, details
         FROM audit_log
        WHERE ${patient} AND ($1::uuid IS NULL OR actor_id = $1)
          AND ($3::text IS NULL OR action = $3) AND ($4::timestamptz IS NULL OR at >= $4)
          AND ($5::timestamptz IS NULL OR at < $5) AND ($6::bigint IS NULL OR id < $6)
        ORDER BY id DESC LIMIT $7`;
}
