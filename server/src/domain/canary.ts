import { z } from 'zod';
import { topicFor } from './protocol.js';

/**
 * The ingest canary: every instance consuming from an external broker publishes a canary
 * reading for a built-in virtual device every few seconds into the topics its shared group
 * consumes, and whichever member receives it counts it; both counts are kept in Redis per time
 * bucket, so every instance sees the whole group. A bucket that is over (and its grace past)
 * with fewer received than sent means a member of the group takes its round-robin share and
 * never delivers it: a persistent session nobody consumes (issue 11), or a member that is
 * stuck. Pure rules here; the timers and Redis are the service's and repository's.
 */

/** The virtual device: a UUID no device is given (v4 form, all zero but its last group). */
export const CANARY_DEVICE_ID = '00000000-0000-4000-8000-00000000ca4a';
export const CANARY_TOPIC = topicFor(CANARY_DEVICE_ID, 'readings');

export const canaryPayloadSchema = z.object({
  canary: z.literal(1),
  /** Epoch ms when the sending instance published it. */
  sentAt: z.number().int().nonnegative(),
  /** The sender's client id (for the log only). */
  from: z.string().max(64),
});
export type CanaryPayload = z.infer<typeof canaryPayloadSchema>;

export interface CanaryTiming {
  /** Each instance publishes one canary this often. */
  intervalMs: number;
}

/** Counted per bucket of six intervals; a bucket is judged once another bucket has passed (the grace for a late canary). */
export const bucketMs = ({ intervalMs }: CanaryTiming) => 6 * intervalMs;
/** Buckets judged: those of the last ten buckets that are over and past their grace. */
const JUDGED_BUCKETS = 10;

export const canaryBucket = (sentAtMs: number, timing: CanaryTiming) => Math.floor(sentAtMs / bucketMs(timing));

/** The buckets to judge at `nowMs`, oldest first. */
export function judgedBuckets(nowMs: number, timing: CanaryTiming): number[] {
  const newest = canaryBucket(nowMs, timing) - 2; // the current one is open, the one before is in its grace
  return Array.from({ length: JUDGED_BUCKETS }, (_, i) => newest - JUDGED_BUCKETS + 1 + i).filter((bucket) => bucket >= 0);
}

export interface CanaryVerdict {
  sent: number;
  received: number;
  /** Sent and never received (within a bucket and its grace). */
  missing: number;
}

/** Sums the judged buckets; a bucket with more received than sent (a redelivery) counts as complete. */
export function judgeCanaries(counts: ReadonlyArray<{ sent: number; received: number }>): CanaryVerdict {
  let sent = 0;
  let received = 0;
  let missing = 0;
  for (const bucket of counts) {
    sent += bucket.sent;
    received += bucket.received;
    missing += Math.max(0, bucket.sent - bucket.received);
  }
  return { sent, received, missing };
}
