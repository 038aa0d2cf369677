import { Injectable } from '@nestjs/common';
import type { Threshold, ThresholdState } from '../domain/alert-rules.js';
import type { Spo2Scale } from '../domain/news2.js';
import { DatabaseRepository, type Queryable } from './database.repository.js';

/** A pending rule that fires when due unless cancelled first (a bed exit's grace). */
export interface DueRule {
  patientId: string;
  rule: string;
  state: Record<string, unknown>;
}

/** What a patient's readings are evaluated against (`readingContexts`). */
export interface ReadingContext {
  teamId: string;
  spo2Scale: Spo2Scale;
  /** Devices with an unresolved device_offline alert: whether each is online again. */
  offlineAlerts: Map<string, boolean>;
  thresholds: Threshold[];
  /** Rule state by rule (`threshold:<metric>`). */
  states: Map<string, ThresholdState>;
  /** Fresh NEWS2 inputs by metric. */
  news2: Record<string, number>;
  news2Open: boolean;
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

  /**
   * Everything the given patients' readings are evaluated against, in one round trip: each
   * patient's team and SpO2 scale, its devices with an unresolved device_offline alert (each
   * with whether it is online again), its effective thresholds (its own per metric, else the
   * team's default) with their rule state, the NEWS2 inputs (the newest value per metric no
   * older than `freshSeconds` before `now`), and whether a NEWS2 alert is unresolved. An
   * evaluation reads one patient's under its lock (taken before, so the read sees what the
   * lock's previous holder committed); triage reads many without it. A patient that is gone is
   * left out.
   */
  async readingContexts(
    patientIds: readonly string[],
    news2Metrics: readonly string[],
    now: Date,
    freshSeconds: number,
    on: Queryable = this.db,
  ): Promise<Map<string, ReadingContext>> {
    if (patientIds.length === 0) return new Map();
    const { rows } = await on.query<
      Omit<ReadingContext, 'offlineAlerts' | 'states'> & { patientId: string; offlineAlerts: Record<string, boolean>; states: Record<string, ThresholdState> }
    >(
      `SELECT p.id AS "patientId", p.team_id AS "teamId", p.spo2_scale AS "spo2Scale",
         (SELECT coalesce(json_object_agg(a.device_id, d.online), '{}') FROM alerts a JOIN devices d ON d.id = a.device_id
           WHERE a.patient_id = p.id AND a.kind = 'device_offline' AND a.state <> 'resolved') AS "offlineAlerts",
         (SELECT coalesce(json_agg(t ORDER BY t.metric), '[]') FROM (
            SELECT DISTINCT ON (metric) metric, red_low AS "redLow", yellow_low AS "yellowLow", yellow_high AS "yellowHigh", red_high AS "redHigh",
                   sustained_seconds AS "sustainedSeconds", clear_margin AS "clearMargin", clear_after_seconds AS "clearAfterSeconds"
              FROM thresholds WHERE patient_id = p.id OR team_id = p.team_id ORDER BY metric, (patient_id IS NULL)) t) AS thresholds,
         (SELECT coalesce(json_object_agg(s.rule, s.state), '{}') FROM rule_state s WHERE s.patient_id = p.id AND s.rule LIKE 'threshold:%') AS states,
         (SELECT coalesce(json_object_agg(m.metric, l.value), '{}') FROM unnest($2::text[]) AS m(metric) CROSS JOIN LATERAL (
            SELECT r.value FROM readings r WHERE r.patient_id = p.id AND r.metric = m.metric
               AND r.time > $3::timestamptz - make_interval(secs => $4) AND r.time <= $3::timestamptz + interval '5 minutes'
             ORDER BY r.time DESC LIMIT 1) l) AS news2,
         EXISTS (SELECT 1 FROM alerts a WHERE a.patient_id = p.id AND a.kind = 'news2' AND a.state <> 'resolved') AS "news2Open"
        FROM patients p WHERE p.id = ANY($1::uuid[])`,
      [patientIds, news2Metrics, now, freshSeconds],
    );
    return new Map(
      rows.map(({ patientId, ...row }) => [
        patientId,
        { ...row, offlineAlerts: new Map(Object.entries(row.offlineAlerts)), states: new Map(Object.entries(row.states)) },
      ]),
    );
  }

  /** The pending rules due by `now`, oldest first: candidates only, each taken by `takeDue` under its patient's lock. */
  async due(now: Date, limit = 100): Promise<Array<Pick<DueRule, 'patientId' | 'rule'>>> {
    const { rows } = await this.db.query<Pick<DueRule, 'patientId' | 'rule'>>(
      `SELECT patient_id AS "patientId", rule FROM rule_state WHERE due_at IS NOT NULL AND due_at <= $1 ORDER BY due_at LIMIT $2`,
      [now, limit],
    );
    return rows;
  }

  /**
   * Takes one due rule in the caller's transaction: its state, or undefined when another instance
   * took it first or it was dropped meanwhile (a return to bed). The delete commits with what the
   * caller raises from it, so a crash between the two leaves the rule for the next sweep.
   */
  async takeDue(patientId: string, rule: string, now: Date, tx: Queryable): Promise<DueRule['state'] | undefined> {
    const { rows } = await tx.query<Pick<DueRule, 'state'>>(
      `DELETE FROM rule_state WHERE patient_id = $1 AND rule = $2 AND due_at IS NOT NULL AND due_at <= $3 RETURNING state`,
      [patientId, rule, now],
    );
    return rows[0]?.state;
  }
}
