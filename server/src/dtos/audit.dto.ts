import { z } from 'zod';
import { isoTime, jsonObject, storableString, uuid } from './common.dto.js';

export const auditQuery = z.object({
  userId: uuid('user').optional(),
  patientId: uuid('patient').optional().describe('Entries about the patient, including views that listed it'),
  action: storableString.trim().max(64).optional().describe('e.g. auth.login_failed, patient.view (docs/security.md lists them)'),
  from: isoTime.optional().describe('Inclusive'),
  to: isoTime.optional().describe('Exclusive'),
  beforeId: z.coerce.number().int().positive().optional().describe('Next page: the smallest id of the previous page'),
  limit: z.coerce.number().int().min(1).max(500).optional().default(100),
});
export type AuditQuery = z.infer<typeof auditQuery>;

export const auditEntrySchema = z.object({
  id: z.number().int(),
  at: z.date(),
  actorId: z.string().nullable(),
  actorLabel: z.string().nullable(),
  action: z.string(),
  patientId: z.string().nullable(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  ip: z.string().nullable(),
  details: jsonObject,
});
export const auditListSchema = z.object({ entries: z.array(auditEntrySchema) });
