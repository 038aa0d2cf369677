import { describe, expect, it } from '@jest/globals';
import { MAX_PAYLOAD_BYTES, MAX_SAMPLES_PER_MESSAGE, type Sample } from '@vigil/server/domain/protocol.js';
import { packSamples } from './messages.js';
import { OfflineBuffer } from './offline-buffer.js';

const sample = (i: number): Sample => ({ t: new Date(Date.UTC(2026, 10, 30) + i * 1000).toISOString(), m: { spo2: 97, hr: 60 + (i % 40) } });

describe('offline buffer', () => {
  it('drains every buffered sample exactly once, in order, as backfill arrays', () => {
    const buffer = new OfflineBuffer();
    for (let i = 0; i < 2500; i++) buffer.push({ kind: 'sample', sample: sample(i) });
    buffer.push({ kind: 'event', event: { t: sample(1).t, type: 'fall' } });
    expect(buffer.size).toBe(2501);
    const messages = buffer.drain();
    expect(buffer.size).toBe(0);
    const readings = messages.filter((m) => m.topic === 'readings');
    const sent = readings.flatMap((m) => JSON.parse(m.payload) as Sample[]);
    expect(sent).toEqual(Array.from({ length: 2500 }, (_, i) => sample(i)));
    expect(readings.every((m) => Array.isArray(JSON.parse(m.payload)))).toBe(true);
    expect(readings.reduce((n, m) => n + m.samples, 0)).toBe(2500);
    expect(messages.filter((m) => m.topic === 'events').map((m) => JSON.parse(m.payload))).toEqual([{ t: sample(1).t, type: 'fall' }]);
    expect(buffer.drain()).toEqual([]);
  });

  it('keeps the newest entries when full, and counts what it dropped', () => {
    const buffer = new OfflineBuffer(100);
    for (let i = 0; i < 10_000; i++) buffer.push({ kind: 'sample', sample: sample(i) });
    expect(buffer.size).toBe(100);
    expect(buffer.dropped).toBe(9900);
    const sent = buffer.drain().flatMap((m) => JSON.parse(m.payload) as Sample[]);
    expect(sent).toEqual(Array.from({ length: 100 }, (_, i) => sample(9900 + i)));
  });
});

describe('packing samples', () => {
  it('stays within 1,000 samples and 64 KiB per message', () => {
    const many = Array.from({ length: 5000 }, (_, i) => sample(i));
    const messages = packSamples(many);
    for (const m of messages) {
      expect(m.samples).toBeLessThanOrEqual(MAX_SAMPLES_PER_MESSAGE);
      expect(Buffer.byteLength(m.payload)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    }
    expect(messages.reduce((n, m) => n + m.samples, 0)).toBe(5000);
  });

  it('splits by size when samples are large', () => {
    const big = Array.from({ length: 300 }, (_, i) => ({ t: sample(i).t, m: Object.fromEntries(Array.from({ length: 30 }, (_, k) => [`metric${k}`, k])) }));
    const messages = packSamples(big);
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) expect(Buffer.byteLength(m.payload)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    expect(messages.flatMap((m) => JSON.parse(m.payload))).toEqual(big);
  });
});
