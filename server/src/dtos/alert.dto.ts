import { z } from 'zod';
import { isStorableText } from '../domain/text.js';
import { METRIC_CODES } from '../domain/metric-catalogue.js';
import { isValidTimeZone } from '../domain/alert-rules.js';
import { isoTime, uuid } from './common.dto.js';
import { ALERT_STATES, alertWire } from './live.dto.js';

/** People's text: trimmed, bounded, and storable by PostgreSQL (refused naming the field otherwise). */
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `at most ${max} characters`)
    .refine(isStorableText, 'contains characters that cannot be stored (NUL or invalid Unicode)');

export const alertsQuery = z
  .object({
    state: z.enum(ALERT_STATES, { error: `expected one of ${ALERT_STATES.join(', ')}` }).optional(),
    patientId: uuid('patient').optional(),
    from: isoTime.optional(),
    to: isoTime.optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional().default(200),
  })
  .strict();
export type AlertsQuery = z.infer<typeof alertsQuery>;

export const alertListSchema = z.object({ alerts: z.array(alertWire) });

export const resolveBody = z.object({ note: text(2000).optional() }).strict();
export type ResolveBody = z.infer<typeof resolveBody>;

export const commentBody = z.object({ body: text(2000) }).strict();
export type CommentBody = z.infer<typeof commentBody>;

export const commentSchema = z.object({ id: z.string(), alertId: z.string(), authorId: z.string().nullable(), body: z.string(), at: z.date() });
export const commentListSchema = z.object({ comments: z.array(commentSchema) });

const bound = z.number({ error: 'expected a number' }).finite().nullable().optional();
export const thresholdBody = z
  .object({
    metric: z.enum(METRIC_CODES as [string, ...string[]], { error: `expected one of ${METRIC_CODES.join(', ')}` }),
    redLow: bound,
    yellowLow: bound,
    yellowHigh: bound,
    redHigh: bound,
    sustainedSeconds: z.number().int().min(0).max(86_400).optional().default(0),
    clearMargin: z.number().min(0).optional().default(0),
    clearAfterSeconds: z.number().int().min(0).max(86_400).optional().default(0),
  })
  .strict();
export type ThresholdBody = z.infer<typeof thresholdBody>;

export const thresholdSchema = z.object({
  id: z.string(),
  patientId: z.string().nullable(),
  teamId: z.string().nullable(),
  metric: z.string(),
  redLow: z.number().nullable(),
  yellowLow: z.number().nullable(),
  yellowHigh: z.number().nullable(),
  redHigh: z.number().nullable(),
  sustainedSeconds: z.number(),
  clearMargin: z.number(),
  clearAfterSeconds: z.number(),
  updatedAt: z.date(),
});
export const thresholdListSchema = z.object({ thresholds: z.array(thresholdSchema) });

const minuteOfDay = z.number().int().min(0).max(1439);
export const alertSettingsBody = z
  .object({
    timeZone: z.string().refine(isValidTimeZone, 'expected an IANA time zone like Europe/Copenhagen').optional(),
    nightStartMinute: minuteOfDay.optional(),
    nightEndMinute: minuteOfDay.optional(),
    bedExitGraceSeconds: z.number().int().min(0).max(86_400).optional(),
    doorOpenGraceSeconds: z.number().int().min(0).max(86_400).optional(),
    realertSeconds: z.number().int().min(1).max(86_400).optional(),
    /** The escalation chain as the CLI takes it: "care_staff@0,clinician@120,doctor@example.org@300". */
    escalation: z.string().max(2000).refine(isStorableText, 'contains characters that cannot be stored (NUL or invalid Unicode)').optional(),
    escalationRepeats: z.number().int().min(0).max(10).optional(),
  })
  .strict();
export type AlertSettingsBody = z.infer<typeof alertSettingsBody>;

export const alertSettingsSchema = z.object({
  teamId: z.string(),
  timeZone: z.string(),
  nightStartMinute: z.number(),
  nightEndMinute: z.number(),
  bedExitGraceSeconds: z.number(),
  doorOpenGraceSeconds: z.number(),
  realertSeconds: z.number(),
  escalationLevels: z.array(z.object({ afterSeconds: z.number(), role: z.string().optional(), userEmail: z.string().optional() })),
  escalationRepeats: z.number(),
});

export const webhookBody = z.object({ url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).max(2000) }).strict();
export const webhookCreatedSchema = z.object({
  id: z.string(),
  url: z.string(),
  secret: z.string().describe('Shown once: signs every delivery (HMAC-SHA256)'),
});

/** A time range; `to` defaults to now and `from` to a day before `to`. */
export const rangeQuery = z.object({ from: isoTime.optional(), to: isoTime.optional() }).strict();
export type RangeQuery = z.infer<typeof rangeQuery>;

export const news2SeriesSchema = z.object({
  patientId: z.string(),
  points: z.array(
    z.object({
      t: z.date(),
      score: z.number().int(),
      risk: z.enum(['low', 'low-medium', 'medium', 'high']),
      components: z.record(z.string(), z.number().int()),
      missing: z.array(z.string()),
    }),
  ),
  truncated: z.boolean().describe('The range held more raw samples than one answer takes: ask for a shorter one'),
});

export const alertStatsSchema = z.object({
  teamId: z.string(),
  from: z.date(),
  to: z.date(),
  patientDays: z.number(),
  alerts: z.number().int(),
  perPatientDay: z.array(z.object({ kind: z.string(), priority: z.string(), count: z.number().int(), perPatientDay: z.number() })),
  acknowledgedShare: z.number().nullable(),
  timeToAcknowledgeSeconds: z.object({ p50: z.number().nullable(), p90: z.number().nullable() }),
  escalationsByLevel: z.record(z.string(), z.number().int()),
  flapping: z.number().int().describe('Alerts that cleared by themselves within a minute of opening'),
  patientsMonitored: z.number().int().describe('Patients of the team with at least one reading in the range (whole hours overlapping it)'),
  pointsReceived: z.number().describe('Reading points stored for the team in the range (whole hours overlapping it)'),
  deviceHoursOffline: z.number().describe("Hours the team's devices were offline in the range (from device_offline alerts)"),
  news2Peaks: z
    .object({ high: z.number().int(), medium: z.number().int(), lowMedium: z.number().int(), none: z.number().int() })
    .describe(
      'Patients by the highest NEWS2 risk their NEWS2 alert reached in the range: high (7 or more), medium (5–6), low–medium (a single parameter scoring 3); none: monitored without a NEWS2 alert',
    ),
});

export const passiveBody = z.object({ startsAt: isoTime.optional(), endsAt: isoTime.optional(), reason: text(500) }).strict();
export type PassiveBody = z.infer<typeof passiveBody>;
