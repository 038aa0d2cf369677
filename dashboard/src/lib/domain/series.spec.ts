import { describe, expect, it } from 'vitest';
import { appendSamples, type Series, toColumns } from './series.js';

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
  const raw: Series = { columns: [[1_796_119_200], [70], [70], [70]], counts: [1], bucketSeconds: 0 };

  it('adds live samples to a raw series in time order and ignores a repeat', () => {
    const next = appendSamples(
      raw,
      [
        { t: '2026-12-01T10:00:02.000Z', value: 72 },
        { t: '2026-12-01T10:00:01.000Z', value: 71 },
        { t: '2026-12-01T10:00:02.000Z', value: 72 },
      ],
      0,
    );
    expect(next.columns[0]).toEqual([1_796_119_200, 1_796_119_201, 1_796_119_202]);
    expect(next.columns[1]).toEqual([70, 71, 72]);
  });

  it('drops what falls out of the window', () => {
    const next = appendSamples(raw, [{ t: '2026-12-01T10:00:05.000Z', value: 75 }], 1_796_119_201);
    expect(next.columns).toEqual([[1_796_119_205], [75], [75], [75]]);
  });

  it('on a downsampled series, widens the newest bucket with a sample inside it and starts a bucket after it', () => {
    // One-minute buckets: 10:00 holds two samples averaging 95 (94..96).
    const minute: Series = { columns: [[1_796_119_200], [95], [94], [96]], counts: [2], bucketSeconds: 60 };
    const next = appendSamples(
      minute,
      [
        { t: '2026-12-01T10:00:30.000Z', value: 86 },
        { t: '2026-12-01T10:01:10.000Z', value: 97 },
      ],
      0,
    );
    expect(next.columns).toEqual([
      [1_796_119_200, 1_796_119_260],
      [92, 97],
      [86, 97],
      [96, 97],
    ]);
    expect(next.counts).toEqual([3, 1]);
  });
});
