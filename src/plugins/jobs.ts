// Background jobs in Postgres. `app.jobs.enqueue()` stores a job; this process's runner claims queued jobs one at a
// time (woken at once for its own jobs, polling for others'), reports throttled progress, and records the result or
// a person-readable error. Pages poll the job row, so any process can show any job's state. The rows are the jobs
// module's: app.ts passes its queries in (`store`), so this plugin imports no module.
import type { FastifyBaseLogger } from 'fastify';
import fp from 'fastify-plugin';
import type { Db } from '../db/client.js';
import type { Job } from '../db/schema/index.js';
import { DomainError } from '../lib/errors.js';

/** The job rows the runner works on (the jobs module's queries, passed in by app.ts). */
export interface JobStore {
  insertJob(db: Db, values: { tenantId: string; kind: string; input: Record<string, unknown>; createdBy: string | null }): Promise<Job>;
  claimNextJob(db: Db, options: { kinds: string[] }): Promise<Job | null>;
  updateJobProgress(db: Db, values: { jobId: string; progress: number; message: string }): Promise<unknown>;
  finishJob(
    db: Db,
    values: { jobId: string; result?: Record<string, unknown>; error?: { code: string; message: string; details?: unknown } },
  ): Promise<unknown>;
  failAbandonedJobs(db: Db, options: { olderThanMinutes: number }): Promise<unknown>;
}

export type JobHandler = (job: Job, progress: (percent: number, message: string) => void) => Promise<Record<string, unknown>>;

/** Told about every finished run (metrics): its kind, whether it failed, and how long the handler took. */
export type JobRunListener = (run: { kind: string; failed: boolean; seconds: number }) => void;

export class JobRunner {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly listeners: JobRunListener[] = [];
  private running: Promise<void> | null = null;
  private wakeAgain = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    private readonly log: FastifyBaseLogger,
    private readonly q: JobStore,
  ) {}

  register(kind: string, handler: JobHandler) {
    this.handlers.set(kind, handler);
  }

  onRunFinished(listener: JobRunListener) {
    this.listeners.push(listener);
  }

  /** A listener's mistake must never fail a job or stop the runner. */
  private tell(run: Parameters<JobRunListener>[0]) {
    for (const listener of this.listeners) {
      try {
        listener(run);
      } catch (err) {
        this.log.error({ err }, 'job run listener failed');
      }
    }
  }

  async enqueue(values: { tenantId: string; kind: string; input: Record<string, unknown>; createdBy: string | null }) {
    const job = await this.q.insertJob(this.db, values);
    this.wake();
    return job;
  }

  start(pollMs = 3000) {
    this.timer = setInterval(() => this.wake(), pollMs);
    this.timer.unref();
    this.wake();
  }

  /** Runs until no queued job is left. */
  wake(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.wakeAgain = true;
      return this.running;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.wakeAgain) {
        this.wakeAgain = false;
        void this.wake();
      }
    });
    return this.running;
  }

  /** Waits for the job queue to run dry (tests, graceful shutdown). */
  async idle() {
    while (this.running) await this.running;
  }

  async stop() {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.idle();
  }

  private async drain() {
    for (;;) {
      if (this.stopped) return;
      let job: Job | null;
      try {
        job = await this.q.claimNextJob(this.db, { kinds: [...this.handlers.keys()] });
      } catch (err) {
        this.log.error({ err }, 'job runner could not claim a job');
        return;
      }
      if (!job) return;
      await this.run(job);
    }
  }

  private async run(job: Job) {
    const handler = this.handlers.get(job.kind)!;
    let lastWrite = 0;
    let pending: Promise<unknown> = Promise.resolve();
    const progress = (percent: number, message: string) => {
      const now = Date.now();
      if (now - lastWrite < 400 && percent < 100) return;
      lastWrite = now;
      pending = pending.then(() => this.q.updateJobProgress(this.db, { jobId: job.id, progress: Math.round(percent), message })).catch(() => {});
    };
    const started = performance.now();
    let seconds: number | null = null;
    try {
      const result = await handler(job, progress);
      seconds = (performance.now() - started) / 1000;
      await pending;
      await this.q.finishJob(this.db, { jobId: job.id, result });
      this.tell({ kind: job.kind, failed: false, seconds });
    } catch (error) {
      // A success that could not be recorded is recorded below as a failure, and told as one.
      this.tell({ kind: job.kind, failed: true, seconds: seconds ?? (performance.now() - started) / 1000 });
      await pending;
      const known = error instanceof DomainError;
      if (!known) this.log.error({ err: error, jobId: job.id, kind: job.kind }, 'job failed');
      await this.q
        .finishJob(this.db, {
          jobId: job.id,
          error: known
            ? { code: error.code, message: error.message, details: error.details }
            : { code: 'INTERNAL_ERROR', message: 'Something went wrong on our side. It has been logged; please try again.' },
        })
        .catch((err) => this.log.error({ err, jobId: job.id }, 'could not record job failure'));
    }
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    jobs: JobRunner;
  }
}

export default fp<{ store: JobStore }>(
  async (app, { store }) => {
    const runner = new JobRunner(app.db, app.log, store);
    app.decorate('jobs', runner);
    app.addHook('onReady', async () => {
      await store.failAbandonedJobs(app.db, { olderThanMinutes: 60 }).catch((err) => app.log.error({ err }, 'could not fail abandoned jobs'));
      runner.start();
    });
    app.addHook('onClose', () => runner.stop());
  },
  { name: 'jobs', dependencies: ['db'] },
);
