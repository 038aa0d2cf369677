import type { Migration } from '../migration.js';

/**
 * Sign-in state (docs/security.md): sessions, each a family of rotating refresh tokens stored
 * only as SHA-256 digests; single-use recovery codes, also digests; and the last TOTP time
 * step a user signed in with, so a one-time code cannot be replayed (RFC 6238 §5.2).
 */
const migration: Migration = {
  up: () => [
    `ALTER TABLE users ADD COLUMN totp_last_step bigint`,

    `CREATE TABLE auth_sessions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      revoked_at timestamptz,
      revoked_reason text,
      ip text,
      user_agent text
    )`,
    `CREATE INDEX auth_sessions_user_idx ON auth_sessions (user_id) WHERE revoked_at IS NULL`,
    `CREATE INDEX auth_sessions_expires_idx ON auth_sessions (expires_at)`,

    `CREATE TABLE refresh_tokens (
      token_hash text PRIMARY KEY,
      session_id uuid NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      used_at timestamptz
    )`,
    `CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id)`,

    `CREATE TABLE recovery_codes (
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      code_hash text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      used_at timestamptz,
      PRIMARY KEY (user_id, code_hash)
    )`,

    // The admin audit query filters by action as well as by user, patient and time; a view of
    // many patients at once (the overview) lists them in details.patientIds.
    `CREATE INDEX audit_log_action_idx ON audit_log (action, at DESC)`,
    `CREATE INDEX audit_log_viewed_patients_idx ON audit_log USING gin ((details -> 'patientIds'))`,
  ],
};

export default migration;
