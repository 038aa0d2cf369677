import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { type Job, JOB_NAMES, JobName } from '../dtos/job.dto.js';
import { InstallationRepository } from '../repositories/installation.repository.js';
import { installationQueuePrefix, JobRepository, jobOptions } from '../repositories/job.repository.js';
import { jobHandlerRegistrations } from './job-handlers.js';

type Handler = (data: Job['data'], attempt: { attemptsMade: number; final: boolean }) => Promise<void>;

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

  /** Queues `job` after `delayMs`, with the options jobOptions() gives its name. */
  async enqueue(job: Job, delayMs = 0): Promise<void> {
    await this.jobs.add(
      job,
      jobOptions(job, { webhookAttempts: this.config.alerts.webhookAttempts, webhookBackoffMs: this.config.alerts.webhookBackoffMs }, delayMs),
    );
  }

  async cancel(jobId: string): Promise<void> {
    await this.jobs.cancel(jobId);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.jobs.close();
  }
}
