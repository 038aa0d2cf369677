import { z } from 'zod';

/**
 * Every BullMQ job Vigil runs: one name enum, one discriminated union of `{name, data}`, each
 * described once in zod and validated when a worker takes the job (job data crosses Redis).
 */
export enum JobName {
  /** Notify one escalation level of an alert's team (in-app log, Web Push), then plan the next level. */
  Escalate = 'alert.escalate',
  /** POST the alert to one team webhook (signed; retried with backoff, dead-lettered). */
  Webhook = 'alert.webhook',
  /** Send one Web Push message to one subscription. */
  Push = 'alert.push',
}

const alertRef = { alertId: z.uuid() };

export const jobSchema = z.discriminatedUnion('name', [
  z.object({ name: z.literal(JobName.Escalate), data: z.object({ ...alertRef, level: z.number().int().min(0), cycle: z.number().int().min(0) }) }),
  z.object({ name: z.literal(JobName.Webhook), data: z.object({ ...alertRef, webhookId: z.uuid(), change: z.string() }) }),
  z.object({
    name: z.literal(JobName.Push),
    data: z.object({
      ...alertRef,
      subscriptionId: z.uuid(),
      level: z.number().int().min(0),
      /**
       * Which notification of the alert this is: `c<cycle>` for an escalation step, `r<epoch ms>`
       * for a re-alert. Part of the job id, so that a later round is a new push, not a duplicate
       * of the first; optional for jobs queued before it existed.
       */
      round: z.string().regex(/^[cr]\d+$/).optional(),
    }),
  }),
]);
export type Job = z.infer<typeof jobSchema>;
export type JobData<N extends JobName> = Extract<Job, { name: N }>['data'];

export const JOB_NAMES = Object.values(JobName);
