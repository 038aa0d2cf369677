import type { Migration } from '../migration.js';

/**
 * The audit query by patient pages by id, newest first: its branch over `patient_id` reads
 * the patient's newest entries straight from this index. The index by (patient_id, at) could
 * not give id order, so the planner walked the whole log backwards by id instead, for ever
 * longer as the (never pruned) log grows.
 */
const migration: Migration = {
  up: () => [`CREATE INDEX audit_log_patient_id_idx ON audit_log (patient_id, id DESC)`],
};

export default migration;
