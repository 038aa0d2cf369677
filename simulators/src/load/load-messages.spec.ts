import { describe, expect, it } from '@jest/globals';
import { validateMessage } from '@vigil/server/domain/ingest-validation.js';
import { loadMetrics, loadSamples, samplesDue } from './load-messages.js';

describe('load messages', () => {
  it.each([1, 4, 10])('%i metrics per sample are valid protocol v1 readings, all stored', (n) => {
    const now = Date.now();
    const samples = loadSamples(loadMetrics(n), now, 200, 7);
    const result = validateMessage('readings', JSON.stringify(samples), { now, retentionMs: 86_400_000 });
    expect(result.rejections).toEqual([]);
    expect(result.points).toHaveLength(200 * n);
    expect(new Set(samples.map((s) => s.t)).size).toBe(200);
  });

  it.each([0, 11, 2.5])('refuses %p metrics per sample', (n) => {
    expect(() => loadMetrics(n)).toThrow(RangeError);
  });

  it.each([
    [0, 50, 0],
    [19, 50, 0],
    [20, 50, 1],
    [1000, 50, 50],
    [1500, 0.5, 0],
    [2000, 0.5, 1],
  ])('after %i ms at %p samples/s, %i are due', (elapsed, rate, due) => {
    expect(samplesDue(elapsed, rate)).toBe(due);
  });
});
