import { describe, expect, it } from 'vitest';
import { FrameBuffer } from './frame-buffer.js';

describe('FrameBuffer', () => {
  it('applies everything pushed before a frame once, in order, and schedules one frame per batch', () => {
    const frames: Array<() => void> = [];
    const applied: number[][] = [];
    const buffer = new FrameBuffer<number>(
      (items) => applied.push(items),
      (callback) => frames.push(callback),
    );
    buffer.push(1);
    buffer.push(2);
    buffer.push(3);
    expect(frames).toHaveLength(1);
    expect(applied).toEqual([]);
    frames[0]();
    expect(applied).toEqual([[1, 2, 3]]);
    buffer.push(4);
    expect(frames).toHaveLength(2);
    frames[1]();
    expect(applied).toEqual([[1, 2, 3], [4]]);
  });

  it('applies nothing after close', () => {
    const frames: Array<() => void> = [];
    const applied: number[][] = [];
    const buffer = new FrameBuffer<number>(
      (items) => applied.push(items),
      (callback) => frames.push(callback),
    );
    buffer.push(1);
    buffer.close();
    frames[0]();
    buffer.push(2);
    expect(applied).toEqual([]);
    expect(frames).toHaveLength(1);
  });
});
