import { z } from 'zod';

/**
 * What Vigil instances tell each other about live data (LiveRepository.share): readings
 * committed by one instance for every instance's watchers, and patients whose overview row
 * changed (an alert, a device status). Internal, not part of the client contract; validated on
 * receipt like every message crossing a boundary.
 *
 * `LiveShare` is the form inside an instance. Between instances it travels as `LiveShareWire`
 * on the Redis channel `vigil:live-share` (docs/architecture.md, "Between instances"): readings
 * by column, each patient, device and metric id once, times as offsets from the batch's first.
 * `liveShare` is also the form instances before that channel sent by socket.io's server-side
 * emit; it is still accepted from them during a rolling upgrade.
 */
export const liveShare = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('readings'),
    rows: z.array(z.tuple([z.number(), z.string(), z.string(), z.string(), z.number()])),
  }),
  z.object({ kind: z.literal('changed'), patientIds: z.array(z.string()) }),
  /** Who may see what changed (a patient moved, a member left, a user disabled): check the sockets again. */
  z.object({ kind: z.literal('access') }),
]);
export type LiveShare = z.infer<typeof liveShare>;

const index = z.number().int().nonnegative();

export const liveShareWire = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('readings.v2'),
    /** Epoch ms of the first row; `time[i]` is row i's offset from it. */
    base: z.number(),
    patients: z.array(z.string()),
    devices: z.array(z.string()),
    metrics: z.array(z.string()),
    /** Per row: offset from `base`, then indexes into the three id lists, then the value. */
    time: z.array(z.number()),
    patient: z.array(index),
    device: z.array(index),
    metric: z.array(index),
    value: z.array(z.number()),
  }),
  z.object({ kind: z.literal('changed'), patientIds: z.array(z.string()) }),
  z.object({ kind: z.literal('access') }),
]);
export type LiveShareWire = z.infer<typeof liveShareWire>;
