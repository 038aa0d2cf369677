import { z } from 'zod';

/**
 * What Vigil instances tell each other about live data (LiveRepository.share, over the Redis
 * adapter's server-side emit): readings committed by one instance for every instance's
 * watchers, and patients whose overview row changed (an alert, a device status). Internal, not
 * part of the client contract; validated on receipt like every message crossing a boundary.
 */
export const liveShare = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('readings'),
    rows: z.array(z.tuple([z.number(), z.string(), z.string(), z.string(), z.number()])),
  }),
  z.object({ kind: z.literal('changed'), patientIds: z.array(z.string()) }),
]);
export type LiveShare = z.infer<typeof liveShare>;
