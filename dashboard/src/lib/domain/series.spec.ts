import { describe, expect, it } from 'vitest';
import { appendSamples, toColumns } from './series.js';

describe('toColumns', () => {
  it('keeps the min/max envelope of downsampled points beside the average', () => {
    const columns = toColumns([
      { t: '2026-12-01T10:00:00.000Z', min: 84, max: 97, avg: 95 },
      { t: '2026-12-01T11:00:00.000Z', min: 94, max: 96, avg: 95 },
    ]);
    expect(columns).toEqual([
      [1_796_119_200, 1_796_122_800],
      [95, 95],
      [84, 94],
      [97, 96],
    ]);
  });
});

describe('appendSamples', () => {
  const base = toColumns([{ t: '2026-12-01T10:00:00.000Z', min: 70, max: 70, avg: 70 }]);

  it('adds live samples in time order and ignores a repeat', () => {
    const next = appendSamples(
      base,
      [
        { t: '2026-12-01T10:00:02.000Z', value: 72 },
        { t: '2026-12-01T10:00:01.000Z', value: 71 },
        { t: '2026-12-01T10:00:02.000Z', value: 72 },
      ],
      0,
    );
    expect(next[0]).toEqual([1_796_119_200, 1_796_119_201, 1_796_119_202]);
    expect(next[1]).toEqual([70, 71, 72]);
  });

  it('drops what falls out of the window', () => {
    const next = appendSamples(base, [{ t: '2026-12-01T10:00:05.000Z', value: 75 }], 1_796_119_201);
    expect(next).toEqual([[1_796_119_205], [75], [75], [75]]);
  });
});
