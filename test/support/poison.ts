import { Writable } from 'node:stream';
import { expect } from '@jest/globals';
import fc from 'fast-check';
import type { MqttClient } from 'mqtt';
import { EVENT_TYPES, type MessageKind, topicFor } from '../../server/src/domain/protocol.js';
import { connectDevice } from '../../simulators/src/devices/mqtt-link.js';
import { metric, provisionDevices, publish } from './devices.js';
import { sql, type TestPlatform } from './platform.js';
import { waitFor } from './wait.js';

/**
 * Messages as a faulty sensor sends them, for property tests through the real broker: line
 * noise, arbitrary JSON (every Unicode code point, U+0000, lone surrogates, deep nesting, huge
 * numbers) and valid samples and events among them. What each message must become is known by
 * construction, not by asking the code under test.
 */

/** How many property runs (each a burst of messages from a device of its own); VIGIL_FUZZ_RUNS overrides. */
export const FUZZ_RUNS = Number(process.env.VIGIL_FUZZ_RUNS ?? 3);

/** One UTF-16 code unit or code point of any kind: lone surrogates and U+0000 included. */
export const anyChar = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff'),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)),
);
const anyString = fc.string({ unit: anyChar, maxLength: 40 });
const anyJson = fc.jsonValue({ maxDepth: 6, stringUnit: anyChar });
const hugeNumber = fc.constantFrom('1e400', '-1e400', '123456789012345678901234567890123456789', '1e-400', '0.' + '9'.repeat(400));

/** Whether `value` holds the key "__proto__" at any depth (fast-check generates it as an own key). */
const holdsProtoKey = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && (Object.keys(value).includes('__proto__') || Object.values(value).some(holdsProtoKey));

type Expectation = { store: 'reading'; value: number } | { store: 'event' } | { store: 'status' } | { store: 'dead' };
interface Template {
  kind: MessageKind;
  /** The payload for the message's time `t` (epoch ms, unique per message). */
  build(t: number): Buffer;
  expect: Expectation;
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
/** True when no object in `text` has a key "t" or "online": then it cannot be a sample, event or status. */
const noProtocolKeys = (value: unknown) => !/"(t|online)":/.test(JSON.stringify(value) ?? '');

const templates: fc.Arbitrary<Template> = fc.oneof(
  // Line noise on any topic.
  fc.record({ kind: fc.constantFrom<MessageKind>('readings', 'events', 'status'), bytes: fc.uint8Array({ maxLength: 300 }) }).map(({ kind, bytes }) => ({
    kind,
    build: () => Buffer.from(bytes),
    expect: { store: 'dead' as const },
  })),
  // Arbitrary JSON that is no protocol message.
  fc.record({ kind: fc.constantFrom<MessageKind>('readings', 'events'), value: anyJson.filter(noProtocolKeys) }).map(({ kind, value }) => ({
    kind,
    build: () => json(value),
    expect: { store: 'dead' as const },
  })),
  // Nesting far past any limit.
  fc.integer({ min: 33, max: 20_000 }).map((depth) => ({
    kind: 'readings' as const,
    build: () => Buffer.from('['.repeat(depth) + ']'.repeat(depth)),
    expect: { store: 'dead' as const },
  })),
  // A sample whose only value is a huge number or a string.
  fc
    .oneof(
      hugeNumber,
      anyString.map((s) => JSON.stringify(s)),
    )
    .map((value) => ({
      kind: 'readings' as const,
      build: (t: number) => Buffer.from(`{"t":${t},"m":{"hr":${value}}}`),
      expect: { store: 'dead' as const },
    })),
  // Valid samples, some with junk beside them.
  fc.record({ value: fc.integer({ min: 20, max: 300 }), junk: fc.option(anyJson, { nil: undefined }) }).map(({ value, junk }) => ({
    kind: 'readings' as const,
    build: (t: number) => json({ t, m: { hr: value }, ...(junk === undefined ? {} : { junk }) }),
    expect: { store: 'reading' as const, value },
  })),
  // Valid events whose data holds anything (full Unicode keys and values, U+0000, surrogates, huge numbers).
  fc
    .record({ type: fc.constantFrom(...EVENT_TYPES), data: fc.dictionary(anyString, anyJson, { maxKeys: 5 }), huge: hugeNumber })
    .map(({ type, data, huge }) => ({
      kind: 'events' as const,
      build: (t: number) =>
        Buffer.from(`{"t":${t},"type":"${type}","data":${JSON.stringify(data).replace(/^\{/, `{"huge":${huge}${Object.keys(data).length ? ',' : ''}`)}}`),
      // docs/protocol.md: data holding the key "__proto__" at any depth is a bad_shape dead letter.
      expect: holdsProtoKey(data) ? { store: 'dead' as const } : { store: 'event' as const },
    })),
  // Valid statuses with any firmware text.
  fc.record({ fw: fc.string({ unit: anyChar, maxLength: 32 }), battery: fc.integer({ min: 0, max: 100 }) }).map(({ fw, battery }) => ({
    kind: 'status' as const,
    build: () => json({ online: true, battery, fw }),
    expect: { store: 'status' as const },
  })),
);

export interface FuzzMessage {
  kind: MessageKind;
  t: number;
  payload: Buffer;
  expect: Expectation;
}

/** A burst of 40–120 messages, times one second apart from `base` (recent, inside the retention window). */
export const burst = (base: number) =>
  fc.array(templates, { minLength: 40, maxLength: 120 }).map((list) =>
    list.map((template, i): FuzzMessage => {
      const t = base + i * 1000;
      return { kind: template.kind, t, payload: template.build(t), expect: template.expect };
    }),
  );

/** Publishes every message at QoS 1, all at once, and resolves when each has its PUBACK. */
export async function publishAll(client: MqttClient, deviceId: string, messages: FuzzMessage[], timeoutMs = 60_000): Promise<void> {
  let acked = 0;
  const failures: unknown[] = [];
  for (const message of messages) {
    client.publishAsync(topicFor(deviceId, message.kind), message.payload, { qos: 1 }).then(
      () => acked++,
      (error: unknown) => failures.push(error),
    );
  }
  await waitFor(
    () => acked + failures.length,
    (n) => n === messages.length,
    timeoutMs,
    `PUBACK of all ${messages.length} messages`,
  );
  if (failures.length) throw new Error(`${failures.length} publish(es) failed: ${String(failures[0])}`);
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/**
 * What the database holds for the device equals what was sent: every valid sample once with its
 * value, every valid event once, and for every other message a dead letter with a reason and its
 * first 512 bytes. Returns the dead letters' reasons.
 */
export async function expectStoredExactly(platform: Pick<TestPlatform, 'app'>, deviceId: string, messages: FuzzMessage[]): Promise<string[]> {
  const readings = await sql<{ t: Date; value: number }>(platform, 'SELECT time AS t, value FROM readings WHERE device_id = $1 ORDER BY time', [deviceId]);
  const sentReadings = messages.filter((m) => m.expect.store === 'reading');
  const got = readings.map((r) => `${r.t.getTime()}=${r.value}`);
  const want = sentReadings.map((m) => `${m.t}=${(m.expect as { value: number }).value}`);
  if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`readings stored ${JSON.stringify(got)}, sent ${JSON.stringify(want)}`);

  const events = await sql<{ t: Date }>(platform, 'SELECT time AS t FROM events WHERE device_id = $1 ORDER BY time', [deviceId]);
  const gotEvents = events.map((e) => e.t.getTime());
  const wantEvents = messages.filter((m) => m.expect.store === 'event').map((m) => m.t);
  if (JSON.stringify(gotEvents) !== JSON.stringify(wantEvents)) throw new Error(`events stored at ${gotEvents.join(', ')}, sent at ${wantEvents.join(', ')}`);

  const letters = await sql<{ reason: string; payload_excerpt: Buffer }>(platform, 'SELECT reason, payload_excerpt FROM dead_letters WHERE device_id = $1', [
    deviceId,
  ]);
  const excerpts = new Set(letters.filter((l) => l.reason).map((l) => hex(l.payload_excerpt)));
  const missing = messages.filter((m) => m.expect.store === 'dead' && !excerpts.has(hex(m.payload.subarray(0, 512))));
  if (missing.length)
    throw new Error(`${missing.length} rejected message(s) without a dead letter, e.g. ${missing[0].kind} ${hex(missing[0].payload.subarray(0, 64))}`);
  return letters.map((l) => l.reason);
}

/** The issue's line noise: five bytes that are neither UTF-8 nor JSON. */
export const NOISE = Buffer.from([0x00, 0xff, 0x03, 0x07, 0x80]);

/**
 * The server's log lines, to count what it says. nestjs-pino keeps the first platform's logger for
 * the whole test file: pass it to the first platform a file starts.
 */
export function logLines() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, stream, count: (pattern: RegExp) => lines.filter((line) => pattern.test(line)).length };
}

export async function ready(platform: TestPlatform): Promise<{ status: number; body: { details: Record<string, { status: string; reason?: string }> } }> {
  const response = await fetch(`${platform.baseUrl}/api/ready`);
  return { status: response.status, body: (await response.json()) as never };
}

/**
 * The issue's sequence on a running platform: device A sends line noise three times and JSON
 * holding U+0000 and a lone surrogate; device B sends two valid readings. Everything is
 * acknowledged (each publish resolves at its PUBACK), A's noise dead-lettered as bad_encoding
 * with its bytes, A's text cleaned, B's readings stored, and the server ready.
 */
export async function expectIssueSequence(platform: TestPlatform): Promise<void> {
  const clients: MqttClient[] = [];
  try {
    const [a, b] = await provisionDevices(platform, 2);
    const clientA = await connectDevice(platform.urls.broker, a);
    const clientB = await connectDevice(platform.urls.broker, b);
    clients.push(clientA, clientB);
    const t = Date.now() - 60_000;

    for (let i = 0; i < 3; i++) await publish(clientA, topicFor(a.id, 'readings'), NOISE); // each resolves at its PUBACK
    await publish(clientB, topicFor(b.id, 'readings'), { t, m: { hr: 71 } });
    await publish(clientB, topicFor(b.id, 'readings'), { t: t + 1000, m: { hr: 72 } });
    await publish(clientA, topicFor(a.id, 'events'), { t, type: 'fall', data: { note: 'a\u0000b' } });
    await publish(clientA, topicFor(a.id, 'events'), { t, type: 'alarm_button', data: { ['k\u0000']: '\ud800' } });
    await publish(clientA, topicFor(a.id, 'status'), { online: true, fw: '1.\u0000' });

    const letters = await sql<{ reason: string; detail: string; payload_excerpt: Buffer }>(
      platform,
      'SELECT reason, detail, payload_excerpt FROM dead_letters WHERE device_id = $1 ORDER BY id',
      [a.id],
    );
    expect(letters).toEqual(Array(3).fill({ reason: 'bad_encoding', detail: 'the payload (5 bytes) is not valid UTF-8', payload_excerpt: NOISE }));
    expect(await sql(platform, 'SELECT value FROM readings WHERE device_id = $1 ORDER BY time', [b.id])).toEqual([{ value: 71 }, { value: 72 }]);
    expect(await sql(platform, 'SELECT type, data FROM events WHERE device_id = $1 ORDER BY type', [a.id])).toEqual([
      { type: 'alarm_button', data: { ['k\ufffd']: '\ufffd' } },
      { type: 'fall', data: { note: 'a\ufffdb' } },
    ]);
    expect(await sql(platform, 'SELECT firmware FROM devices WHERE id = $1', [a.id])).toEqual([{ firmware: '1.\ufffd' }]);
    expect(await metric(platform.baseUrl, 'vigil_ingest_points_total')).toBe(2);
    expect(await metric(platform.baseUrl, 'vigil_ingest_rejects_total', { reason: 'bad_encoding' })).toBe(3);
    expect(await metric(platform.baseUrl, 'vigil_ingest_in_flight_messages')).toBe(0);
    expect((await ready(platform)).status).toBe(200);
  } finally {
    for (const client of clients) client.end(true);
  }
}

/** The property: any bytes and any JSON are acknowledged; stored rows equal the valid ones sent; the rest is dead-lettered; ready throughout. */
export async function expectAnyMessageSettled(platform: TestPlatform): Promise<void> {
  await fc.assert(
    fc.asyncProperty(burst(Date.now() - 3_600_000), async (messages) => {
      const [device] = await provisionDevices(platform, 1);
      const client = await connectDevice(platform.urls.broker, device);
      try {
        await publishAll(client, device.id, messages);
      } finally {
        await client.endAsync(true);
      }
      const reasons = await expectStoredExactly(platform, device.id, messages);
      expect(reasons).not.toContain('storage_refused'); // every text was made storable before the database
      expect((await ready(platform)).status).toBe(200);
    }),
    { numRuns: FUZZ_RUNS },
  );
}
