import type { Migration } from '../migration.js';

/**
 * A push subscription is one device of a user: the label (e.g. "Chrome on Android") lets the
 * user tell them apart in their settings and remove the one they no longer carry.
 */
const migration: Migration = {
  up: () => [`ALTER TABLE push_subscriptions ADD COLUMN label text NOT NULL DEFAULT ''`],
};

export default migration;
