import { describe, expect, it } from '@jest/globals';
import { CANARY_DEVICE_ID, CANARY_TOPIC, canaryBucket, judgeCanaries, judgedBuckets } from './canary.js';
import { DEVICE_ID, parseTopic } from './protocol.js';

const timing = { intervalMs: 5000 }; // buckets of 30 s

describe('canary', () => {
  it('publishes on a readings topic of a device id no device can have been given by chance', () => {
    expect(DEVICE_ID.test(CANARY_DEVICE_ID)).toBe(true);
    expect(parseTopic(CANARY_TOPIC)).toEqual({ deviceId: CANARY_DEVICE_ID, kind: 'readings' });
  });

  it.each([
    [0, 0],
    [29_999, 0],
    [30_000, 1],
    [95_000, 3],
  ])('a canary sent at %d ms falls in bucket %d', (at, bucket) => {
    expect(canaryBucket(at, timing)).toBe(bucket);
  });

  it.each([
    ['at the start: nothing is over yet', 10_000, []],
    ['the bucket before the current one is in its grace', 65_000, [0]],
    ['ten buckets at most, ending two before the current one', 30_000 * 20 + 1, [9, 10, 11, 12, 13, 14, 15, 16, 17, 18]],
  ])('judgedBuckets: %s', (_, now, expected) => {
    expect(judgedBuckets(now, timing)).toEqual(expected);
  });

  it.each([
    ['no canary yet', [], { sent: 0, received: 0, missing: 0 }],
    [
      'all received',
      [
        { sent: 12, received: 12 },
        { sent: 12, received: 12 },
      ],
      { sent: 24, received: 24, missing: 0 },
    ],
    [
      'a third taken by a dead session',
      [
        { sent: 12, received: 8 },
        { sent: 12, received: 8 },
      ],
      { sent: 24, received: 16, missing: 8 },
    ],
    [
      'a redelivered canary does not hide one missing elsewhere',
      [
        { sent: 6, received: 7 },
        { sent: 6, received: 5 },
      ],
      { sent: 12, received: 12, missing: 1 },
    ],
  ])('judgeCanaries: %s', (_, counts, expected) => {
    expect(judgeCanaries(counts)).toEqual(expected);
  });
});
