import { expect } from '@jest/globals';
import fc from 'fast-check';
import type { MqttClient } from 'mqtt';
import { topicFor } from '../../server/src/domain/protocol.js';
import { connectDevice } from '../../simulators/src/devices/mqtt-link.js';
import { metric, type TestDevice } from '../support/devices.js';
import { sql, type TestPlatform } from '../support/platform.js';
import { waitFor } from '../support/wait.js';
import { anyChar } from '../support/poison.js';
import { FULL } from './fleet.js';

/**
 * Bad input, fuzzed through a real broker (fuzz-ingest.test.ts: the embedded one;
 * fuzz-mosquitto.test.ts: Mosquitto on the shipped configuration): generated and mutated device
 * messages (valid, truncated, wrong types, huge, deeply nested, binary, duplicate keys,
 * NaN/Infinity, timestamps at the edges, wrong topics). The server must neither crash nor stall,
 * and what it stored and rejected must add up to what was sent: every valid value stored once,
 * every rejection a dead letter with its reason and the message's first bytes, and the reject
 * counters in step. What each message must become is known by construction from the protocol
 * (docs/protocol.md), never by asking the code under test.
 *
 * `npm test`: 4 runs of 250 messages. `npm run test:chaos` (VIGIL_CHAOS=full): 200 runs of 500,
 * 100,000 messages. VIGIL_FUZZ_SEED replays a failing run.
 */
export const FUZZ_SIZE = FULL ? { runs: 200, messages: 500 } : { runs: 4, messages: 250 };
const SEED = process.env.VIGIL_FUZZ_SEED === undefined ? undefined : Number(process.env.VIGIL_FUZZ_SEED);

type Reason = string;
interface Outcome {
  /** Readings rows this message must store. */
  readings: number;
  /** An event row it must store. */
  event: boolean;
  /** One dead letter per reason. */
  reasons: Reason[];
}
/**
 * How a broker turns a message away before Vigil sees it, on a connection of its own:
 * - `topic`: a protocol-valid topic this device may not publish on (another device's, or none of
 *   the protocol's). The embedded broker refuses it itself (no PUBACK, connection closed) and
 *   dead-letters it with the message's `outcome`; Mosquitto's ACL drops it (a v3.1.1 PUBACK, and
 *   nothing delivered), so Vigil never sees it;
 * - `malformed`: a topic that is no valid MQTT topic name (U+0000, control characters,
 *   non-characters, wildcards): Mosquitto closes the connection (MQTT 3.1.1, 4.7.3 and 1.5.3);
 * - `oversize`: a packet past Mosquitto's max_packet_size: it closes the connection.
 * The last two are sent to Mosquitto only.
 */
export type Refusal = 'topic' | 'malformed' | 'oversize';
interface Message {
  refused?: Refusal;
  topic: string;
  payload: Buffer;
  outcome: Outcome;
}
/** A message for device `self` whose unique times start at `t` (epoch ms; it takes `times` of them, a second apart); `i` is its index in the run. */
interface Template {
  times: number;
  build(self: string, other: string, t: number, now: number, i: number): Message;
}

const DAY = 86_400_000;
export const RETENTION_DAYS = 730; // VIGIL_RETENTION_DAYS's default
// Plausible ranges from the metric catalogue (docs/protocol.md, "Messages").
const RANGES = { hr: [20, 300], spo2: [50, 100], rr: [2, 80], temp: [30, 45] } as const;
type Code = keyof typeof RANGES;
const CODES = Object.keys(RANGES) as Code[];
const EVENT_TYPES = ['fall', 'bed_exit', 'bed_return', 'door_open', 'door_close', 'med_taken', 'med_missed', 'alarm_button', 'inactivity'];
const KNOWN_METRICS = ['hr', 'spo2', 'rr', 'temp', 'sbp', 'dbp', 'weight', 'glucose', 'o2', 'acvpu'];

const ok = (readings: number, event = false): Outcome => ({ readings, event, reasons: [] });
const rejected = (...reasons: Reason[]): Outcome => ({ readings: 0, event: false, reasons });
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const on = (kind: 'readings' | 'events' | 'status') => (self: string) => topicFor(self, kind);

const anyString = fc.string({ unit: anyChar, maxLength: 30 });
const anyJson = fc.jsonValue({ maxDepth: 4, stringUnit: anyChar });

/** A value in the metric's plausible range (both ends inclusive). */
const inRange = (code: Code) => fc.double({ min: RANGES[code][0], max: RANGES[code][1], noNaN: true, noDefaultInfinity: true });
const validValues = fc
  .uniqueArray(fc.constantFrom(...CODES), { minLength: 1, maxLength: 4 })
  .chain((codes) =>
    fc.tuple(...codes.map((code) => inRange(code).map((value) => [code, value] as const))).map((pairs) => Object.fromEntries(pairs) as Record<string, number>),
  );

/** The time as epoch ms or as ISO 8601 with some offset (the same instant). */
const timeForms = fc.constantFrom('ms', 'Z', '+01:00', '-11:30', '+14:00');
function formatTime(t: number, form: string): number | string {
  if (form === 'ms') return t;
  if (form === 'Z') return new Date(t).toISOString();
  const sign = form[0] === '+' ? 1 : -1;
  const minutes = sign * (Number(form.slice(1, 3)) * 60 + Number(form.slice(4, 6)));
  return new Date(t + minutes * 60_000).toISOString().replace('Z', form);
}

/** One reading, valid, possibly with junk fields beside it. */
const validSample = fc.record({ m: validValues, form: timeForms, junk: fc.option(anyJson, { nil: undefined }) });
const sampleAt = (s: { m: Record<string, number>; form: string; junk?: unknown }, t: number) => ({
  t: formatTime(t, s.form),
  m: s.m,
  ...(s.junk === undefined ? {} : { junk: s.junk }),
});

/** Values a metric may not hold, each with its reason. */
const badValue = fc.oneof(
  fc.constantFrom<[string, unknown, Reason]>(
    ['hr', 301, 'implausible_value'],
    ['spo2', 49.999, 'implausible_value'],
    ['temp', -1e308, 'implausible_value'],
    ['rr', '12', 'non_numeric_value'],
    ['hr', null, 'non_numeric_value'],
    ['spo2', true, 'non_numeric_value'],
    ['temp', { v: 37 }, 'non_numeric_value'],
    ['rr', [12], 'non_numeric_value'],
    ['HR', 70, 'unknown_metric'],
    ['__proto__', 70, 'unknown_metric'],
    ['constructor', 70, 'unknown_metric'],
    ['toString', 70, 'unknown_metric'],
  ),
  anyString.filter((key) => !KNOWN_METRICS.includes(key)).map((key): [string, unknown, Reason] => [key, 70, 'unknown_metric']),
);

/** A valid reading padded with a string field to `size` bytes in all. */
function padded(t: number, size: number): Buffer {
  const head = `{"t":${t},"m":{"hr":70},"pad":"`;
  return Buffer.from(head + 'x'.repeat(size - head.length - 2) + '"}');
}

/** Line noise with at least one 0xFF byte: never UTF-8. */
const binary = fc.tuple(fc.uint8Array({ maxLength: 600 }), fc.nat()).map(([bytes, at]) => {
  const out = Buffer.from(bytes);
  const index = bytes.length ? at % bytes.length : 0;
  return Buffer.concat([out.subarray(0, index), Buffer.from([0xff]), out.subarray(index)]);
});

const wrongTime = fc.constantFrom<unknown>('yesterday', true, null, {}, [], -1, 1.5, 8.64e15 + 1, '2026-11-29T10:00:00', '2026-11-29', '');
const wrongBody = fc.constantFrom<unknown>(0, 'hr', null, true, [], {}, { m: { hr: 70 } });

const templates: fc.Arbitrary<Template> = fc.oneof(
  // Valid: one sample, then an array of samples, a second apart.
  {
    weight: 6,
    arbitrary: validSample.map((s): Template => ({
      times: 1,
      build: (self, _o, t) => ({ topic: on('readings')(self), payload: json(sampleAt(s, t)), outcome: ok(Object.keys(s.m).length) }),
    })),
  },
  {
    weight: 3,
    arbitrary: fc.array(validSample, { minLength: 1, maxLength: 30 }).map((list): Template => ({
      times: list.length,
      build: (self, _o, t) => ({
        topic: on('readings')(self),
        payload: json(list.map((s, i) => sampleAt({ ...s, junk: undefined }, t + i * 1000))), // no junk: 30 samples stay under 64 KiB
        outcome: ok(list.reduce((n, s) => n + Object.keys(s.m).length, 0)),
      }),
    })),
  },
  // Valid values beside bad ones: the valid ones stored, one dead letter per reason.
  {
    weight: 4,
    arbitrary: fc
      .record({ s: validSample, bad: fc.uniqueArray(badValue, { minLength: 1, maxLength: 4, selector: ([key]) => key }) })
      .map(({ s, bad }): Template => {
        const good = Object.fromEntries(Object.entries(s.m).filter(([code]) => !bad.some(([key]) => key === code)));
        return {
          times: 1,
          build: (self, _o, t) => ({
            topic: on('readings')(self),
            payload: json({ t, m: { ...good, ...Object.fromEntries(bad.map(([key, value]) => [key, value])) } }),
            outcome: { readings: Object.keys(good).length, event: false, reasons: [...new Set(bad.map(([, , reason]) => reason))] },
          }),
        };
      }),
  },
  // Truncated: a prefix of a valid message is never JSON.
  {
    weight: 3,
    arbitrary: fc
      .record({ s: validSample, cut: fc.nat(), kind: fc.constantFrom('readings' as const, 'events' as const) })
      .map(({ s, cut, kind }): Template => ({
        times: 1,
        build: (self, _o, t) => {
          // Cut as text: a cut inside a UTF-8 sequence would be bad_encoding instead (the encoding is judged first).
          const whole = JSON.stringify(kind === 'readings' ? sampleAt(s, t) : { t, type: 'fall', data: { junk: s.junk ?? null } });
          return { topic: on(kind)(self), payload: Buffer.from(whole.slice(0, cut % whole.length)), outcome: rejected('bad_json') };
        },
      })),
  },
  // Binary, and text that is no JSON, on every device topic.
  {
    weight: 2,
    arbitrary: fc
      .record({ bytes: binary, kind: fc.constantFrom('readings' as const, 'events' as const, 'status' as const) })
      .map(({ bytes, kind }): Template => ({
        times: 0,
        build: (self) => ({ topic: on(kind)(self), payload: bytes, outcome: rejected('bad_encoding') }),
      })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ text: anyString, kind: fc.constantFrom('readings' as const, 'events' as const, 'status' as const) })
      .map(({ text, kind }): Template => ({
        times: 0,
        build: (self) => ({ topic: on(kind)(self), payload: Buffer.from(`#${text}`), outcome: rejected('bad_json') }),
      })),
  },
  // Wrong types: a time, `m` or the whole body of the wrong kind; inside an array only that sample is rejected.
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        wrongTime.map((t) => (at: number) => ({ t, m: { hr: 70 + (at % 100) } })),
        fc.constantFrom<unknown>([], 'hr', 5, null, {}).map((m) => (at: number) => ({ t: at, m })),
        wrongBody.map((body) => () => body),
      )
      .map((make): Template => ({
        times: 1,
        build: (self, _o, t) => ({ topic: on('readings')(self), payload: json(make(t)), outcome: rejected('bad_shape') }),
      })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ s: validSample, bad: wrongTime.chain((t) => fc.constantFrom<unknown>({ t, m: { hr: 70 } }, 7, null, 'x')) })
      .map(({ s, bad }): Template => ({
        times: 1,
        build: (self, _o, t) => ({
          topic: on('readings')(self),
          payload: json([sampleAt(s, t), bad]),
          outcome: { readings: Object.keys(s.m).length, event: false, reasons: ['bad_shape'] },
        }),
      })),
  },
  // Huge: past 64 KiB, or more than 1,000 samples.
  {
    weight: 1,
    arbitrary: fc.integer({ min: 65_537, max: 90_000 }).map((size): Template => ({
      times: 1,
      build: (self, _o, t) => ({ topic: on('readings')(self), payload: padded(t, size), outcome: rejected('payload_too_large') }),
    })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1001, max: 1500 }).map((n): Template => ({
      times: 0,
      build: (self) => ({
        topic: on('readings')(self),
        payload: Buffer.from(`[${Array(n).fill('{"t":1,"m":{}}').join(',')}]`),
        outcome: rejected('too_many_samples'),
      }),
    })),
  },
  // Deeply nested (past 32 levels), as a whole message or in an event's data.
  {
    weight: 2,
    arbitrary: fc
      .record({ depth: fc.integer({ min: 33, max: 3000 }), object: fc.boolean(), kind: fc.constantFrom('readings' as const, 'events' as const) })
      .map(({ depth, object, kind }): Template => ({
        times: 1,
        build: (self, _o, t) => {
          const [open, close] = object ? ['{"a":', '}'] : ['[', ']'];
          const nested = open.repeat(depth) + '1' + close.repeat(depth);
          const text = kind === 'readings' ? nested : `{"t":${t},"type":"fall","data":{"deep":${nested}}}`;
          return { topic: on(kind)(self), payload: Buffer.from(text), outcome: rejected('bad_shape') };
        },
      })),
  },
  // Duplicate keys: JSON.parse keeps the last (ECMA-262, JSON.parse: a later member overwrites an earlier one).
  {
    weight: 2,
    arbitrary: fc.record({ value: inRange('hr'), order: fc.constantFrom('time', 'value-last-good', 'value-last-bad') }).map(({ value, order }): Template => ({
      times: 1,
      build: (self, _o, t) => {
        const text =
          order === 'time'
            ? `{"t":"never","m":{"hr":999},"t":${t},"m":{"hr":${value}}}`
            : order === 'value-last-good'
              ? `{"t":${t},"m":{"hr":999,"hr":${value}}}`
              : `{"t":${t},"m":{"hr":${value},"hr":999}}`;
        return {
          topic: on('readings')(self),
          payload: Buffer.from(text),
          outcome: order === 'value-last-bad' ? rejected('implausible_value') : ok(1),
        };
      },
    })),
  },
  // NaN and Infinity are no JSON; 1e400 is JSON, and parses to Infinity: not a finite number.
  {
    weight: 1,
    arbitrary: fc.constantFrom('NaN', 'Infinity', '-Infinity', 'undefined', '0x10', '1e400', '-1e400').map((literal): Template => ({
      times: 1,
      build: (self, _o, t) => ({
        topic: on('readings')(self),
        payload: Buffer.from(`{"t":${t},"m":{"hr":${literal}}}`),
        outcome: literal.includes('e400') ? rejected('non_numeric_value') : rejected('bad_json'),
      }),
    })),
  },
  // Timestamps at the edges: the epoch, the last date JavaScript holds, an hour ahead, past the retention window; and just inside both.
  {
    weight: 3,
    arbitrary: fc.constantFrom('epoch', 'last', 'hour-ahead', 'too-old', 'minute-ahead', 'nearly-too-old').map((edge): Template => ({
      times: 1,
      build: (self, _o, _t, now, i) => {
        // `i` ms apart: the valid ones have times of their own.
        const time = {
          epoch: 0,
          last: 8.64e15,
          'hour-ahead': now + 3_600_000 + i,
          'too-old': now - (RETENTION_DAYS + 1) * DAY - i,
          'minute-ahead': now + 60_000 + i,
          'nearly-too-old': now - (RETENTION_DAYS - 1) * DAY + i,
        }[edge];
        const outcome = {
          epoch: rejected('timestamp_too_old'),
          last: rejected('timestamp_in_future'),
          'hour-ahead': rejected('timestamp_in_future'),
          'too-old': rejected('timestamp_too_old'),
          'minute-ahead': ok(1),
          'nearly-too-old': ok(1),
        }[edge];
        return { topic: on('readings')(self), payload: json({ t: time, m: { hr: 72 } }), outcome };
      },
    })),
  },
  // Events: valid with any data (U+0000, lone surrogates, huge numbers), and of the wrong shape.
  {
    weight: 4,
    arbitrary: fc
      .record({
        type: fc.constantFrom(...EVENT_TYPES),
        data: fc.option(fc.dictionary(anyString, anyJson, { maxKeys: 5 }), { nil: undefined }),
        form: timeForms,
      })
      .map(({ type, data, form }): Template => ({
        times: 1,
        build: (self, _o, t) => ({
          topic: on('events')(self),
          payload: json({ t: formatTime(t, form), type, ...(data ? { data } : {}) }),
          outcome: holdsProtoKey(data) ? rejected('bad_shape') : ok(0, true),
        }),
      })),
  },
  // A key "__proto__" anywhere in an event's data (JSON text: an own key, as a device sends it).
  {
    weight: 1,
    arbitrary: fc.record({ value: anyJson, depth: fc.nat({ max: 5 }), array: fc.boolean() }).map(({ value, depth, array }): Template => ({
      times: 1,
      build: (self, _o, t) => {
        const [open, close] = array ? ['[{"a":', '}]'] : ['{"a":', '}'];
        const inner = `{"note":"n","__proto__":${JSON.stringify(value)}}`;
        const data = open.repeat(depth) + inner + close.repeat(depth);
        return {
          topic: on('events')(self),
          payload: Buffer.from(`{"t":${t},"type":"fall","data":${depth ? `{"x":${data}}` : data}}`),
          outcome: rejected('bad_shape'),
        };
      },
    })),
  },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        anyString.filter((type) => !EVENT_TYPES.includes(type)).map((type) => (t: number) => ({ t, type })),
        fc.constantFrom<unknown>([], 'x', 5, null).map((data) => (t: number) => ({ t, type: 'fall', data })),
        wrongTime.map((time) => () => ({ t: time, type: 'fall' })),
        fc.constant(() => ({ type: 'fall' })),
      )
      .map((make): Template => ({
        times: 1,
        build: (self, _o, t) => ({ topic: on('events')(self), payload: json(make(t)), outcome: rejected('bad_shape') }),
      })),
  },
  // Status: valid, and out of its bounds.
  {
    weight: 2,
    arbitrary: fc
      .record({
        online: fc.boolean(),
        battery: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
        fw: fc.option(
          anyString.filter((fw) => fw.length <= 32),
          { nil: undefined },
        ),
      })
      .map((status): Template => ({ times: 0, build: (self) => ({ topic: on('status')(self), payload: json(status), outcome: ok(0) }) })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom<unknown>({}, { online: 'true' }, { online: true, battery: 101 }, { online: true, rssi: 1 }, { online: true, fw: 'x'.repeat(33) }, [], 1)
      .map((status): Template => ({
        times: 0,
        build: (self) => ({ topic: on('status')(self), payload: json(status), outcome: rejected('bad_shape') }),
      })),
  },
  // Wrong topics: another device's, or no protocol topic at all. Refused, not acknowledged, dead-lettered.
  {
    weight: 1,
    arbitrary: fc.constantFrom('other-device', 'commands', 'extra-level', 'v2', 'bare').map((where): Template => ({
      times: 1,
      build: (self, other, t) => ({
        refused: 'topic',
        topic: {
          'other-device': topicFor(other, 'readings'),
          commands: topicFor(self, 'commands'),
          'extra-level': `${topicFor(self, 'readings')}/x`,
          v2: `vigil/v2/devices/${self}/readings`,
          bare: `${self}/readings`,
        }[where],
        payload: json({ t, m: { hr: 70 } }),
        outcome: rejected(where === 'other-device' ? 'topic_mismatch' : 'unknown_topic'),
      }),
    })),
  },
);

/**
 * A counter from /metrics. Once, at run 93 of the full size, undici reused a keep-alive connection
 * the server had just closed as idle ("other side closed"): that request is sent again once.
 */
async function counter(baseUrl: string, reason: string): Promise<number> {
  try {
    return await metric(baseUrl, 'vigil_ingest_rejects_total', { reason });
  } catch (error) {
    if (!/other side closed/.test(String((error as { cause?: unknown }).cause))) throw error;
    return metric(baseUrl, 'vigil_ingest_rejects_total', { reason });
  }
}

/** The protocol refuses event data holding a key "__proto__" at any depth (docs/protocol.md). */
function holdsProtoKey(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  return Object.keys(value).some((key) => key === '__proto__' || holdsProtoKey((value as Record<string, unknown>)[key]));
}

const hex = (bytes: Buffer) => bytes.subarray(0, 512).toString('hex');
const sortedPairs = (pairs: Array<[string, string]>) => pairs.map(([bytes, reason]) => `${reason} ${bytes}`).sort();

/** Publishes at QoS 1; resolves at the PUBACK. */
const publishOne = (client: MqttClient, message: Message) => client.publishAsync(message.topic, message.payload, { qos: 1 });

/**
 * What only Mosquitto refuses (the embedded broker is not sent these): topics that are no valid
 * MQTT topic name, and packets past its max_packet_size. Both close the connection, no PUBACK.
 */
export function brokerRefusals(maxPacketSize: number): fc.Arbitrary<Template> {
  return fc.oneof(
    {
      weight: 2,
      arbitrary: fc.constantFrom('\u0000', '\u0001', '\u001f', '\u007f', '\u009f', '\ufdd0', '\uffff', '+', '#').map((bad): Template => ({
        times: 1,
        build: (self, _o, t) => ({
          refused: 'malformed',
          topic: bad === '+' || bad === '#' ? topicFor(bad, 'readings') : `${topicFor(self, 'readings')}${bad}`,
          payload: json({ t, m: { hr: 70 } }),
          outcome: ok(0),
        }),
      })),
    },
    {
      // Rare: each is a megabyte. The payload alone is past the limit.
      weight: 1,
      arbitrary: fc.integer({ min: 1, max: 4096 }).map((over): Template => ({
        times: 1,
        build: (self, _o, t) => ({ refused: 'oversize', topic: on('readings')(self), payload: padded(t, maxPacketSize + over), outcome: ok(0) }),
      })),
    },
  );
}

/** On a connection of its own: the embedded broker closes it without a PUBACK. */
async function publishRefused(url: string, device: TestDevice, message: Message): Promise<void> {
  const client = await connectDevice(url, device);
  try {
    client.publish(message.topic, message.payload, { qos: 1 }, () => undefined);
    await waitFor(
      () => client.connected,
      (connected) => !connected,
      30_000,
      `the broker closing the connection that published on ${message.topic}`,
    );
  } finally {
    client.end(true);
  }
}

/**
 * On a connection of its own, to Mosquitto: a topic its ACL denies is acknowledged (MQTT 3.1.1
 * has no way to say no) and dropped; a malformed topic or an oversize packet closes the
 * connection without a PUBACK.
 */
async function publishTurnedAway(url: string, device: TestDevice, message: Message): Promise<void> {
  const client = await connectDevice(url, device);
  try {
    if (message.refused === 'topic') {
      await client.publishAsync(message.topic, message.payload, { qos: 1 });
      return;
    }
    let acked = false;
    client.publish(message.topic, message.payload, { qos: 1 }, (error) => (acked = !error));
    await waitFor(
      () => client.connected,
      (connected) => !connected,
      30_000,
      `Mosquitto closing the connection that sent a ${message.refused} message`,
    );
    expect({ refused: message.refused, acked }).toEqual({ refused: message.refused, acked: false });
  } finally {
    client.end(true);
  }
}

export interface FuzzTarget {
  broker: 'embedded' | 'mosquitto';
  platform: TestPlatform;
  /** Where devices connect. */
  url: string;
  /** A device of its own for each run. */
  device(): Promise<TestDevice>;
  /** A device no message may be stored for (others' topics name it). */
  other: TestDevice;
  /** Mosquitto's max_packet_size: oversize messages are sent past it. */
  maxPacketSize?: number;
}

/** Messages by what became of them (stored: all of it taken; rejected: a dead letter for at least a part), and the rows. */
export interface FuzzCounts {
  sent: number;
  stored: number;
  rejected: number;
  brokerRefused: number;
  readings: number;
  events: number;
  deadLetters: number;
}

/**
 * FUZZ_SIZE.runs property runs of FUZZ_SIZE.messages messages each, through `target`'s broker; per run
 * the readings, events and dead letters (reason and first bytes, message by message) must be
 * exactly what the messages' outcomes say, and the reject counters in step. Messages the broker
 * turns away never reach Vigil: counted as `brokerRefused`, and they must leave no trace.
 * Afterwards the server is ready and stores a reading sent now.
 */
export async function fuzzDeviceMessages(target: FuzzTarget): Promise<FuzzCounts> {
  const { platform, other } = target;
  const mosquitto = target.broker === 'mosquitto';
  const all = mosquitto ? fc.oneof({ weight: 40, arbitrary: templates }, { weight: 1, arbitrary: brokerRefusals(target.maxPacketSize!) }) : templates;
  const counts: FuzzCounts = { sent: 0, stored: 0, rejected: 0, brokerRefused: 0, readings: 0, events: 0, deadLetters: 0 };
  const rejectsBefore = new Map<string, number>();
  await fc.assert(
    // Each run's messages come from a seed of its own, so a failure reports that seed rather than 500 messages.
    fc.asyncProperty(fc.integer(), async (runSeed) => {
      const [list] = fc.sample(fc.array(all, { minLength: FUZZ_SIZE.messages, maxLength: FUZZ_SIZE.messages }), { seed: runSeed, numRuns: 1 });
      const device = await target.device();
      const now = Date.now();
      // Unique times, a second apart, from a day ago: every valid sample has a (device, metric, time) of its own.
      let next = now - DAY;
      const messages = list.map((template, i) => {
        const message = template.build(device.id, other.id, next, now, i);
        next += Math.max(1, template.times) * 1000;
        return message;
      });
      const turnedAway = (m: Message) => mosquitto && m.refused !== undefined;
      // What reaches Vigil, and what must become of it.
      const outcomes = messages.map((m) => (turnedAway(m) ? ok(0) : m.outcome));
      const reasons = [...new Set(outcomes.flatMap((o) => o.reasons))];
      for (const reason of reasons) rejectsBefore.set(reason, await counter(platform.baseUrl, reason));

      const client = await connectDevice(target.url, device);
      try {
        await Promise.all(messages.filter((m) => !m.refused).map((m) => publishOne(client, m)));
      } finally {
        client.end(true);
      }
      for (const message of messages.filter((m) => m.refused)) {
        await (mosquitto ? publishTurnedAway(target.url, device, message) : publishRefused(target.url, device, message));
      }

      const expected = {
        readings: outcomes.reduce((n, o) => n + o.readings, 0),
        events: outcomes.filter((o) => o.event).length,
        letters: sortedPairs(messages.flatMap((m, i) => outcomes[i].reasons.map((reason): [string, string] => [hex(m.payload), reason]))),
      };
      const lettersOf = () =>
        sql<{ reason: string; excerpt: Buffer }>(
          platform,
          `SELECT reason, payload_excerpt AS excerpt FROM dead_letters WHERE device_id = $1 OR (device_id IS NULL AND strpos(topic, $2) > 0)`,
          [device.id, device.id],
        );
      const rows = async () =>
        (
          await sql<{ readings: number; events: number; letters: number }>(
            platform,
            `SELECT (SELECT count(*)::int FROM readings WHERE device_id::text = $1) AS readings, (SELECT count(*)::int FROM events WHERE device_id::text = $1) AS events,
               (SELECT count(*)::int FROM dead_letters WHERE device_id::text = $1 OR (device_id IS NULL AND strpos(topic, $1) > 0)) AS letters`,
            [device.id],
          )
        )[0];
      // Rows come after the PUBACK (Mosquitto acknowledges at once; the embedded broker dead-letters
      // refused messages without waiting for the write): wait for them all, then compare what came.
      await waitFor(
        rows,
        (r) => r.readings >= expected.readings && r.events >= expected.events && r.letters >= expected.letters.length,
        60_000,
        `${expected.readings} readings, ${expected.events} events, ${expected.letters.length} dead letters`,
      ).catch(() => undefined);
      const stored = await rows();
      const letters = sortedPairs((await lettersOf()).map((l): [string, string] => [l.excerpt.toString('hex'), l.reason]));
      // On a mismatch, name the dead letters missing and extra: reason and the payload's start as text.
      const short = (pair: string) =>
        pair.replace(/ ([0-9a-f]*)$/, (_, bytes: string) => ` ${JSON.stringify(Buffer.from(bytes, 'hex').toString('utf8').slice(0, 80))}`);
      const missing = expected.letters.filter((pair) => !letters.includes(pair)).map(short);
      const extra = letters.filter((pair) => !expected.letters.includes(pair)).map(short);
      const [{ n: forOther }] = await sql<{ n: number }>(platform, 'SELECT count(*)::int AS n FROM readings WHERE device_id = $1', [other.id]);
      expect({ readings: stored.readings, events: stored.events, letters: letters.length, missing, extra, forOther }).toEqual({
        readings: expected.readings,
        events: expected.events,
        letters: expected.letters.length,
        missing: [],
        extra: [],
        forOther: 0,
      });
      for (const reason of reasons) {
        const count = outcomes.reduce((n, o) => n + o.reasons.filter((r) => r === reason).length, 0);
        expect({ reason, counted: (await counter(platform.baseUrl, reason)) - rejectsBefore.get(reason)! }).toEqual({ reason, counted: count });
      }
      counts.sent += messages.length;
      counts.brokerRefused += messages.filter(turnedAway).length;
      counts.rejected += messages.filter((m, i) => !turnedAway(m) && outcomes[i].reasons.length > 0).length;
      counts.stored += messages.filter((m, i) => !turnedAway(m) && outcomes[i].reasons.length === 0).length;
      counts.readings += stored.readings;
      counts.events += stored.events;
      counts.deadLetters += letters.length;
    }),
    { numRuns: FUZZ_SIZE.runs, seed: SEED, endOnFailure: true },
  );
  expect(counts.sent).toBe(FUZZ_SIZE.runs * FUZZ_SIZE.messages);
  expect(counts.stored + counts.rejected + counts.brokerRefused).toBe(counts.sent);
  // Neither crashed nor stalled: ready, and a valid reading sent now is stored.
  expect((await fetch(`${platform.baseUrl}/api/ready`)).status).toBe(200);
  const device = await target.device();
  const client = await connectDevice(target.url, device);
  try {
    await client.publishAsync(topicFor(device.id, 'readings'), JSON.stringify({ t: Date.now(), m: { hr: 70 } }), { qos: 1 });
  } finally {
    client.end(true);
  }
  const stored = () => sql<{ n: number }>(platform, 'SELECT count(*)::int AS n FROM readings WHERE device_id = $1', [device.id]);
  expect((await waitFor(stored, ([r]) => r.n >= 1, 60_000, 'the reading sent after the fuzz run stored'))[0].n).toBe(1);
  return counts;
}
