import type { Migration } from '../migration.js';

/**
 * Beside the SHA-256 digest Vigil checks device secrets with, a Mosquitto `$7$` hash of the
 * same secret, from which `vigil mosquitto export` writes Mosquitto's password file. Devices
 * provisioned earlier have none (the digest cannot be turned into it) until their secret is
 * rotated; the export lists them as skipped.
 */
const migration: Migration = {
  up: () => [`ALTER TABLE devices ADD COLUMN mosquitto_hash text`],
};

export default migration;
