import { Injectable, Logger } from '@nestjs/common';
import { type JobsOptions, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { type Job, JobName, jobSchema } from '../dtos/job.dto.js';
import { RedisRepository } from './redis.repository.js';

export const ALERT_QUEUE = 'vigil-alerts';

/**
 * The Redis key prefix of an installation's queue when VIGIL_QUEUE_PREFIX does not name one: its
 * installation id, so two installations (or two test platforms) on one Redis never share jobs, while
 * every server and worker of one installation (one database) shares one queue. In braces: a Redis
 * Cluster hash tag, which keeps all of the queue's keys in one slot as BullMQ's scripts need.
 */
export const installationQueuePrefix = (installationId: string) => `{vigil:${installationId}}`;

export interface JobTuning {
  /** First retry delay of a failed webhook (doubles each attempt). */
  webhookBackoffMs: number;
  webhookAttempts: number;
}

/**
 * Job options, all in one place: the jobId de-duplicates (the same escalation step or delivery
 * queued twice, by two instances, is one job), delays plan escalations, backoff retries.
 */
export function jobOptions(job: Job, tuning: JobTuning, delayMs = 0): JobsOptions {
  const base: JobsOptions = { removeOnComplete: 1000, removeOnFail: false, delay: Math.max(0, delayMs) };
  switch (job.name) {
    case JobName.Escalate:
      return { ...base, jobId: escalationJobId(job.data.alertId, job.data.cycle, job.data.level), attempts: 5, backoff: { type: 'exponential', delay: 500 } };
    case JobName.Webhook:
      return {
        ...base,
        jobId: `webhook.${job.data.alertId}.${job.data.webhookId}.${job.data.change}`,
        attempts: tuning.webhookAttempts,
        backoff: { type: 'exponential', delay: tuning.webhookBackoffMs },
      };
    case JobName.Push:
      return {
        ...base,
        jobId: `push.${job.data.alertId}.${job.data.subscriptionId}.${job.data.round ?? 'c0'}.${job.data.level}`,
        attempts: 3,
        backoff: { type: 'exponential', delay: 1000 },
      };
  }
}

export const escalationJobId = (alertId: string, cycle: number, level: number) => `escalate.${alertId}.${cycle}.${level}`;

export type JobProcessor = (job: Job, attempt: { attemptsMade: number; final: boolean }) => Promise<void>;

/** BullMQ behind one repository: the alerts queue, and its worker when this process runs one. */
@Injectable()
export class JobRepository {
  private readonly logger = new Logger('JobRepository');
  private queue?: Queue;
  private worker?: Worker;
  private readonly connections: Redis[] = [];
  private keyPrefix?: string;

  constructor(private readonly redis: RedisRepository) {}

  /** Sets the queue's Redis key prefix (JobService does, at start-up); nothing is queued or taken before. */
  use(prefix: string): void {
    if (this.keyPrefix !== undefined && this.keyPrefix !== prefix) throw new Error(`the job queue already uses the prefix ${this.keyPrefix}`);
    this.keyPrefix = prefix;
  }

  /** The queue's Redis key prefix. */
  get prefix(): string {
    if (this.keyPrefix === undefined) throw new Error('the job queue was used before its prefix was set (JobService sets it at start-up)');
    return this.keyPrefix;
  }

  private connection(): Redis {
    const connection = new Redis(this.redis.url, this.redis.options({ maxRetriesPerRequest: null }));
    connection.on('error', () => undefined); // reconnects by itself; BullMQ resumes
    this.connections.push(connection);
    return connection;
  }

  private get q(): Queue {
    if (!this.queue) {
      this.queue = new Queue(ALERT_QUEUE, { connection: this.connection(), prefix: this.prefix });
      // Without a listener BullMQ prints every failed reconnect to the console during a Redis outage; readiness reports Redis.
      this.queue.on('error', () => undefined);
    }
    return this.queue;
  }

  async add(job: Job, options: JobsOptions): Promise<void> {
    await this.q.add(job.name, job.data, options);
  }

  /** Removes a planned job (a delayed escalation an acknowledge cancels); a job already running is not touched. */
  async cancel(jobId: string): Promise<void> {
    await this.q.remove(jobId).catch(() => 0);
  }

  /** Starts this process's worker. Job data is parsed with the one schema before `processor` sees it. */
  startWorker(processor: JobProcessor, concurrency: number): void {
    this.worker = new Worker(
      ALERT_QUEUE,
      async (job) => {
        const parsed = jobSchema.parse({ name: job.name, data: job.data as unknown });
        const attempts = job.opts.attempts ?? 1;
        await processor(parsed, { attemptsMade: job.attemptsMade + 1, final: job.attemptsMade + 1 >= attempts });
      },
      { connection: this.connection(), concurrency, prefix: this.prefix },
    );
    this.worker.on('error', (error) => this.logger.warn({ err: error }, 'job worker'));
  }

  async counts(): Promise<Record<string, number>> {
    return this.q.getJobCounts('waiting', 'delayed', 'active', 'failed', 'completed');
  }

  /** Lets running jobs finish for up to 3 s, then stops; a job cut off is retried by another worker (BullMQ stalled-job check). */
  async close(): Promise<void> {
    if (this.worker) {
      const worker = this.worker;
      let timer: NodeJS.Timeout | undefined;
      const bounded = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 3000)));
      const outcome = await Promise.race([worker.close().catch(() => undefined), bounded]);
      clearTimeout(timer);
      if (outcome === 'late') await worker.close(true).catch(() => undefined);
    }
    await this.queue?.close().catch(() => undefined);
    for (const c of this.connections) c.disconnect();
  }
}
