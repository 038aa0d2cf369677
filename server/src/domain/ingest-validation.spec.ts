import { describe, expect, it } from '@jest/globals';
import { payloadExcerpt, validateMessage, type ValidationContext } from './ingest-validation.js';
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

describe('payloadExcerpt', () => {
  it('keeps the first 512 characters, without NUL bytes', () => {
    expect(payloadExcerpt('a\u0000b')).toBe('a\uFFFDb');
    expect(payloadExcerpt(Buffer.from('x'.repeat(10_000)))).toHaveLength(512);
  });
});
