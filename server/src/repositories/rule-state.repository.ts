import { Injectable } from '@nestjs/common';
import { DatabaseRepository, type Queryable } from './database.repository.js';

/** A pending rule that fires when due unless cancelled first (a bed exit's grace). */
export interface DueRule {
  patientId: string;
  rule: string;
  state: Record<string, unknown>;
}

/**
 * Rule state (sustained-for timers, hysteresis, pending graces) in PostgreSQL: shared by every
 * instance and kept over restarts. A patient's rules are evaluated under a transaction-level
 * advisory lock on the patient, so two instances never interleave on one patient's state.
 */
@Injectable()
export class RuleStateRepository {
  constructor(private readonly db: DatabaseRepository) {}

  /** Serialises rule evaluation per patient until the caller's transaction ends. */
  async lockPatient(patientId: string, on: Queryable): Promise<void> {
    await on.query(`SELECT pg_advisory_xact_lock(hashtextextended('vigil-rules:' || $1::text, 0))`, [patientId]);
  }

  async get<S>(patientId: string, rules: string[], on: Queryable = this.db): Promise<Map<string, S>> {
    if (rules.length === 0) return new Map();
    const { rows } = await on.query<{ rule: string; state: S }>(`SELECT rule, state FROM rule_state WHERE patient_id = $1 AND rule = ANY($2::text[])`, [
      patientId,
      rules,
    ]);
    return new Map(rows.map((r) => [r.rule, r.state]));
  }

  async put(patientId: string, entries: Array<{ rule: string; state: unknown; dueAt?: Date | null }>, on: Queryable = this.db): Promise<void> {
    if (entries.length === 0) return;
    await on.query(
      `INSERT INTO rule_state (patient_id, rule, state, due_at, updated_at)
       SELECT $1, e.rule, e.state, e.due_at, now() FROM unnest($2::text[], $3::jsonb[], $4::timestamptz[]) AS e(rule, state, due_at)
       ON CONFLICT (patient_id, rule) DO UPDATE SET state = EXCLUDED.state, due_at = EXCLUDED.due_at, updated_at = now()`,
      [patientId, entries.map((e) => e.rule), entries.map((e) => JSON.stringify(e.state)), entries.map((e) => e.dueAt ?? null)],
    );
  }

  async remove(patientId: string, rules: string[], on: Queryable = this.db): Promise<void> {
    await on.query(`DELETE FROM rule_state WHERE patient_id = $1 AND rule = ANY($2::text[])`, [patientId, rules]);
  }

  /** The inputs NEWS2 is scored from: the newest value per metric no older than `freshSeconds` before `now`. */
  async latestFresh(patientId: string, metrics: readonly string[], now: Date, freshSeconds: number, on: Queryable = this.db): Promise<Record<string, number>> {
    const { rows } = await on.query<{ metric: string; value: number }>(
      `SELECT m.metric, l.value FROM unnest($2::text[]) AS m(metric)
        CROSS JOIN LATERAL (
          SELECT r.value FROM readings r WHERE r.patient_id = $1 AND r.metric = m.metric
             AND r.time > $3::timestamptz - make_interval(secs => $4) AND r.time <= $3::timestamptz + interval '5 minutes'
           ORDER BY r.time DESC LIMIT 1) l`,
      [patientId, metrics, now, freshSeconds],
    );
    return Object.fromEntries(rows.map((r) => [r.metric, r.value]));
  }

  /** Takes the pending rules due by `now`: each is returned to exactly one caller, whatever the number of instances. */
  async takeDue(now: Date, limit = 100): Promise<DueRule[]> {
    const { rows } = await this.db.query<DueRule>(
      `DELETE FROM rule_state WHERE ctid IN (
         SELECT ctid FROM rule_state WHERE due_at IS NOT NULL AND due_at <= $1 ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING patient_id AS "patientId", rule, state`,
      [now, limit],
    );
    return rows;
  }
}
