import type { JobData, JobName } from '../dtos/job.dto.js';

/** A method that handles one job name, found by its decorator. */
export interface JobHandlerRegistration {
  name: JobName;
  target: abstract new (...args: never[]) => unknown;
  method: string | symbol;
}

const registrations: JobHandlerRegistration[] = [];

/**
 * Marks a service method as the handler of a job: `@OnJob(JobName.Webhook) async send(data, attempt)`.
 * JobService refuses to start when a job name has no handler or more than one.
 */
export function OnJob<N extends JobName>(name: N) {
  return (
    target: object,
    method: string | symbol,
    _descriptor:
      | TypedPropertyDescriptor<(data: JobData<N>, attempt: { attemptsMade: number; final: boolean }) => Promise<void>>
      | TypedPropertyDescriptor<(data: JobData<N>) => Promise<void>>,
  ): void => {
    registrations.push({ name, target: target.constructor as JobHandlerRegistration['target'], method });
  };
}

export function jobHandlerRegistrations(): readonly JobHandlerRegistration[] {
  return registrations;
}
