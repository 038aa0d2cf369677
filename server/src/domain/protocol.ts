import { z } from 'zod';

/**
 * Device protocol v1 (docs/architecture.md, "Device protocol v1"): topics and message shapes. A contract
 * that devices, the simulators and outside tools rely on; one definition, used by the server
 * to parse and by the simulators to build messages.
 *
 * This file describes shape only. What is plausible (ranges, clock window, sizes) is judged by
 * the ingest validation, which reports each rejection with its reason.
 */
export const PROTOCOL_VERSION = 'v1';
export const TOPIC_ROOT = 'vigil/v1/devices';
export const MESSAGE_KINDS = ['readings', 'events', 'status'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

export const EVENT_TYPES = ['fall', 'bed_exit', 'bed_return', 'door_open', 'door_close', 'med_taken', 'med_missed', 'alarm_button', 'inactivity'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Limits of one MQTT message. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;
export const MAX_SAMPLES_PER_MESSAGE = 1000;
/** Deepest nesting of arrays and objects in a payload (an event's `data` is stored as jsonb). */
export const MAX_JSON_DEPTH = 32;

export const topicFor = (deviceId: string, kind: MessageKind | 'commands') => `${TOPIC_ROOT}/${deviceId}/${kind}`;

/** Subscriptions of the server (prefix with `$share/vigil/` on a broker with shared subscriptions). */
export const SERVER_SUBSCRIPTIONS = MESSAGE_KINDS.map((kind) => `${TOPIC_ROOT}/+/${kind}`);

const TOPIC = /^vigil\/v1\/devices\/([^/+#]+)\/(readings|events|status)$/;

/** Device ids are UUIDs (the devices table's key); anything else cannot be a device. */
export const DEVICE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The device id `text` names, in the one form the server keeps and compares ids in: lower
 * case, as PostgreSQL returns UUIDs (caches, connections, batch keys and `device.changed` then
 * agree however a device or an admin typed it). Undefined when `text` is no UUID.
 */
export function deviceIdOf(text: string): string | undefined {
  return DEVICE_ID.test(text) ? text.toLowerCase() : undefined;
}

/** The topic's device id (in its canonical form when it is a UUID, else as sent) and message kind. */
export function parseTopic(topic: string): { deviceId: string; kind: MessageKind } | undefined {
  const match = TOPIC.exec(topic);
  return match ? { deviceId: deviceIdOf(match[1]) ?? match[1], kind: match[2] as MessageKind } : undefined;
}

/** The last instant a JavaScript Date can hold (8.64e15 ms after 1970, +275760-09-13): later times cannot be stored or shown. */
export const MAX_TIMESTAMP_MS = 8.64e15;

/** ISO 8601 with an offset ("2026-11-29T10:00:00.000Z") or epoch milliseconds, a date JavaScript can hold. */
export const timestampSchema = z.union([
  z.iso.datetime({ offset: true }).refine((t) => Math.abs(Date.parse(t)) <= MAX_TIMESTAMP_MS, 'not a date JavaScript can hold'),
  z.number().int().nonnegative().max(MAX_TIMESTAMP_MS, `after the last date JavaScript can hold (${MAX_TIMESTAMP_MS} ms)`),
]);

export const sampleSchema = z.object({
  t: timestampSchema,
  m: z.record(z.string(), z.unknown()),
});

export const eventSchema = z.object({
  t: timestampSchema,
  type: z.enum(EVENT_TYPES),
  data: z.record(z.string(), z.unknown()).optional(),
});

export const statusSchema = z.object({
  t: timestampSchema.optional(),
  online: z.boolean(),
  battery: z.number().min(0).max(100).optional(),
  rssi: z.number().min(-150).max(0).optional(),
  fw: z.string().max(32).optional(),
});

/** What a device sends: `m` maps metric codes (see metric-catalogue.ts) to numbers. */
export interface Sample {
  t: string | number;
  m: Record<string, number>;
}
export type DeviceEvent = { t: string | number; type: EventType; data?: Record<string, unknown> };
export type DeviceStatus = z.infer<typeof statusSchema>;

/**
 * Why a message (or part of one) was rejected: stable codes, counted in /metrics
 * (`vigil_ingest_rejects_total{reason}`) and kept in `dead_letters.reason`. Documented in
 * docs/protocol.md; add codes, never rename one.
 */
export const REJECT_REASONS = [
  'bad_json',
  'bad_shape',
  'payload_too_large',
  'too_many_samples',
  'unknown_metric',
  'non_numeric_value',
  'implausible_value',
  'timestamp_in_future',
  'timestamp_too_old',
  'topic_mismatch',
  'unknown_topic',
  'unknown_device',
  'device_revoked',
  'device_unlinked',
  'processing_failed',
  'bad_encoding',
  'storage_refused',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** How far ahead of the server's clock a timestamp may be (device clocks drift). */
export const MAX_CLOCK_AHEAD_MS = 5 * 60 * 1000;

/** Epoch ms of a protocol timestamp. */
export const timestampMs = (t: string | number): number => (typeof t === 'number' ? t : Date.parse(t));
