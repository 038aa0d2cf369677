import type { Migration } from '../migration.js';

/**
 * Dead letters keep the start of the payload as the bytes that arrived (`bytea`): a text
 * column refuses NUL and invalid UTF-8, so a dead letter of line noise failed its own insert
 * and blocked its batch for ever. Earlier excerpts were text and convert losslessly.
 */
const migration: Migration = {
  up: () => [`ALTER TABLE dead_letters ALTER COLUMN payload_excerpt TYPE bytea USING convert_to(payload_excerpt, 'UTF8')`],
};

export default migration;
