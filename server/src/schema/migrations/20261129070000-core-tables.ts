import type { Migration } from '../migration.js';

/** Everything but the time series: ordinary tables on both dialects. */
const migration: Migration = {
  up: () => [
    `CREATE TABLE teams (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE UNIQUE INDEX teams_name_key ON teams (lower(name))`,

    `CREATE TABLE users (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      email text NOT NULL,
      name text NOT NULL,
      role text NOT NULL CHECK (role IN ('admin', 'clinician', 'care_staff')),
      password_hash text NOT NULL,
      totp_secret text,
      totp_enrolled_at timestamptz,
      failed_logins integer NOT NULL DEFAULT 0,
      locked_until timestamptz,
      disabled_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE UNIQUE INDEX users_email_key ON users (lower(email))`,

    `CREATE TABLE team_members (
      team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      PRIMARY KEY (team_id, user_id)
    )`,
    `CREATE INDEX team_members_user_idx ON team_members (user_id)`,

    `CREATE TABLE patients (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      team_id uuid NOT NULL REFERENCES teams (id),
      name text NOT NULL,
      spo2_scale smallint NOT NULL DEFAULT 1 CHECK (spo2_scale IN (1, 2)),
      created_at timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE INDEX patients_team_idx ON patients (team_id)`,

    `CREATE TABLE devices (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      patient_id uuid REFERENCES patients (id) ON DELETE SET NULL,
      kind text NOT NULL,
      secret_hash text NOT NULL,
      revoked_at timestamptz,
      online boolean NOT NULL DEFAULT false,
      battery smallint,
      rssi smallint,
      firmware text,
      last_seen timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE INDEX devices_patient_idx ON devices (patient_id)`,

    // Discrete happenings (falls, bed exits, doses). Keyed like readings so a re-sent event is stored once.
    `CREATE TABLE events (
      time timestamptz NOT NULL,
      patient_id uuid NOT NULL,
      device_id uuid NOT NULL,
      type text NOT NULL,
      data jsonb NOT NULL DEFAULT '{}',
      received_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (device_id, type, time)
    )`,
    `CREATE INDEX events_patient_time_idx ON events (patient_id, time DESC)`,

    `CREATE TABLE thresholds (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      patient_id uuid NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
      metric text NOT NULL,
      level text NOT NULL CHECK (level IN ('yellow', 'red')),
      low double precision,
      high double precision,
      sustained_seconds integer NOT NULL DEFAULT 0,
      hysteresis double precision NOT NULL DEFAULT 0,
      updated_by uuid REFERENCES users (id),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (patient_id, metric, level)
    )`,

    `CREATE TABLE alerts (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      patient_id uuid NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
      kind text NOT NULL,
      priority text NOT NULL CHECK (priority IN ('low', 'medium', 'high')),
      status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'resolved')),
      title text NOT NULL,
      details jsonb NOT NULL DEFAULT '{}',
      occurrences integer NOT NULL DEFAULT 1,
      escalation_level integer NOT NULL DEFAULT 0,
      opened_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      acknowledged_at timestamptz,
      acknowledged_by uuid REFERENCES users (id),
      resolved_at timestamptz,
      resolved_by uuid REFERENCES users (id),
      resolution_note text
    )`,
    // One active alert per (patient, kind), whatever the number of server instances.
    `CREATE UNIQUE INDEX alerts_one_active_key ON alerts (patient_id, kind) WHERE status <> 'resolved'`,
    `CREATE INDEX alerts_status_idx ON alerts (status, opened_at DESC)`,

    `CREATE TABLE alert_deliveries (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      alert_id uuid NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
      level integer NOT NULL,
      channel text NOT NULL,
      target text NOT NULL,
      status text NOT NULL,
      error text,
      at timestamptz NOT NULL DEFAULT now()
    )`,

    // Rejected device messages, kept with their reason (never silently dropped).
    `CREATE TABLE dead_letters (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      received_at timestamptz NOT NULL DEFAULT now(),
      topic text NOT NULL,
      device_id text,
      reason text NOT NULL,
      detail text,
      payload_excerpt text
    )`,
    `CREATE INDEX dead_letters_received_idx ON dead_letters (received_at DESC)`,

    `CREATE TABLE audit_log (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      actor_id uuid,
      actor_label text,
      action text NOT NULL,
      patient_id uuid,
      target_type text,
      target_id text,
      ip text,
      details jsonb NOT NULL DEFAULT '{}'
    )`,
    `CREATE INDEX audit_log_at_idx ON audit_log (at DESC)`,
    `CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at DESC)`,
    `CREATE INDEX audit_log_patient_idx ON audit_log (patient_id, at DESC)`,
    `CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP;
     END $$`,
    `CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
       FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`,
    `CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
       FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`,
  ],
};

export default migration;
