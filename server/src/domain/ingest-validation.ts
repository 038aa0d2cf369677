import { isMetricCode, METRICS, type MetricCode } from './metric-catalogue.js';
import {
  type EventType,
  eventSchema,
  MAX_CLOCK_AHEAD_MS,
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

/** Out-of-window reason for a timestamp, or undefined when it is acceptable. */
function timeProblem(time: number, context: ValidationContext): RejectReason | undefined {
  if (time > context.now + MAX_CLOCK_AHEAD_MS) return 'timestamp_in_future';
  if (time < context.now - context.retentionMs) return 'timestamp_too_old';
  return undefined;
}

/** Parses the payload as JSON; the byte limit is checked first so a huge payload is never parsed. */
function readJson(payload: Uint8Array | string): { value: unknown } | ValidatedMessage {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  if (size > MAX_PAYLOAD_BYTES) return whole('payload_too_large', `${size} bytes; the limit is ${MAX_PAYLOAD_BYTES}`);
  const text = typeof payload === 'string' ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return whole('bad_json', (error as Error).message);
  }
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
    const parsed = sampleSchema.safeParse(sample);
    if (!parsed.success) return log.add('bad_shape', firstIssue(parsed.error, where));
    const time = timestampMs(parsed.data.t);
    if (Number.isNaN(time)) return log.add('bad_shape', `${where ? where + '.' : ''}t: ${JSON.stringify(parsed.data.t)} is not a date`);
    const late = timeProblem(time, context);
    if (late) return log.add(late, `${where ? where + '.' : ''}t=${new Date(time).toISOString()}`);
    const entries = Object.entries(parsed.data.m);
    if (entries.length === 0) return log.add('bad_shape', `${where ? where + '.' : ''}m: no metrics`);
    for (const [code, value] of entries) {
      const at = `${where ? where + '.' : ''}m.${code}`;
      if (!isMetricCode(code)) {
        log.add('unknown_metric', `${at}: "${code}" is not in the metric catalogue`);
      } else if (typeof value !== 'number' || !Number.isFinite(value)) {
        log.add('non_numeric_value', `${at}=${JSON.stringify(value) ?? String(value)}`);
      } else {
        const [min, max] = METRICS[code].range;
        if (value < min || value > max) log.add('implausible_value', `${at}=${value} outside ${min}–${max}`);
        else points.push({ time, metric: code, value });
      }
    }
  });
  return { points, rejections: log.list() };
}

function validateEvent(body: unknown, context: ValidationContext): ValidatedMessage {
  const parsed = eventSchema.safeParse(body);
  if (!parsed.success) return whole('bad_shape', firstIssue(parsed.error));
  const time = timestampMs(parsed.data.t);
  if (Number.isNaN(time)) return whole('bad_shape', `t: ${JSON.stringify(parsed.data.t)} is not a date`);
  const late = timeProblem(time, context);
  if (late) return whole(late, `t=${new Date(time).toISOString()}`);
  return { points: [], event: { time, type: parsed.data.type, data: parsed.data.data ?? {} }, rejections: [] };
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

const EXCERPT_CHARS = 512;

/** The start of a payload as text, for the dead-letter table. */
export function payloadExcerpt(payload: Uint8Array | string): string {
  const text =
    typeof payload === 'string'
      ? payload.slice(0, EXCERPT_CHARS * 4)
      : Buffer.from(payload.buffer, payload.byteOffset, Math.min(payload.byteLength, EXCERPT_CHARS * 4)).toString('utf8');
  // Postgres text cannot hold NUL bytes.
  return text.slice(0, EXCERPT_CHARS).replaceAll('\u0000', '\uFFFD');
}
