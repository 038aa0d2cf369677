import type { Migration } from '../migration.js';

/**
 * Alerts to the live and alerts contract (docs/architecture.md): one unresolved alert per
 * (patient, kind, metric or device), enforced here, and what raising, delivering and
 * escalating them needs. The earlier alerts, alert_deliveries and thresholds tables were
 * never written to; they are replaced.
 */
const migration: Migration = {
  up: () => [
    `DROP TABLE alert_deliveries`,
    `DROP TABLE alerts`,
    `DROP TABLE thresholds`,

    // Per team: the time zone night hours are read in, the graces, the re-alert time and the escalation chain.
    `CREATE TABLE team_alert_settings (
      team_id uuid PRIMARY KEY REFERENCES teams (id) ON DELETE CASCADE,
      time_zone text NOT NULL DEFAULT 'Europe/Copenhagen',
      night_start_minute smallint NOT NULL DEFAULT 1320 CHECK (night_start_minute BETWEEN 0 AND 1439),
      night_end_minute smallint NOT NULL DEFAULT 420 CHECK (night_end_minute BETWEEN 0 AND 1439),
      bed_exit_grace_seconds integer NOT NULL DEFAULT 900 CHECK (bed_exit_grace_seconds >= 0),
      door_open_grace_seconds integer NOT NULL DEFAULT 300 CHECK (door_open_grace_seconds >= 0),
      realert_seconds integer NOT NULL DEFAULT 1800 CHECK (realert_seconds > 0),
      escalation_levels jsonb NOT NULL DEFAULT '[]',
      escalation_repeats smallint NOT NULL DEFAULT 0 CHECK (escalation_repeats BETWEEN 0 AND 10),
      updated_by uuid REFERENCES users (id) ON DELETE SET NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`,

    // A patient's own bands, or a team default (exactly one of the two owners).
    `CREATE TABLE thresholds (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      patient_id uuid REFERENCES patients (id) ON DELETE CASCADE,
      team_id uuid REFERENCES teams (id) ON DELETE CASCADE,
      metric text NOT NULL,
      red_low double precision,
      yellow_low double precision,
      yellow_high double precision,
      red_high double precision,
      sustained_seconds integer NOT NULL DEFAULT 0 CHECK (sustained_seconds >= 0),
      clear_margin double precision NOT NULL DEFAULT 0 CHECK (clear_margin >= 0),
      clear_after_seconds integer NOT NULL DEFAULT 0 CHECK (clear_after_seconds >= 0),
      updated_by uuid REFERENCES users (id) ON DELETE SET NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((patient_id IS NULL) <> (team_id IS NULL))
    )`,
    `CREATE UNIQUE INDEX thresholds_patient_metric_key ON thresholds (patient_id, metric) WHERE patient_id IS NOT NULL`,
    `CREATE UNIQUE INDEX thresholds_team_metric_key ON thresholds (team_id, metric) WHERE team_id IS NOT NULL`,

    `CREATE TABLE alerts (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      patient_id uuid NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
      kind text NOT NULL,
      metric text,
      device_id uuid,
      priority text NOT NULL CHECK (priority IN ('low', 'medium', 'high')),
      state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'acknowledged', 'resolved')),
      opened_at timestamptz NOT NULL,
      last_seen_at timestamptz NOT NULL,
      count integer NOT NULL DEFAULT 1,
      value double precision,
      escalation_level integer NOT NULL DEFAULT 0,
      escalation_cycle integer NOT NULL DEFAULT 0,
      next_escalation_at timestamptz,
      condition_cleared_at timestamptz,
      notified_at timestamptz,
      acknowledged_by uuid REFERENCES users (id) ON DELETE SET NULL,
      acknowledged_at timestamptz,
      resolved_by uuid REFERENCES users (id) ON DELETE SET NULL,
      resolved_at timestamptz,
      cleared boolean NOT NULL DEFAULT false,
      note text
    )`,
    // At most one unresolved alert per condition, whatever the number of instances evaluating it.
    `CREATE UNIQUE INDEX alerts_one_unresolved_key ON alerts (patient_id, kind, coalesce(metric, ''), coalesce(device_id::text, ''))
       WHERE state <> 'resolved'`,
    `CREATE INDEX alerts_patient_opened_idx ON alerts (patient_id, opened_at DESC)`,
    `CREATE INDEX alerts_state_idx ON alerts (state, opened_at DESC)`,

    `CREATE TABLE alert_comments (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      alert_id uuid NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
      author_id uuid REFERENCES users (id) ON DELETE SET NULL,
      body text NOT NULL,
      at timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE INDEX alert_comments_alert_idx ON alert_comments (alert_id, at)`,

    // One row per delivery attempt: channel, recipient, attempt, status, time.
    `CREATE TABLE alert_deliveries (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      alert_id uuid NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
      level integer NOT NULL,
      channel text NOT NULL CHECK (channel IN ('in_app', 'web_push', 'webhook')),
      recipient text NOT NULL,
      attempt integer NOT NULL DEFAULT 1,
      status text NOT NULL CHECK (status IN ('sent', 'failed', 'dead')),
      error text,
      at timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE INDEX alert_deliveries_alert_idx ON alert_deliveries (alert_id, at)`,

    // A simple shift roster: on this weekday (0 = Sunday, team time zone), from–to minutes of the day.
    `CREATE TABLE rosters (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      weekday smallint NOT NULL CHECK (weekday BETWEEN 0 AND 6),
      from_minute smallint NOT NULL CHECK (from_minute BETWEEN 0 AND 1439),
      to_minute smallint NOT NULL CHECK (to_minute BETWEEN 1 AND 1440)
    )`,
    `CREATE INDEX rosters_team_idx ON rosters (team_id)`,

    `CREATE TABLE webhooks (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      url text NOT NULL,
      secret text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE INDEX webhooks_team_idx ON webhooks (team_id)`,

    `CREATE TABLE push_subscriptions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      endpoint text NOT NULL UNIQUE,
      p256dh text NOT NULL,
      auth text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE INDEX push_subscriptions_user_idx ON push_subscriptions (user_id)`,

    // Admitted to hospital, sensor change, ...: the patient's alerts are suppressed meanwhile.
    `CREATE TABLE passive_intervals (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      patient_id uuid NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
      starts_at timestamptz NOT NULL,
      ends_at timestamptz,
      reason text NOT NULL,
      created_by uuid REFERENCES users (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK (ends_at IS NULL OR ends_at > starts_at)
    )`,
    `CREATE INDEX passive_intervals_patient_idx ON passive_intervals (patient_id, starts_at)`,

    // Rule state (sustained-for timers, hysteresis, pending graces): shared by instances, kept over restarts.
    `CREATE TABLE rule_state (
      patient_id uuid NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
      rule text NOT NULL,
      state jsonb NOT NULL,
      due_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (patient_id, rule)
    )`,
    `CREATE INDEX rule_state_due_idx ON rule_state (due_at) WHERE due_at IS NOT NULL`,
  ],
};

export default migration;
