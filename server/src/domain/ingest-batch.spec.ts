import { describe, expect, it } from '@jest/globals';
import { type ReadingRow, type StatusUpdate, WriteBatch } from './ingest-batch.js';

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
    batch.add({ deadLetters: [{ receivedAt: new Date(0), topic: 't', deviceId: A, reason: 'bad_json', detail: '', payloadExcerpt: new Uint8Array() }] }, 'm2');
    expect(batch.rows).toBe(3);
    expect(batch.messages).toBe(2);
    expect(batch.acks).toEqual(['m1', 'm2']);
  });

  it('rebuilds a batch from some of its messages (a split)', () => {
    const batch = new WriteBatch<string>();
    batch.add({ readings: [reading(A, 'hr', 1)] }, 'm1', 10);
    batch.add({ status: status(B, true, 5) }, 'm2', 11);
    batch.add({ readings: [reading(B, 'hr', 2), reading(B, 'hr', 3)] }, 'm3', 12);
    const half = WriteBatch.of(batch.entries.slice(1));
    expect(half.acks).toEqual(['m2', 'm3']);
    expect(half.readings).toHaveLength(2);
    expect(half.statuses().map((s) => s.deviceId)).toEqual([B]);
    expect(half.entries.map((e) => e.at)).toEqual([11, 12]);
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

  it('names each device heard from by readings or an event, with its newest such message’s arrival', () => {
    const batch = new WriteBatch<number>();
    const origin = (at: number) => ({ topic: 't', deviceId: null, receivedAt: new Date(at), payloadExcerpt: new Uint8Array() });
    batch.add({ readings: [reading(B, 'hr', 1)], origin: origin(50) }, 1);
    batch.add({ readings: [reading(B, 'hr', 2)], origin: origin(40) }, 2); // arrived earlier, written later
    batch.add({ event: { time: new Date(1), patientId: 'p', deviceId: A, type: 'fall', data: {} }, origin: origin(30) }, 3);
    batch.add({ status: status('00000000-0000-4000-8000-00000000000c', true, 60), origin: origin(60) }, 4); // a status is not a reading
    batch.add({ deadLetters: [], origin: origin(70) }, 5); // nor is a refused message
    batch.add({ readings: [reading(A, 'hr', 3)] }, 6, 20); // no origin: the submission time
    expect(batch.seen()).toEqual([
      { deviceId: A, at: new Date(30) },
      { deviceId: B, at: new Date(50) },
    ]);
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

  it('orders a mixed batch as one sort by (device, metric, time) would, repeats kept as first received', () => {
    const devices = [B, A, '00000000-0000-4000-8000-000000000001', 'ffffffff-0000-4000-8000-000000000000'];
    const metrics = ['spo2', 'hr', 'rr', 'bp_sys'];
    const batch = new WriteBatch<number>();
    for (let i = 0; i < 400; i++) {
      // deterministic scramble: devices and metrics interleaved, times out of order, some repeated
      const time = (i * 37) % 53;
      batch.add({ readings: [reading(devices[i % 4], metrics[(i * 3) % 4], time, i), reading(devices[(i + 1) % 4], metrics[i % 4], time, i)] }, i);
    }
    const key = (r: ReadingRow) => [r.deviceId, r.metric, r.time.getTime()] as const;
    const byKey = (a: ReadingRow, b: ReadingRow) => {
      const [x, y] = [key(a), key(b)];
      for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
      return 0;
    };
    const reference = [...batch.readings].sort(byKey).filter((row, i, all) => i === 0 || byKey(all[i - 1], row) !== 0);
    const sorted = batch.sortedReadings();
    expect(sorted.length).toBeLessThan(batch.readings.length); // the scramble did repeat keys
    expect(sorted).toEqual(reference);
    expect(sorted.every((row, i) => row === reference[i])).toBe(true); // the very rows, first received of each key
  });
});
