import { Injectable } from '@nestjs/common';
import type { EscalationLevel, RosterEntry } from '../domain/alert-rules.js';
import type { Role } from '../domain/roles.js';
import { DatabaseRepository, type Queryable } from './database.repository.js';
import type { DeviceState } from './overview.repository.js';

/** A team's alert settings: night hours and graces in its time zone, re-alert time, escalation chain. */
export interface TeamAlertSettings {
  teamId: string;
  timeZone: string;
  nightStartMinute: number;
  nightEndMinute: number;
  bedExitGraceSeconds: number;
  doorOpenGraceSeconds: number;
  realertSeconds: number;
  escalationLevels: EscalationLevel[];
  escalationRepeats: number;
}

/** What a team without a row of its own gets (the table's column defaults say the same). */
export const DEFAULT_ALERT_SETTINGS: Omit<TeamAlertSettings, 'teamId'> = {
  timeZone: 'Europe/Copenhagen',
  nightStartMinute: 22 * 60,
  nightEndMinute: 7 * 60,
  bedExitGraceSeconds: 900,
  doorOpenGraceSeconds: 300,
  realertSeconds: 1800,
  escalationLevels: [],
  escalationRepeats: 0,
};

export interface DeviceAlertState extends DeviceState {
  createdAt: Date;
  /** Time of its newest reading (within the no-data horizon), if any. */
  lastData?: Date | null;
}

@Injectable()
export class AlertSettingsRepository {
  constructor(private readonly db: DatabaseRepository) {}

  async forTeam(teamId: string, on: Queryable = this.db): Promise<TeamAlertSettings> {
    const { rows } = await on.query<TeamAlertSettings>(
      `SELECT team_id AS "teamId", time_zone AS "timeZone", night_start_minute AS "nightStartMinute", night_end_minute AS "nightEndMinute",
              bed_exit_grace_seconds AS "bedExitGraceSeconds", door_open_grace_seconds AS "doorOpenGraceSeconds",
              realert_seconds AS "realertSeconds", escalation_levels AS "escalationLevels", escalation_repeats AS "escalationRepeats"
         FROM team_alert_settings WHERE team_id = $1`,
      [teamId],
    );
    return rows[0] ?? { teamId, ...DEFAULT_ALERT_SETTINGS };
  }

  async update(teamId: string, changes: Partial<Omit<TeamAlertSettings, 'teamId'>>, updatedBy: string | null): Promise<TeamAlertSettings> {
    const given = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
    const merged = { ...(await this.forTeam(teamId)), ...given };
    await this.db.query(
      `INSERT INTO team_alert_settings (team_id, time_zone, night_start_minute, night_end_minute, bed_exit_grace_seconds, door_open_grace_seconds,
                                        realert_seconds, escalation_levels, escalation_repeats, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (team_id) DO UPDATE SET time_zone = EXCLUDED.time_zone, night_start_minute = EXCLUDED.night_start_minute,
         night_end_minute = EXCLUDED.night_end_minute, bed_exit_grace_seconds = EXCLUDED.bed_exit_grace_seconds,
         door_open_grace_seconds = EXCLUDED.door_open_grace_seconds, realert_seconds = EXCLUDED.realert_seconds,
         escalation_levels = EXCLUDED.escalation_levels, escalation_repeats = EXCLUDED.escalation_repeats,
         updated_by = EXCLUDED.updated_by, updated_at = now()`,
      [
        teamId,
        merged.timeZone,
        merged.nightStartMinute,
        merged.nightEndMinute,
        merged.bedExitGraceSeconds,
        merged.doorOpenGraceSeconds,
        merged.realertSeconds,
        JSON.stringify(merged.escalationLevels),
        merged.escalationRepeats,
        updatedBy,
      ],
    );
    return merged;
  }

  /** Active members of the team with the role (or the one user), with their e-mail for the delivery log. */
  async members(teamId: string, who: { role: Role } | { userEmail: string }): Promise<Array<{ id: string; email: string }>> {
    const { rows } = await this.db.query<{ id: string; email: string }>(
      `SELECT u.id, u.email FROM team_members m JOIN users u ON u.id = m.user_id
        WHERE m.team_id = $1 AND u.disabled_at IS NULL AND ${'role' in who ? 'u.role = $2' : 'lower(u.email) = lower($2)'} ORDER BY u.email`,
      [teamId, 'role' in who ? who.role : who.userEmail],
    );
    return rows;
  }

  /** The team's duty roster, with each member's e-mail, by weekday and start. */
  async roster(teamId: string): Promise<Array<RosterEntry & { email: string }>> {
    const { rows } = await this.db.query<RosterEntry & { email: string }>(
      `SELECT r.user_id AS "userId", u.email, r.weekday, r.from_minute AS "fromMinute", r.to_minute AS "toMinute"
         FROM rosters r JOIN users u ON u.id = r.user_id WHERE r.team_id = $1 ORDER BY r.weekday, r.from_minute, u.email`,
      [teamId],
    );
    return rows;
  }

  async replaceRoster(teamId: string, entries: RosterEntry[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(`DELETE FROM rosters WHERE team_id = $1`, [teamId]);
      for (const e of entries) {
        await tx.query(`INSERT INTO rosters (team_id, user_id, weekday, from_minute, to_minute) VALUES ($1, $2, $3, $4, $5)`, [
          teamId,
          e.userId,
          e.weekday,
          e.fromMinute,
          e.toMinute,
        ]);
      }
    });
  }

  async devices(ids: string[], on: Queryable = this.db): Promise<DeviceAlertState[]> {
    if (ids.length === 0) return [];
    const { rows } = await on.query<DeviceAlertState>(
      `SELECT id, patient_id AS "patientId", kind, online, battery, last_seen AS "lastSeen", created_at AS "createdAt"
         FROM devices WHERE id = ANY($1::uuid[]) AND patient_id IS NOT NULL AND revoked_at IS NULL`,
      [ids],
    );
    return rows;
  }

  /**
   * Linked, unrevoked devices of the given kinds with their newest reading's time (the no-data
   * sweep). A device's silence is the device's: its newest reading counts whichever patient it
   * was stored for. The lookup names only the device, the metric and the time, the key of
   * `readings_device_metric_time_key`, so each device and metric costs one backward step in that
   * index. With the patient in the condition too, PostgreSQL may pick the patient's index instead,
   * read every row of the patient in the window and sort them: 76 s for 100 devices of one
   * patient on 6 million rows (docs/benchmarks.md, "Session 12").
   */
  async devicesOfKinds(kinds: string[], metrics: readonly string[]): Promise<DeviceAlertState[]> {
    const { rows } = await this.db.query<DeviceAlertState>(
      `SELECT d.id, d.patient_id AS "patientId", d.kind, d.online, d.battery, d.last_seen AS "lastSeen", d.created_at AS "createdAt",
              (SELECT max(l.time) FROM unnest($2::text[]) AS m(metric) CROSS JOIN LATERAL (
                 SELECT r.time FROM readings r WHERE r.device_id = d.id AND r.metric = m.metric
                    AND r.time > now() - interval '2 days' ORDER BY r.time DESC LIMIT 1) l) AS "lastData"
         FROM devices d WHERE d.kind = ANY($1::text[]) AND d.patient_id IS NOT NULL AND d.revoked_at IS NULL`,
      [kinds, metrics],
    );
    return rows;
  }

  async teamOfPatient(patientId: string, on: Queryable = this.db): Promise<{ teamId: string; spo2Scale: 1 | 2 } | undefined> {
    const { rows } = await on.query<{ teamId: string; spo2Scale: 1 | 2 }>(`SELECT team_id AS "teamId", spo2_scale AS "spo2Scale" FROM patients WHERE id = $1`, [
      patientId,
    ]);
    return rows[0];
  }

  /** A passive interval: the patient's alerts are not raised while it lasts (open end: until ended). */
  async addPassive(patientId: string, p: { startsAt: Date; endsAt: Date | null; reason: string }, createdBy: string | null): Promise<PassiveInterval> {
    const { rows } = await this.db.query<PassiveInterval>(
      `INSERT INTO passive_intervals (patient_id, starts_at, ends_at, reason, created_by) VALUES ($1, $2, $3, $4, $5)
       RETURNING id, patient_id AS "patientId", starts_at AS "startsAt", ends_at AS "endsAt", reason`,
      [patientId, p.startsAt, p.endsAt, p.reason, createdBy],
    );
    return rows[0];
  }

  async endPassive(patientId: string, id: string, at: Date): Promise<PassiveInterval | undefined> {
    const { rows } = await this.db.query<PassiveInterval>(
      `UPDATE passive_intervals SET ends_at = greatest($3, starts_at + interval '1 millisecond') WHERE id = $1 AND patient_id = $2 AND (ends_at IS NULL OR ends_at > $3)
       RETURNING id, patient_id AS "patientId", starts_at AS "startsAt", ends_at AS "endsAt", reason`,
      [id, patientId, at],
    );
    return rows[0];
  }

  /** Intervals covering `at`, for the overview. */
  async passiveAt(patientIds: string[], at: Date): Promise<PassiveInterval[]> {
    if (patientIds.length === 0) return [];
    const { rows } = await this.db.query<PassiveInterval>(
      `SELECT id, patient_id AS "patientId", starts_at AS "startsAt", ends_at AS "endsAt", reason FROM passive_intervals
        WHERE patient_id = ANY($1::uuid[]) AND starts_at <= $2 AND (ends_at IS NULL OR ends_at > $2) ORDER BY starts_at`,
      [patientIds, at],
    );
    return rows;
  }
}

export interface PassiveInterval {
  id: string;
  patientId: string;
  startsAt: Date;
  endsAt: Date | null;
  reason: string;
}
