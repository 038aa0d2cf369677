import { describe, expect, it } from '@jest/globals';
import { deadLetterOf, payloadExcerpt, validateMessage, type ValidationContext } from './ingest-validation.js';
import type { MessageKind, RejectReason } from './protocol.js';

const NOW = Date.parse('2026-11-29T10:00:00.000Z');
const DAY = 24 * 3600 * 1000;
const context: ValidationContext = { now: NOW, retentionMs: 730 * DAY };
const iso = (ms: number) => new Date(ms).toISOString();

describe('validateMessage: readings', () => {
  it('accepts one sample with ISO time and several metrics', () => {
    const result = validateMessage('readings', JSON.stringify({ t: iso(NOW), m: { hr: 72, spo2: 97 } }), context);
    expect(result.rejections).toEqual([]);
    expect(result.points).toEqual([
      { time: NOW, metric: 'hr', value: 72 },
      { time: NOW, metric: 'spo2', value: 97 },
    ]);
  });

  it('accepts epoch-ms time, an offset time, and a backfill array', () => {
    const body = [
      { t: NOW - 1000, m: { temp: 37.2 } },
      { t: '2026-11-29T11:00:00.000+01:00', m: { temp: 37.3 } },
    ];
    const result = validateMessage('readings', Buffer.from(JSON.stringify(body)), context);
    expect(result.rejections).toEqual([]);
    expect(result.points.map((p) => p.time)).toEqual([NOW - 1000, NOW]);
  });

  it('accepts both ends of each plausible range', () => {
    const result = validateMessage(
      'readings',
      JSON.stringify([
        { t: NOW, m: { hr: 20, o2: 0 } },
        { t: NOW - 1, m: { hr: 300, o2: 1 } },
      ]),
      context,
    );
    expect(result.rejections).toEqual([]);
    expect(result.points).toHaveLength(4);
  });

  const rejected: Array<[string, string, RejectReason, number]> = [
    ['bad JSON', '{"t": 1,', 'bad_json', 0],
    ['a JSON string', '"hello"', 'bad_shape', 0],
    ['an empty array', '[]', 'bad_shape', 0],
    ['a sample without t', JSON.stringify({ m: { hr: 70 } }), 'bad_shape', 0],
    ['a sample whose m is not an object', JSON.stringify({ t: NOW, m: 70 }), 'bad_shape', 0],
    ['a sample with no metrics', JSON.stringify({ t: NOW, m: {} }), 'bad_shape', 0],
    ['a negative epoch', JSON.stringify({ t: -5, m: { hr: 70 } }), 'bad_shape', 0],
    ['a time without offset', JSON.stringify({ t: '2026-11-29T10:00:00', m: { hr: 70 } }), 'bad_shape', 0],
    ['an unknown metric', JSON.stringify({ t: NOW, m: { pulse: 70 } }), 'unknown_metric', 0],
    ['a string value', JSON.stringify({ t: NOW, m: { hr: '70' } }), 'non_numeric_value', 0],
    ['a null value', JSON.stringify({ t: NOW, m: { hr: null } }), 'non_numeric_value', 0],
    ['a value above its range', JSON.stringify({ t: NOW, m: { spo2: 101 } }), 'implausible_value', 0],
    ['a value below its range', JSON.stringify({ t: NOW, m: { hr: 19.9 } }), 'implausible_value', 0],
    ['a time 5 min + 1 ms ahead', JSON.stringify({ t: NOW + 300_001, m: { hr: 70 } }), 'timestamp_in_future', 0],
    ['a time older than retention', JSON.stringify({ t: NOW - 731 * DAY, m: { hr: 70 } }), 'timestamp_too_old', 0],
    ['an epoch after the last date JavaScript can hold', JSON.stringify({ t: 9e15, m: { hr: 70 } }), 'bad_shape', 0],
    ['an epoch 1 ms after the last date JavaScript can hold', JSON.stringify({ t: 8.64e15 + 1, m: { hr: 70 } }), 'bad_shape', 0],
    ['an ISO time after the last date JavaScript can hold', JSON.stringify({ t: '275760-09-14T00:00:00.001Z', m: { hr: 70 } }), 'bad_shape', 0],
    ['an ISO time with an expanded year', JSON.stringify({ t: '+275760-09-13T00:00:00.001Z', m: { hr: 70 } }), 'bad_shape', 0],
    ['a payload over 64 KiB', JSON.stringify({ t: NOW, m: { hr: 70 }, pad: 'x'.repeat(65536) }), 'payload_too_large', 0],
    ['1,001 samples', JSON.stringify(Array.from({ length: 1001 }, (_, i) => ({ t: NOW - i, m: { hr: 70 } }))), 'too_many_samples', 0],
  ];
  it.each(rejected)('rejects %s', (_name, payload, reason, stored) => {
    const result = validateMessage('readings', payload, context);
    expect(result.rejections.map((r) => r.reason)).toEqual([reason]);
    expect(result.rejections[0].detail).not.toBe('');
    expect(result.points).toHaveLength(stored);
  });

  it('keeps the plausible values of a sample and rejects the rest, one entry per reason', () => {
    const body = [
      { t: NOW, m: { hr: 72, spo2: 140, pulse: 1 } },
      { t: NOW - 1, m: { hr: 900, rr: 16 } },
      { t: NOW + DAY, m: { hr: 70 } },
    ];
    const result = validateMessage('readings', JSON.stringify(body), context);
    expect(result.points.map((p) => `${p.metric}=${p.value}`)).toEqual(['hr=72', 'rr=16']);
    expect(result.rejections).toEqual([
      { reason: 'implausible_value', detail: '[0].m.spo2=140 outside 50–100; [1].m.hr=900 outside 20–300' },
      { reason: 'unknown_metric', detail: '[0].m.pulse: "pulse" is not in the metric catalogue' },
      { reason: 'timestamp_in_future', detail: `[2].t=${iso(NOW + DAY)}` },
    ]);
  });

  it('says why a time past the last JavaScript date is no date, and rates the last one as in the future', () => {
    const body = [
      { t: 9e15, m: { hr: 70 } },
      { t: 8.64e15, m: { hr: 70 } },
      { t: NOW, m: { hr: 70 } },
    ];
    const result = validateMessage('readings', JSON.stringify(body), context);
    expect(result.rejections).toEqual([
      { reason: 'bad_shape', detail: '[0].t: after the last date JavaScript can hold (8640000000000000 ms)' },
      { reason: 'timestamp_in_future', detail: '[1].t=+275760-09-13T00:00:00.000Z' },
    ]);
    expect(result.points).toEqual([{ time: NOW, metric: 'hr', value: 70 }]);
  });

  it('accepts a sample exactly 5 min ahead (the clock window is inclusive)', () => {
    expect(validateMessage('readings', JSON.stringify({ t: NOW + 300_000, m: { hr: 70 } }), context).points).toHaveLength(1);
  });

  it('accepts 1,000 samples, the limit', () => {
    const body = Array.from({ length: 1000 }, (_, i) => ({ t: NOW - i, m: { hr: 70 } }));
    expect(validateMessage('readings', JSON.stringify(body), context).points).toHaveLength(1000);
  });

  it('names the count past the first three examples', () => {
    const body = Array.from({ length: 5 }, (_, i) => ({ t: NOW - i, m: { hr: 1000 + i } }));
    const [rejection] = validateMessage('readings', JSON.stringify(body), context).rejections;
    expect(rejection.detail).toMatch(/; and 2 more$/);
  });
});

describe('validateMessage: events and status', () => {
  const cases: Array<[MessageKind, unknown, RejectReason | null]> = [
    ['events', { t: NOW, type: 'fall', data: { confidence: 0.9 } }, null],
    ['events', { t: iso(NOW), type: 'door_open' }, null],
    ['events', { t: NOW, type: 'explosion' }, 'bad_shape'],
    ['events', { type: 'fall' }, 'bad_shape'],
    ['events', { t: NOW + DAY, type: 'fall' }, 'timestamp_in_future'],
    ['events', { t: NOW - 800 * DAY, type: 'fall' }, 'timestamp_too_old'],
    ['events', { t: 9e15, type: 'fall' }, 'bad_shape'],
    ['events', { t: '275760-09-14T00:00:00.001Z', type: 'fall' }, 'bad_shape'],
    ['events', { t: 8.64e15, type: 'fall' }, 'timestamp_in_future'],
    ['status', { online: false }, null],
    ['status', { t: NOW, online: true, battery: 80, rssi: -60, fw: '1.2.3' }, null],
    ['status', { online: 'yes' }, 'bad_shape'],
    ['status', { online: true, battery: 101 }, 'bad_shape'],
    ['status', { t: 9e15, online: true }, 'bad_shape'],
  ];
  it.each(cases)('%s %j → %s', (kind, body, reason) => {
    const result = validateMessage(kind, JSON.stringify(body), context);
    expect(result.rejections.map((r) => r.reason)).toEqual(reason ? [reason] : []);
    if (reason) expect(result.event ?? result.status).toBeUndefined();
  });

  it('returns the event with empty data when none is sent', () => {
    expect(validateMessage('events', JSON.stringify({ t: NOW, type: 'alarm_button' }), context).event).toEqual({
      time: NOW,
      type: 'alarm_button',
      data: {},
    });
  });

  it('returns the status fields', () => {
    const { status } = validateMessage('status', JSON.stringify({ online: true, battery: 55, extra: 1 }), context);
    expect(status).toEqual({ online: true, battery: 55, rssi: undefined, fw: undefined });
  });
});

describe('validateMessage: text the database can store', () => {
  const bytes = (...values: number[]) => Uint8Array.from(values);
  it.each([
    ['the line noise of the issue (00 ff 03 07 80)', bytes(0x00, 0xff, 0x03, 0x07, 0x80)],
    ['a lone continuation byte', Buffer.concat([Buffer.from('{"t":1,"m":{"hr":70},"x":"'), bytes(0x80), Buffer.from('"}')])],
    ['an overlong encoding of "/"', bytes(0xc0, 0xaf)],
    ['a surrogate encoded as UTF-8 (CESU)', bytes(0xed, 0xa0, 0x80)],
  ])('rejects %s whole as bad_encoding', (_name, payload) => {
    expect(validateMessage('readings', payload, context)).toEqual({
      points: [],
      rejections: [{ reason: 'bad_encoding', detail: `the payload (${payload.byteLength} bytes) is not valid UTF-8` }],
    });
  });

  it('rejects a raw NUL byte inside a JSON string as bad_json (control characters must be escaped)', () => {
    const payload = Buffer.from(`{"t":${NOW - 1000},"type":"fall","data":{"note":"a\u0000b"}}`);
    expect(validateMessage('events', payload, context).rejections.map((r) => r.reason)).toEqual(['bad_json']);
  });

  it.each([
    ['U+0000 in event data', { note: 'a\u0000b', ['k\u0000']: ['\u0000'] }, { note: 'a\ufffdb', ['k\ufffd']: ['\ufffd'] }],
    ['a lone high surrogate', { note: '\ud800' }, { note: '\ufffd' }],
    ['a lone low surrogate inside text', { note: 'x\udc00y' }, { note: 'x\ufffdy' }],
    ['a valid pair, unchanged', { note: '\ud83d\ude00' }, { note: '\ud83d\ude00' }],
  ])('cleans %s in an event (escaped in JSON)', (_name, data, cleaned) => {
    const payload = JSON.stringify({ t: NOW - 1000, type: 'fall', data }); // JSON.stringify escapes lone surrogates as \udxxx
    expect(validateMessage('events', payload, context).event?.data).toEqual(cleaned);
  });

  it('cleans the firmware version of a status', () => {
    expect(validateMessage('status', '{"online":true,"fw":"1.\\u0000"}', context).status?.fw).toBe('1.\ufffd');
  });

  // Found by test/reliability/fuzz-ingest.test.ts: zod's record schema builds its output by assignment, and
  // assigning "__proto__" sets the prototype instead of a key, so such a key vanished without a dead letter.
  it('rejects "__proto__" and other Object.prototype names as unknown metrics instead of dropping them', () => {
    const result = validateMessage('readings', '{"t":' + NOW + ',"m":{"hr":70,"__proto__":71,"constructor":72}}', context);
    expect(result.points).toEqual([{ time: NOW, metric: 'hr', value: 70 }]);
    expect(result.rejections).toEqual([
      {
        reason: 'unknown_metric',
        detail: 'm.__proto__: "__proto__" is not in the metric catalogue; m.constructor: "constructor" is not in the metric catalogue',
      },
    ]);
  });

  // Kept as data, the key reached the database and vanished from GET /api/patients/{id}/events (zod's record copy
  // sets the prototype instead), and would reach clients whose merges it could pollute: refused at the boundary.
  it.each([
    ['{"__proto__":{"x":1},"note":"n"}', 'data.__proto__'],
    ['{"note":"n","deep":[1,{"a":{"__proto__":{"polluted":true}}}]}', 'data.deep.1.a.__proto__'],
  ])('rejects an event whose data holds the key "__proto__" anywhere, naming where: %s', (data, where) => {
    const result = validateMessage('events', '{"t":' + NOW + ',"type":"fall","data":' + data + '}', context);
    expect(result.event).toBeUndefined();
    expect(result.rejections).toEqual([
      { reason: 'bad_shape', detail: `${where}: the key "__proto__" is not accepted (JavaScript objects cannot keep it as data)` },
    ]);
  });

  it('keeps other Object.prototype names in event data as data', () => {
    const result = validateMessage('events', '{"t":' + NOW + ',"type":"fall","data":{"constructor":{"prototype":1},"toString":"n"}}', context);
    expect(result.rejections).toEqual([]);
    expect(JSON.stringify(result.event?.data)).toBe('{"constructor":{"prototype":1},"toString":"n"}');
  });

  it('names a metric key holding U+0000 as unknown, cleaned', () => {
    const result = validateMessage('readings', '{"t":' + (NOW - 1000) + ',"m":{"h\\u0000r":70}}', context);
    expect(result.rejections).toEqual([{ reason: 'unknown_metric', detail: 'm.h\ufffdr: "h\ufffdr" is not in the metric catalogue' }]);
  });

  it.each([
    [32, true],
    [33, false],
  ])('accepts event data nested %i levels: %s', (depth, accepted) => {
    let data: unknown = 1;
    for (let i = 1; i < depth; i++) data = { d: data }; // the event object itself is one more level
    const result = validateMessage('events', JSON.stringify({ t: NOW - 1000, type: 'fall', data }), context);
    if (accepted) expect(result.event).toBeDefined();
    else expect(result.rejections).toEqual([{ reason: 'bad_shape', detail: 'nested deeper than 32 levels' }]);
  });

  it('counts nesting beneath a key "__proto__" too', () => {
    let data = '1';
    for (let i = 0; i < 40; i++) data = `{"__proto__":${data}}`;
    const result = validateMessage('events', `{"t":${NOW - 1000},"type":"fall","data":${data}}`, context);
    expect(result.rejections).toEqual([{ reason: 'bad_shape', detail: 'nested deeper than 32 levels' }]);
  });

  it('rejects an array nested 30,000 deep as bad_shape, without a stack overflow', () => {
    expect(validateMessage('readings', '['.repeat(30_000) + ']'.repeat(30_000), context).rejections[0].reason).toBe('bad_shape');
  });
});

describe('payloadExcerpt and deadLetterOf', () => {
  it('keeps the first 512 bytes as they arrived, NUL and invalid UTF-8 included', () => {
    expect([...payloadExcerpt(Uint8Array.from([0x00, 0xff, 0x03, 0x07, 0x80]))]).toEqual([0x00, 0xff, 0x03, 0x07, 0x80]);
    expect(payloadExcerpt(Buffer.from('x'.repeat(10_000)))).toHaveLength(512);
    expect([...payloadExcerpt('é')]).toEqual([0xc3, 0xa9]);
  });

  it("makes the dead letter's text storable and bounded", () => {
    const letter = deadLetterOf(
      { topic: 'vigil/v1/devices/\u0000/readings', deviceId: 'd\ud800', receivedAt: new Date(0), payloadExcerpt: Uint8Array.from([0]) },
      { reason: 'bad_json', detail: 'Unexpected token \u0000' + 'x'.repeat(2000) },
    );
    expect(letter.topic).toBe('vigil/v1/devices/\ufffd/readings');
    expect(letter.deviceId).toBe('d\ufffd');
    expect(letter.detail.startsWith('Unexpected token \ufffdx')).toBe(true);
    expect(letter.detail).toHaveLength(1000);
    expect([...letter.payloadExcerpt]).toEqual([0]);
  });
});
