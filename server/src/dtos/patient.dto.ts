import { alertWire } from './live.dto.js';
import { z } from 'zod';
import { NEWS2_PARAMETERS } from '../domain/news2.js';
import { spo2Scale } from './common.dto.js';

export const patientSchema = z.object({ id: z.string(), name: z.string(), teamId: z.string(), spo2Scale: z.number().int() });

/** NEWS2 SpO2 scale 2 (RCP 2017) is for confirmed hypercapnic respiratory failure only, on a clinician's decision. */
export const spo2ScaleBody = z.object({ spo2Scale }).strict();
export type Spo2ScaleBody = z.infer<typeof spo2ScaleBody>;

const latest = z
  .record(z.string(), z.object({ value: z.number(), t: z.date() }))
  .describe('The newest value and its time per metric code (readings of the last 30 days)');

const device = z.object({
  id: z.string(),
  kind: z.string(),
  online: z.boolean(),
  battery: z.number().nullable(),
  lastSeen: z.date().nullable(),
});

const news2 = z
  .object({
    score: z.number().int().describe('Sum of the parameters with a value from the last 24 hours'),
    risk: z.enum(['low', 'low-medium', 'medium', 'high']),
    components: z.partialRecord(z.enum(NEWS2_PARAMETERS), z.number().int()),
    missing: z.array(z.enum(NEWS2_PARAMETERS)).describe('Parameters without a fresh value: the score is partial when any'),
  })
  .describe('NEWS2 (RCP 2017) over the fresh latest values');

const passive = z
  .object({ id: z.string(), startsAt: z.date(), endsAt: z.date().nullable(), reason: z.string() })
  .describe('A passive interval covering now: the patient’s alerts are suppressed');

const inhibited = z
  .object({
    reason: z.enum(['device_offline', 'no_data']).describe('device_offline: its Last Will or an offline status, nothing heard since; no_data: stale'),
    deviceId: z.string(),
    since: z.date().describe('When the alert that inhibits opened'),
  })
  .describe('A device whose threshold and no-data alerts are held back, and why: one device_offline (or no_data) alert instead of one per vital');
export const patientRecordSchema = patientSchema.extend({ latest, devices: z.array(device), passive: z.array(passive) });

export const overviewSchema = z.object({
  patients: z
    .array(
      z.object({
        id: z.string(),
        name: z.string(),
        teamId: z.string(),
        latest,
        news2,
        alerts: z.array(alertWire).describe('Unresolved alerts, in the live contract’s shape'),
        devices: z.array(device),
        passive: z.array(passive),
        inhibited: z.array(inhibited),
      }),
    )
    .describe('The caller’s patients, most urgent first (open alert priority, then NEWS2)'),
});
