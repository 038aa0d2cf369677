import { Injectable } from '@nestjs/common';
import type { AlertKind, AlertPriority, AlertState, AlertWire } from '../dtos/live.dto.js';
import { DatabaseRepository, type Queryable } from './database.repository.js';

/** An alert as stored, with its patient's team (for scoping and the team's inbox room). */
export interface AlertRecord {
  id: string;
  patientId: string;
  teamId: string;
  kind: AlertKind;
  metric: string | null;
  deviceId: string | null;
  priority: AlertPriority;
  state: AlertState;
  openedAt: Date;
  lastSeenAt: Date;
  count: number;
  value: number | null;
  escalationLevel: number;
  escalationCycle: number;
  nextEscalationAt: Date | null;
  conditionClearedAt: Date | null;
  notifiedAt: Date | null;
  acknowledgedBy: string | null;
  acknowledgedAt: Date | null;
  resolvedBy: string | null;
  resolvedAt: Date | null;
  cleared: boolean;
  note: string | null;
}

/** What identifies a condition: at most one unresolved alert each (the partial unique index). */
export interface ConditionKey {
  patientId: string;
  kind: AlertKind;
  metric?: string | null;
  deviceId?: string | null;
}

export interface AlertComment {
  id: string;
  alertId: string;
  authorId: string | null;
  body: string;
  at: Date;
}

const COLUMNS = `a.id, a.patient_id AS "patientId", p.team_id AS "teamId", a.kind, a.metric, a.device_id AS "deviceId",
  a.priority, a.state, a.opened_at AS "openedAt", a.last_seen_at AS "lastSeenAt", a.count, a.value,
  a.escalation_level AS "escalationLevel", a.escalation_cycle AS "escalationCycle", a.next_escalation_at AS "nextEscalationAt",
  a.condition_cleared_at AS "conditionClearedAt", a.notified_at AS "notifiedAt",
  a.acknowledged_by AS "acknowledgedBy", a.acknowledged_at AS "acknowledgedAt", a.resolved_by AS "resolvedBy",
  a.resolved_at AS "resolvedAt", a.cleared, a.note`;

/** Runs an UPDATE/INSERT … RETURNING * as a CTE and selects the alert with its team. */
/** The statement's rows with the patient's team; `raised` adds whether it inserted and the priority before it. */
const withTeam = (statement: string, raised = false) =>
  `WITH a AS (${statement} RETURNING *${raised ? RAISED_COLUMNS : ''}) SELECT ${COLUMNS}${raised ? ', a.inserted, a."priorPriority"' : ''} FROM a JOIN patients p ON p.id = a.patient_id`;
// A subquery in RETURNING reads the statement's snapshot: the alert as it was before this update
// (null for an insert; the caller holds the patient's lock, so no other raise runs between).
const RAISED_COLUMNS = `, (xmax = 0) AS inserted, (SELECT b.priority FROM alerts b WHERE b.id = x.id) AS "priorPriority"`;

const PRIORITY_SQL_RANK = `CASE $P WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END`;
const rank = (expr: string) => PRIORITY_SQL_RANK.replace('$P', expr);

/** The wire form of the contract (docs/architecture.md, "Live and alerts contract"). */
export function toWire(a: AlertRecord): AlertWire {
  const iso = (d: Date | null) => (d ? d.toISOString() : undefined);
  return {
    id: a.id,
    patientId: a.patientId,
    kind: a.kind,
    metric: a.metric ?? undefined,
    deviceId: a.deviceId ?? undefined,
    priority: a.priority,
    state: a.state,
    openedAt: a.openedAt.toISOString(),
    lastSeenAt: a.lastSeenAt.toISOString(),
    count: a.count,
    value: a.value ?? undefined,
    escalationLevel: a.escalationLevel,
    nextEscalationAt: a.state === 'open' ? iso(a.nextEscalationAt) : undefined,
    acknowledgedBy: a.acknowledgedBy ?? undefined,
    acknowledgedAt: iso(a.acknowledgedAt),
    resolvedBy: a.resolvedBy ?? undefined,
    resolvedAt: iso(a.resolvedAt),
    note: a.note ?? undefined,
  };
}

@Injectable()
export class AlertRepository {
  constructor(private readonly db: DatabaseRepository) {}

  /**
   * Opens the condition's alert, or updates the unresolved one (count, last seen, latest value;
   * priority only upwards; a latched clear is undone). The partial unique index makes this one
   * alert whatever the number of instances or how close together the repeats come. Nothing
   * is written while a passive interval covers the patient: null then.
   */
  async raise(
    key: ConditionKey,
    raised: { priority: AlertPriority; value?: number | null; at: Date },
    on: Queryable = this.db,
  ): Promise<(AlertRecord & { inserted: boolean; priorPriority: AlertPriority | null }) | null> {
    const { rows } = await on.query<AlertRecord & { inserted: boolean; priorPriority: AlertPriority | null }>(
      withTeam(
        `INSERT INTO alerts AS x (patient_id, kind, metric, device_id, priority, opened_at, last_seen_at, value)
         SELECT $1, $2, $3, $4, $5, $6, $6, $7
          WHERE NOT EXISTS (SELECT 1 FROM passive_intervals pi WHERE pi.patient_id = $1 AND pi.starts_at <= $6 AND (pi.ends_at IS NULL OR pi.ends_at > $6))
         ON CONFLICT (patient_id, kind, coalesce(metric, ''), coalesce(device_id::text, '')) WHERE state <> 'resolved'
         DO UPDATE SET count = x.count + 1,
                       last_seen_at = greatest(x.last_seen_at, EXCLUDED.last_seen_at),
                       value = CASE WHEN EXCLUDED.last_seen_at >= x.last_seen_at THEN EXCLUDED.value ELSE x.value END,
                       priority = CASE WHEN ${rank('EXCLUDED.priority')} > ${rank('x.priority')} THEN EXCLUDED.priority ELSE x.priority END,
                       condition_cleared_at = NULL`,
        true,
      ),
      [key.patientId, key.kind, key.metric ?? null, key.deviceId ?? null, raised.priority, raised.at, raised.value ?? null],
    );
    return rows[0] ?? null;
  }

  /**
   * The device's unresolved alerts that no longer stand for a device the patient has: the device
   * was revoked, or relinked to another patient (its alerts of the patient it left).
   */
  async ofRetiredDevice(deviceId: string): Promise<AlertRecord[]> {
    const { rows } = await this.db.query<AlertRecord>(
      `SELECT ${COLUMNS} FROM alerts a JOIN patients p ON p.id = a.patient_id JOIN devices d ON d.id = a.device_id
        WHERE a.device_id = $1 AND a.state IN ('open', 'acknowledged') AND (d.revoked_at IS NOT NULL OR d.patient_id <> a.patient_id)`,
      [deviceId],
    );
    return rows;
  }

  /** The condition's unresolved alert, locked for the caller's transaction. */
  async unresolvedFor(key: ConditionKey, on: Queryable = this.db): Promise<AlertRecord | undefined> {
    const { rows } = await on.query<AlertRecord>(
      `SELECT ${COLUMNS} FROM alerts a JOIN patients p ON p.id = a.patient_id
        WHERE a.patient_id = $1 AND a.kind = $2 AND coalesce(a.metric, '') = coalesce($3, '') AND coalesce(a.device_id::text, '') = coalesce($4::text, '')
          AND a.state <> 'resolved' FOR UPDATE OF a`,
      [key.patientId, key.kind, key.metric ?? null, key.deviceId ?? null],
    );
    return rows[0];
  }

  /**
   * Devices of the patient with an unresolved device_offline alert, each with whether the device
   * is online again by now (a reading or status since): inhibition holds only while it is not.
   */
  async offlineAlertDevices(patientId: string, on: Queryable = this.db): Promise<Map<string, boolean>> {
    const { rows } = await on.query<{ deviceId: string; online: boolean }>(
      `SELECT a.device_id AS "deviceId", d.online FROM alerts a JOIN devices d ON d.id = a.device_id
        WHERE a.patient_id = $1 AND a.kind = 'device_offline' AND a.state <> 'resolved'`,
      [patientId],
    );
    return new Map(rows.map((r) => [r.deviceId, r.online]));
  }

  /** A latching alert's condition ended: it stays until acknowledged, with the time recorded. */
  async markConditionCleared(id: string, at: Date, on: Queryable = this.db): Promise<AlertRecord | undefined> {
    const { rows } = await on.query<AlertRecord>(
      withTeam(`UPDATE alerts SET condition_cleared_at = $2 WHERE id = $1 AND state <> 'resolved' AND condition_cleared_at IS NULL`),
      [id, at],
    );
    return rows[0];
  }

  /** Resolved because its condition ended (no user; `cleared` recorded). */
  async resolveCleared(id: string, at: Date, on: Queryable = this.db): Promise<AlertRecord | undefined> {
    const { rows } = await on.query<AlertRecord>(
      withTeam(
        `UPDATE alerts SET state = 'resolved', resolved_at = $2, cleared = true, condition_cleared_at = coalesce(condition_cleared_at, $2),
                next_escalation_at = NULL WHERE id = $1 AND state <> 'resolved'`,
      ),
      [id, at],
    );
    return rows[0];
  }

  async acknowledge(id: string, userId: string, at: Date): Promise<AlertRecord | undefined> {
    const { rows } = await this.db.query<AlertRecord>(
      withTeam(
        `UPDATE alerts SET state = 'acknowledged', acknowledged_by = $2, acknowledged_at = $3, next_escalation_at = NULL WHERE id = $1 AND state = 'open'`,
      ),
      [id, userId, at],
    );
    return rows[0];
  }

  async resolve(id: string, userId: string, at: Date, note: string | null): Promise<AlertRecord | undefined> {
    const { rows } = await this.db.query<AlertRecord>(
      withTeam(
        `UPDATE alerts SET state = 'resolved', resolved_by = $2, resolved_at = $3, note = $4, next_escalation_at = NULL WHERE id = $1 AND state <> 'resolved'`,
      ),
      [id, userId, at, note],
    );
    return rows[0];
  }

  /** Records the level reached and when the next one is due (null: none), only while still open. */
  async escalated(id: string, level: number, cycle: number, nextAt: Date | null): Promise<AlertRecord | undefined> {
    const { rows } = await this.db.query<AlertRecord>(
      withTeam(`UPDATE alerts SET escalation_level = $2, escalation_cycle = $3, next_escalation_at = $4 WHERE id = $1 AND state = 'open'`),
      [id, level, cycle, nextAt],
    );
    return rows[0];
  }

  async planEscalation(id: string, nextAt: Date | null): Promise<AlertRecord | undefined> {
    const { rows } = await this.db.query<AlertRecord>(withTeam(`UPDATE alerts SET next_escalation_at = $2 WHERE id = $1 AND state = 'open'`), [id, nextAt]);
    return rows[0];
  }

  /** Marks an acknowledged alert as notified again; only one caller wins per re-alert period. */
  async claimRealert(id: string, at: Date, realertSeconds: number): Promise<AlertRecord | undefined> {
    const { rows } = await this.db.query<AlertRecord>(
      withTeam(
        `UPDATE alerts SET notified_at = $2::timestamptz WHERE id = $1 AND state = 'acknowledged' AND condition_cleared_at IS NULL
            AND greatest(acknowledged_at, coalesce(notified_at, acknowledged_at)) <= $2::timestamptz - make_interval(secs => $3)`,
      ),
      [id, at, realertSeconds],
    );
    return rows[0];
  }

  async get(id: string): Promise<AlertRecord | undefined> {
    const { rows } = await this.db.query<AlertRecord>(`SELECT ${COLUMNS} FROM alerts a JOIN patients p ON p.id = a.patient_id WHERE a.id = $1`, [id]);
    return rows[0];
  }

  /** The inbox: alerts of the given patients, newest first, optionally of one state. */
  async list(patientIds: string[], filter: { state?: AlertState; limit: number; from?: Date; to?: Date }): Promise<AlertRecord[]> {
    if (patientIds.length === 0) return [];
    const { rows } = await this.db.query<AlertRecord>(
      `SELECT ${COLUMNS} FROM alerts a JOIN patients p ON p.id = a.patient_id
        WHERE a.patient_id = ANY($1::uuid[]) AND ($2::text IS NULL OR a.state = $2)
          AND ($4::timestamptz IS NULL OR a.opened_at >= $4) AND ($5::timestamptz IS NULL OR a.opened_at < $5)
        ORDER BY a.opened_at DESC LIMIT $3`,
      [patientIds, filter.state ?? null, filter.limit, filter.from ?? null, filter.to ?? null],
    );
    return rows;
  }

  async unresolvedOf(patientIds: string[]): Promise<AlertRecord[]> {
    if (patientIds.length === 0) return [];
    const { rows } = await this.db.query<AlertRecord>(
      `SELECT ${COLUMNS} FROM alerts a JOIN patients p ON p.id = a.patient_id
        WHERE a.patient_id = ANY($1::uuid[]) AND a.state <> 'resolved' ORDER BY a.opened_at DESC`,
      [patientIds],
    );
    return rows;
  }

  async addComment(alertId: string, authorId: string | null, body: string): Promise<AlertComment> {
    const { rows } = await this.db.query<AlertComment>(
      `INSERT INTO alert_comments (alert_id, author_id, body) VALUES ($1, $2, $3)
       RETURNING id, alert_id AS "alertId", author_id AS "authorId", body, at`,
      [alertId, authorId, body],
    );
    return rows[0];
  }

  async comments(alertId: string): Promise<AlertComment[]> {
    const { rows } = await this.db.query<AlertComment>(
      `SELECT id, alert_id AS "alertId", author_id AS "authorId", body, at FROM alert_comments WHERE alert_id = $1 ORDER BY at, id`,
      [alertId],
    );
    return rows;
  }
}
