import { isUtf8 } from 'node:buffer';
import type { DeadLetter, MessageOrigin } from './ingest-batch.js';
import { isMetricCode, METRICS, type MetricCode } from './metric-catalogue.js';
import { toStorableJson, toStorableText } from './text.js';
import {
  type EventType,
  eventSchema,
  MAX_CLOCK_AHEAD_MS,
  MAX_JSON_DEPTH,
  MAX_PAYLOAD_BYTES,
  MAX_SAMPLES_PER_MESSAGE,
  type MessageKind,
  type RejectReason,
  sampleSchema,
  statusSchema,
  timestampMs,
} from './protocol.js';

/**
 * Judges one device message against protocol v1 and the metric catalogue: what may be stored,
 * and each rejection with its reason. Pure: the clock and the retention window come in.
 *
 * A message that cannot be read as a whole (bad JSON, wrong shape, too large, too many
 * samples) is rejected whole. Inside a readable message, each value and each sample is judged
 * on its own: a sample with one implausible value still stores its other values, because a
 * glitch in one sensor channel must not lose the readings of the others.
 *
 * Text (domain/text.ts): a payload that is not valid UTF-8 is rejected whole (`bad_encoding`);
 * in a readable one every string (keys too) has U+0000 and lone surrogates replaced by U+FFFD
 * before anything is judged or stored, so no `text` or `jsonb` column receives what PostgreSQL
 * refuses. Nesting deeper than MAX_JSON_DEPTH is `bad_shape`.
 */

export interface Point {
  /** Epoch ms. */
  time: number;
  metric: MetricCode;
  value: number;
}

export interface EventRecord {
  time: number;
  type: EventType;
  data: Record<string, unknown>;
}

export interface StatusRecord {
  online: boolean;
  battery?: number;
  rssi?: number;
  fw?: string;
}

export interface Rejection {
  reason: RejectReason;
  /** What was wrong, for the dead-letter table: the first few cases and how many in all. */
  detail: string;
}

export interface ValidatedMessage {
  points: Point[];
  event?: EventRecord;
  status?: StatusRecord;
  rejections: Rejection[];
}

export interface ValidationContext {
  /** Server time, epoch ms. */
  now: number;
  /** Readings older than now − retention are rejected (they would be dropped at once). */
  retentionMs: number;
}

const EXAMPLES_PER_REASON = 3;

/** Collects rejections, one entry per reason with a count and the first few examples. */
class RejectionLog {
  private readonly byReason = new Map<RejectReason, { count: number; examples: string[] }>();

  add(reason: RejectReason, example: string): void {
    let entry = this.byReason.get(reason);
    if (!entry) this.byReason.set(reason, (entry = { count: 0, examples: [] }));
    entry.count++;
    if (entry.examples.length < EXAMPLES_PER_REASON) entry.examples.push(example);
  }

  list(): Rejection[] {
    return [...this.byReason].map(([reason, { count, examples }]) => ({
      reason,
      detail: examples.join('; ') + (count > examples.length ? `; and ${count - examples.length} more` : ''),
    }));
  }
}

const whole = (reason: RejectReason, detail: string): ValidatedMessage => ({ points: [], rejections: [{ reason, detail }] });

function firstIssue(error: { issues: Array<{ path: PropertyKey[]; message: string }> }, prefix = ''): string {
  const issue = error.issues[0];
  const where = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  return where ? `${where}: ${issue.message}` : issue.message;
}

/**
 * The epoch ms of a timestamp the shape check has passed (so a date JavaScript can hold), or
 * its rejection when it lies outside the clock window. `at` says where it is ("[2]." or "").
 */
function checkTime(t: string | number, at: string, context: ValidationContext): number | Rejection {
  const time = timestampMs(t);
  const reason: RejectReason | undefined =
    time > context.now + MAX_CLOCK_AHEAD_MS ? 'timestamp_in_future' : time < context.now - context.retentionMs ? 'timestamp_too_old' : undefined;
  return reason ? { reason, detail: `${at}t=${new Date(time).toISOString()}` } : time;
}

/** True when `value` nests arrays and objects deeper than `limit` (never recurses past it). */
function nestedDeeper(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (limit === 0) return true;
  return Object.values(value).some((item) => nestedDeeper(item, limit - 1));
}

/**
 * Where `value` holds a key "__proto__" (`data.a.0.__proto__`), if anywhere. JSON.parse makes it
 * an own key, but every copy of the object made by assignment (zod's record schema in the
 * history response, a client's merge) sets the copy's prototype instead: the key is lost, and a
 * deep merge pollutes the client's prototypes. Bounded by MAX_JSON_DEPTH, checked before.
 */
function protoKeyPath(value: unknown, at: string): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  for (const key of Object.keys(value)) {
    if (key === '__proto__') return `${at}.__proto__`;
    const found = protoKeyPath((value as Record<string, unknown>)[key], `${at}.${key}`);
    if (found) return found;
  }
  return undefined;
}

/**
 * Parses the payload as JSON with storable strings; the byte limit is checked first so a huge
 * payload is never parsed, and the encoding before parsing, so no bad byte is silently replaced.
 */
function readJson(payload: Uint8Array | string): { value: unknown } | ValidatedMessage {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  if (size > MAX_PAYLOAD_BYTES) return whole('payload_too_large', `${size} bytes; the limit is ${MAX_PAYLOAD_BYTES}`);
  if (typeof payload !== 'string' && !isUtf8(payload)) return whole('bad_encoding', `the payload (${size} bytes) is not valid UTF-8`);
  const text = typeof payload === 'string' ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return whole('bad_json', (error as Error).message);
  }
  if (nestedDeeper(value, MAX_JSON_DEPTH)) return whole('bad_shape', `nested deeper than ${MAX_JSON_DEPTH} levels`);
  return { value: toStorableJson(value) };
}

function validateReadings(body: unknown, context: ValidationContext): ValidatedMessage {
  const samples = Array.isArray(body) ? body : [body];
  if (samples.length === 0) return whole('bad_shape', 'an empty array has no samples');
  if (samples.length > MAX_SAMPLES_PER_MESSAGE) {
    return whole('too_many_samples', `${samples.length} samples; the limit is ${MAX_SAMPLES_PER_MESSAGE}`);
  }
  const log = new RejectionLog();
  const points: Point[] = [];
  samples.forEach((sample: unknown, index) => {
    const where = Array.isArray(body) ? `[${index}]` : '';
    const at = where && `${where}.`;
    const parsed = sampleSchema.safeParse(sample);
    if (!parsed.success) return log.add('bad_shape', firstIssue(parsed.error, where));
    const time = checkTime(parsed.data.t, at, context);
    if (typeof time !== 'number') return log.add(time.reason, time.detail);
    // The keys as sent, not zod's copy: that copy is built by assignment, which drops a key "__proto__".
    const entries = Object.entries((sample as { m: Record<string, unknown> }).m);
    if (entries.length === 0) return log.add('bad_shape', `${at}m: no metrics`);
    for (const [code, value] of entries) {
      const field = `${at}m.${code}`;
      if (!isMetricCode(code)) {
        log.add('unknown_metric', `${field}: "${code}" is not in the metric catalogue`);
      } else if (typeof value !== 'number' || !Number.isFinite(value)) {
        log.add('non_numeric_value', `${field}=${JSON.stringify(value) ?? String(value)}`);
      } else {
        const [min, max] = METRICS[code].range;
        if (value < min || value > max) log.add('implausible_value', `${field}=${value} outside ${min}–${max}`);
        else points.push({ time, metric: code, value });
      }
    }
  });
  return { points, rejections: log.list() };
}

function validateEvent(body: unknown, context: ValidationContext): ValidatedMessage {
  const parsed = eventSchema.safeParse(body);
  if (!parsed.success) return whole('bad_shape', firstIssue(parsed.error));
  const time = checkTime(parsed.data.t, '', context);
  if (typeof time !== 'number') return whole(time.reason, time.detail);
  // `data` as sent (zod's copy would drop a key "__proto__"): JSON.parse made it a plain object of own keys.
  const data = (body as { data?: Record<string, unknown> }).data ?? {};
  const proto = protoKeyPath(data, 'data');
  if (proto) return whole('bad_shape', `${proto}: the key "__proto__" is not accepted (JavaScript objects cannot keep it as data)`);
  return { points: [], event: { time, type: parsed.data.type, data }, rejections: [] };
}

function validateStatus(body: unknown): ValidatedMessage {
  const parsed = statusSchema.safeParse(body);
  if (!parsed.success) return whole('bad_shape', firstIssue(parsed.error));
  const { online, battery, rssi, fw } = parsed.data;
  return { points: [], status: { online, battery, rssi, fw }, rejections: [] };
}

export function validateMessage(kind: MessageKind, payload: Uint8Array | string, context: ValidationContext): ValidatedMessage {
  const json = readJson(payload);
  if (!('value' in json)) return json;
  switch (kind) {
    case 'readings':
      return validateReadings(json.value, context);
    case 'events':
      return validateEvent(json.value, context);
    case 'status':
      return validateStatus(json.value);
  }
}

/** Bytes of a payload kept in a dead letter. */
export const EXCERPT_BYTES = 512;

/** The first bytes of a payload as they arrived (stored as `bytea`: no byte sequence can fail the insert). */
export function payloadExcerpt(payload: Uint8Array | string): Uint8Array {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return Uint8Array.prototype.slice.call(bytes, 0, EXCERPT_BYTES);
}

const MAX_TOPIC_CHARS = 256;
const MAX_DETAIL_CHARS = 1000;

/** A dead-letter row for a message and one rejection, its text made storable and bounded. */
export function deadLetterOf(origin: MessageOrigin, rejection: Rejection): DeadLetter {
  return {
    receivedAt: origin.receivedAt,
    topic: toStorableText(origin.topic.slice(0, MAX_TOPIC_CHARS)),
    deviceId: origin.deviceId === null ? null : toStorableText(origin.deviceId.slice(0, MAX_TOPIC_CHARS)),
    reason: rejection.reason,
    detail: toStorableText(rejection.detail.slice(0, MAX_DETAIL_CHARS)),
    payloadExcerpt: origin.payloadExcerpt,
  };
}
