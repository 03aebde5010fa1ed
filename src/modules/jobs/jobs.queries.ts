// SQL for background jobs. A job is claimed with FOR UPDATE SKIP LOCKED, so several processes never run one twice.
import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { jobs, type Job } from '../../db/schema/index.js';

export async function insertJob(
  db: Db,
  values: { tenantId: string; kind: string; input: Record<string, unknown>; createdBy: string | null },
): Promise<Job> {
  const [row] = await db.insert(jobs).values(values).returning();
  return row!;
}

export async function claimNextJob(db: Db, { kinds }: { kinds: string[] }): Promise<Job | null> {
  if (kinds.length === 0) return null;
  const next = db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(eq(jobs.status, 'queued'), inArray(jobs.kind, kinds)))
    .orderBy(jobs.createdAt)
    .limit(1)
    .for('update', { skipLocked: true });
  const [row] = await db
    .update(jobs)
    .set({ status: 'running', startedAt: sql`now()`, progress: 0 })
    .where(inArray(jobs.id, next))
    .returning();
  return row ?? null;
}

export function updateJobProgress(db: Db, { jobId, progress, message }: { jobId: string; progress: number; message: string }) {
  return db.update(jobs).set({ progress, message }).where(and(eq(jobs.id, jobId), eq(jobs.status, 'running')));
}

export function finishJob(
  db: Db,
  { jobId, result, error }: { jobId: string; result?: Record<string, unknown>; error?: { code: string; message: string; details?: unknown } },
) {
  return db
    .update(jobs)
    .set({
      status: error ? 'failed' : 'succeeded',
      progress: error ? sql`${jobs.progress}` : 100,
      message: error ? error.message : 'Done',
      result: result ?? null,
      error: error ?? null,
      finishedAt: sql`now()`,
    })
    .where(eq(jobs.id, jobId));
}

export async function findJob(db: Db, { tenantId, jobId }: { tenantId: string; jobId: string }) {
  const [row] = await db.select().from(jobs).where(and(eq(jobs.id, jobId), eq(jobs.tenantId, tenantId)));
  return row ?? null;
}

/** Jobs left "running" by a process that died are failed, so their pages stop spinning. */
export function failAbandonedJobs(db: Db, { olderThanMinutes }: { olderThanMinutes: number }) {
  return db
    .update(jobs)
    .set({ status: 'failed', message: 'Interrupted: the server restarted while this was running. Please try again.', finishedAt: sql`now()`, error: { code: 'INTERRUPTED', message: 'The server restarted while this job was running.' } })
    .where(and(eq(jobs.status, 'running'), lt(jobs.startedAt, sql`now() - make_interval(mins => ${olderThanMinutes})`)));
}
