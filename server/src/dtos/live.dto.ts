import { z } from 'zod';

/**
 * The live and alerts contract (docs/architecture.md, "Live and alerts contract"): the alert
 * shape and every socket.io event, as they travel on the wire (times are ISO 8601 strings).
 * Defined once here; the server validates what it emits against these schemas and the
 * dashboard imports the same module, so the two cannot drift. Event names are versioned:
 * a breaking change is a new name (`reading.batch.v2`), never an edit of an old one.
 */

const wireTime = z.iso.datetime({ offset: true });

export const ALERT_KINDS = [
  'news2',
  'threshold',
  'no_data',
  'device_offline',
  'low_battery',
  'fall',
  'alarm_button',
  'bed_exit',
  'door_open',
  'missed_dose',
  'inactivity',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** IEC 60601-1-8 priorities: high (immediate), medium (prompt), low (response needed). */
export const ALERT_PRIORITIES = ['high', 'medium', 'low'] as const;
export type AlertPriority = (typeof ALERT_PRIORITIES)[number];

export const ALERT_STATES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export const alertWire = z.object({
  id: z.string(),
  patientId: z.string(),
  kind: z.enum(ALERT_KINDS),
  /** With `threshold` (and the NEWS2 parameter that scored 3, when that is the cause). */
  metric: z.string().optional(),
  /** With `device_offline`, `low_battery` and `no_data`. */
  deviceId: z.string().optional(),
  priority: z.enum(ALERT_PRIORITIES),
  state: z.enum(ALERT_STATES),
  openedAt: wireTime,
  lastSeenAt: wireTime,
  count: z.number().int().min(1),
  value: z.number().optional(),
  escalationLevel: z.number().int().min(0),
  /** When the next escalation level fires, while the alert is unacknowledged and a level remains. */
  nextEscalationAt: wireTime.optional(),
  acknowledgedBy: z.string().optional(),
  acknowledgedAt: wireTime.optional(),
  resolvedBy: z.string().optional(),
  resolvedAt: wireTime.optional(),
  note: z.string().optional(),
});
export type AlertWire = z.infer<typeof alertWire>;

// ---- server → client ----------------------------------------------------------------

export const readingBatchV1 = z.object({
  patientId: z.string(),
  samples: z.array(z.object({ t: wireTime, deviceId: z.string(), m: z.record(z.string(), z.number()) })),
});
export type ReadingBatchV1 = z.infer<typeof readingBatchV1>;

/** One overview row, as `GET /api/overview` returns it (the REST schema is the authority; this is its wire form). */
export const overviewRowWire = z
  .object({
    id: z.string(),
    name: z.string(),
    teamId: z.string(),
    latest: z.record(z.string(), z.object({ value: z.number(), t: wireTime })),
    news2: z.object({
      score: z.number().int(),
      risk: z.enum(['low', 'low-medium', 'medium', 'high']),
      components: z.record(z.string(), z.number().int()),
      missing: z.array(z.string()),
    }),
    alerts: z.array(alertWire),
  })
  .loose();

export const overviewTickV1 = z.object({ teamId: z.string(), patients: z.array(overviewRowWire) });
export type OverviewTickV1 = z.infer<typeof overviewTickV1>;

export const alertV1 = z.object({ alert: alertWire });
export type AlertV1 = z.infer<typeof alertV1>;

export const deviceStatusV1 = z.object({
  patientId: z.string(),
  deviceId: z.string(),
  online: z.boolean(),
  battery: z.number().nullable(),
  lastSeen: wireTime.nullable(),
});
export type DeviceStatusV1 = z.infer<typeof deviceStatusV1>;

/**
 * The server could not give this client everything (it fell behind, or its gap was larger than
 * the bound): refetch history from `since` over REST, then carry on with live data.
 */
export const resyncV1 = z.object({ patientId: z.string().optional(), teamId: z.string().optional(), since: wireTime.optional(), reason: z.string() });
export type ResyncV1 = z.infer<typeof resyncV1>;

export const SERVER_EVENTS = {
  readingBatch: 'reading.batch.v1',
  overviewTick: 'overview.tick.v1',
  alert: 'alert.v1',
  deviceStatus: 'device.status.v1',
  resync: 'resync.v1',
} as const;

export interface ServerToClientEvents {
  'reading.batch.v1': (payload: ReadingBatchV1) => void;
  'overview.tick.v1': (payload: OverviewTickV1) => void;
  'alert.v1': (payload: AlertV1) => void;
  'device.status.v1': (payload: DeviceStatusV1) => void;
  'resync.v1': (payload: ResyncV1) => void;
}

// ---- client → server ----------------------------------------------------------------

export const watchBody = z.union([z.object({ patientId: z.uuid(), since: wireTime.optional() }).strict(), z.object({ teamId: z.uuid() }).strict()]);
export type WatchBody = z.infer<typeof watchBody>;

/** Every client event is answered through its ack callback with one of these. */
export type Ack = { ok: true } | { error: string };

export interface ClientToServerEvents {
  watch: (body: WatchBody, ack: (answer: Ack) => void) => void;
  unwatch: (body: WatchBody, ack: (answer: Ack) => void) => void;
}
