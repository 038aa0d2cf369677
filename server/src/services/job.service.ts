import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { type Job, JOB_NAMES, JobName } from '../dtos/job.dto.js';
import { InstallationRepository } from '../repositories/installation.repository.js';
import { installationQueuePrefix, JobRepository, jobOptions } from '../repositories/job.repository.js';
import { jobHandlerRegistrations } from './job-handlers.js';

type Handler = (data: Job['data'], attempt: { attemptsMade: number; final: boolean }) => Promise<void>;

/**
 * How long queueing or cancelling a job waits for Redis before the caller goes on. While Redis
 * is away its client holds the command and sends it once Redis is back; the alert rules must not
 * wait for that, or three alerts opened during an outage would stop the rules of every patient.
 */
export const QUEUE_WAIT_MS = 2_000;

/**
 * Queues typed jobs and runs them: handlers are the methods marked `@OnJob`, one per job
 * name; start-up fails when a name has none or two. The worker runs in this process unless
 * VIGIL_WORKERS=off (then `npm run worker` runs it alone); BullMQ hands each job to one worker.
 * The queue is the installation's own (VIGIL_QUEUE_PREFIX, else one named by the installation id),
 * so installations sharing a Redis never take each other's jobs.
 */
@Injectable()
export class JobService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('JobService');
  private handlers?: Map<JobName, Handler>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly jobs: JobRepository,
    private readonly installation: InstallationRepository,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** Every job name to exactly one handler, or an error naming what is wrong. */
  resolveHandlers(): Map<JobName, Handler> {
    const handlers = new Map<JobName, Handler>();
    for (const name of JOB_NAMES) {
      const found = jobHandlerRegistrations().filter((r) => r.name === name);
      if (found.length !== 1)
        throw new Error(`job ${name} has ${found.length === 0 ? 'no handler' : `${found.length} handlers`} (mark exactly one method @OnJob(JobName...))`);
      const instance = this.moduleRef.get<Record<string | symbol, Handler>>(found[0].target, { strict: false });
      handlers.set(name, instance[found[0].method].bind(instance));
    }
    return handlers;
  }

  /** Before any service's bootstrap can queue a job: the installation's queue. */
  async onModuleInit(): Promise<void> {
    this.jobs.use(this.config.alerts.queuePrefix ?? installationQueuePrefix(await this.installation.id()));
  }

  onApplicationBootstrap(): void {
    this.handlers = this.resolveHandlers();
    if (this.config.alerts.workers) this.startWorker();
  }

  startWorker(concurrency = 8): void {
    const handlers = (this.handlers ??= this.resolveHandlers());
    this.jobs.startWorker(async (job, attempt) => {
      await handlers.get(job.name)!(job.data, attempt);
    }, concurrency);
    this.logger.log('alert job worker started');
  }

  /**
   * Queues `job` after `delayMs`, with the options jobOptions() gives its name. Resolves once
   * queued, or after QUEUE_WAIT_MS while Redis is unreachable (then it is queued when Redis is back).
   */
  async enqueue(job: Job, delayMs = 0): Promise<void> {
    const options = jobOptions(job, { webhookAttempts: this.config.alerts.webhookAttempts, webhookBackoffMs: this.config.alerts.webhookBackoffMs }, delayMs);
    await this.bounded(`queueing ${job.name} of alert ${job.data.alertId}`, this.jobs.add(job, options));
  }

  /** Cancels a planned job; like `enqueue`, waits at most QUEUE_WAIT_MS for Redis. */
  async cancel(jobId: string): Promise<void> {
    await this.bounded(`cancelling job ${jobId}`, this.jobs.cancel(jobId));
  }

  /** Waits for `work` at most QUEUE_WAIT_MS; a failure within that time is the caller's, a later one is logged. */
  private async bounded(what: string, work: Promise<unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), QUEUE_WAIT_MS)));
    const outcome = await Promise.race([work.then(() => 'done' as const), late]).finally(() => clearTimeout(timer));
    if (outcome !== 'late') return;
    this.logger.warn(`${what}: Redis has not answered for ${QUEUE_WAIT_MS / 1000} s; it goes on when Redis is back`);
    work.then(
      () => this.logger.log(`${what}: done after Redis came back`),
      (error: unknown) => this.logger.error({ err: error }, `${what} failed`),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.jobs.close();
  }
}
