import { describe, expect, it } from '@jest/globals';
import { type ReadingRow, retryDelayMs, type StatusUpdate, WriteBatch } from './ingest-batch.js';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const reading = (deviceId: string, metric: string, time: number, value = 1): ReadingRow => ({
  time: new Date(time),
  patientId: 'p',
  deviceId,
  metric,
  value,
});
const status = (deviceId: string, online: boolean, at: number): StatusUpdate => ({ deviceId, online, receivedAt: new Date(at) });
const limits = { maxRows: 4, maxAgeMs: 20 };

describe('WriteBatch', () => {
  it('collects rows of every kind and one acknowledgement per message', () => {
    const batch = new WriteBatch<string>();
    batch.add({ readings: [reading(A, 'hr', 1), reading(A, 'spo2', 1)] }, 'm1');
    expect(batch.readingsOnly).toBe(true);
    batch.add({ deadLetters: [{ receivedAt: new Date(0), topic: 't', deviceId: A, reason: 'bad_json', detail: '', payloadExcerpt: '' }] }, 'm2');
    expect(batch.readingsOnly).toBe(false);
    expect(batch.rows).toBe(3);
    expect(batch.messages).toBe(2);
    expect(batch.acks).toEqual(['m1', 'm2']);
  });

  it.each([
    [3, false],
    [4, true],
    [5, true],
  ])('with %i rows and a limit of 4 is full: %s', (rows, full) => {
    const batch = new WriteBatch<number>();
    for (let i = 0; i < rows; i++) batch.add({ readings: [reading(A, 'hr', i)] }, i);
    expect(batch.isFull(limits)).toBe(full);
  });

  it('keeps the newest status of a device, whatever the arrival order', () => {
    const batch = new WriteBatch<number>();
    batch.add({ status: status(B, true, 10) }, 1);
    batch.add({ status: status(A, true, 30) }, 2);
    batch.add({ status: status(A, false, 20) }, 3);
    batch.add({ status: status(B, false, 40) }, 4);
    expect(batch.statuses().map((s) => [s.deviceId, s.online])).toEqual([
      [A, true],
      [B, false],
    ]);
    expect(batch.rows).toBe(2);
    expect(batch.messages).toBe(4);
  });

  it('sorts readings by the unique key (device, metric, time) without reordering its own list', () => {
    const batch = new WriteBatch<number>();
    batch.add({ readings: [reading(B, 'hr', 5), reading(A, 'spo2', 1), reading(A, 'hr', 9), reading(A, 'hr', 2)] }, 1);
    expect(batch.sortedReadings().map((r) => `${r.deviceId.slice(-1)}:${r.metric}:${r.time.getTime()}`)).toEqual(['a:hr:2', 'a:hr:9', 'a:spo2:1', 'b:hr:5']);
    expect(batch.readings[0].deviceId).toBe(B);
  });

  it('keeps a reading sent twice in the batch once, as first received (it would fail a COPY)', () => {
    const batch = new WriteBatch<number>();
    batch.add({ readings: [reading(A, 'hr', 1, 70), reading(A, 'spo2', 1, 97)] }, 1);
    batch.add({ readings: [reading(B, 'hr', 1, 80)] }, 2);
    batch.add({ readings: [reading(A, 'hr', 1, 71), reading(A, 'hr', 2, 72)] }, 3);
    expect(batch.sortedReadings().map((r) => `${r.deviceId.slice(-1)}:${r.metric}:${r.time.getTime()}=${r.value}`)).toEqual([
      'a:hr:1=70',
      'a:hr:2=72',
      'a:spo2:1=97',
      'b:hr:1=80',
    ]);
    expect(batch.readings).toHaveLength(5); // the count of points received is unchanged
  });
});

describe('retryDelayMs', () => {
  it.each([
    [0, 100],
    [1, 200],
    [3, 800],
    [5, 3200],
    [6, 5000],
    [1000, 5000],
  ])('attempt %i waits %i ms', (attempt, ms) => {
    expect(retryDelayMs(attempt)).toBe(ms);
  });
});
