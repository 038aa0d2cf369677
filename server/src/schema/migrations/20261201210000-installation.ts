import type { Migration } from '../migration.js';

/**
 * One row naming this database: a random id made when it is first migrated. A reset or new
 * database gets a new one; a restored backup keeps it (with the devices it knew). Tools that
 * keep provisioned credentials outside Vigil (the simulators' ward file) key them by it.
 */
const migration: Migration = {
  up: () => [
    `CREATE TABLE installation (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      created_at timestamptz NOT NULL DEFAULT now(),
      only_one boolean NOT NULL DEFAULT true UNIQUE CHECK (only_one)
    )`,
    `INSERT INTO installation DEFAULT VALUES`,
  ],
};

export default migration;
