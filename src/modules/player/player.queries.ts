// SQL for registrations and SCO attempts. Every function takes the tenant id.
import { and, count, desc, eq, ilike, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { courses, courseVersions, registrations, scoAttempts, scoInteractions, scoObjectives, users, type Registration, type ScoAttempt } from '../../db/schema/index.js';
import type { InteractionRecord, ObjectiveRecord } from './cmi-records.js';

/** Creates the learner's registration for the course, or returns the one they have (one per learner and course). */
export async function upsertRegistration(
  db: Db,
  values: { tenantId: string; userId: string; courseId: string; courseVersionId: string },
): Promise<{ registration: Registration; created: boolean }> {
  const [inserted] = await db.insert(registrations).values(values).onConflictDoNothing().returning();
  if (inserted) return { registration: inserted, created: true };
  const [existing] = await db
    .select()
    .from(registrations)
    .where(and(eq(registrations.tenantId, values.tenantId), eq(registrations.userId, values.userId), eq(registrations.courseId, values.courseId)));
  return { registration: existing!, created: false };
}

/** The registration with its course and version, and what its access depends on (course status, learner active). */
export async function findRegistration(db: Db, { tenantId, registrationId }: { tenantId: string; registrationId: string }) {
  const [row] = await db
    .select({ registration: registrations, courseTitle: courses.title, courseStatus: courses.status, learnerActive: users.isActive, version: courseVersions })
    .from(registrations)
    .innerJoin(courses, eq(courses.id, registrations.courseId))
    .innerJoin(courseVersions, eq(courseVersions.id, registrations.courseVersionId))
    .innerJoin(users, eq(users.id, registrations.userId))
    .where(and(eq(registrations.id, registrationId), eq(registrations.tenantId, tenantId)));
  return row ?? null;
}

/** What a launch link's access depends on: whether its learner is active, and its course's status. */
export async function findRegistrationAccess(db: Db, { tenantId, registrationId }: { tenantId: string; registrationId: string }) {
  const [row] = await db
    .select({ courseStatus: courses.status, learnerActive: users.isActive })
    .from(registrations)
    .innerJoin(courses, eq(courses.id, registrations.courseId))
    .innerJoin(users, eq(users.id, registrations.userId))
    .where(and(eq(registrations.id, registrationId), eq(registrations.tenantId, tenantId)));
  return row ?? null;
}

/**
 * Waits for row locks in this transaction give up after `ms` (SQLSTATE 55P03) instead of holding a pooled
 * connection for as long as another process keeps the lock. A setting of the transaction, not of tenant rows.
 */
export async function setLockTimeout(db: Db, ms: number) {
  await db.execute(sql.raw(`set local lock_timeout = ${Math.trunc(ms)}`));
}

/**
 * The registration's sequencing snapshot, with the row locked for the rest of the transaction: navigation requests
 * and SCO terminations of one registration are sequenced one at a time. Callers lock it before any attempt row.
 */
export async function lockSequencingState(db: Db, { tenantId, registrationId }: { tenantId: string; registrationId: string }) {
  const [row] = await db
    .select({ sequencingState: registrations.sequencingState })
    .from(registrations)
    .where(and(eq(registrations.id, registrationId), eq(registrations.tenantId, tenantId)))
    .for('update');
  return row ?? null;
}

/** What a commit needs of its registration: the version it is pinned to, and whether its access is still open. */
export async function findRegistrationVersion(db: Db, { tenantId, registrationId }: { tenantId: string; registrationId: string }) {
  const [row] = await db
    .select({ courseId: registrations.courseId, courseVersionId: registrations.courseVersionId, courseStatus: courses.status, learnerActive: users.isActive })
    .from(registrations)
    .innerJoin(courses, eq(courses.id, registrations.courseId))
    .innerJoin(users, eq(users.id, registrations.userId))
    .where(and(eq(registrations.id, registrationId), eq(registrations.tenantId, tenantId)));
  return row ?? null;
}

/** The latest attempt's result of each item of a registration: summary columns only, never the CMI. */
export function listLatestResults(db: Db, { tenantId, registrationId }: { tenantId: string; registrationId: string }) {
  return db
    .selectDistinctOn([scoAttempts.itemIdentifier], {
      itemIdentifier: scoAttempts.itemIdentifier,
      completionStatus: scoAttempts.completionStatus,
      successStatus: scoAttempts.successStatus,
      scoreScaled: scoAttempts.scoreScaled,
      scoreRaw: scoAttempts.scoreRaw,
      scoreMin: scoAttempts.scoreMin,
      scoreMax: scoAttempts.scoreMax,
      totalTimeSeconds: scoAttempts.totalTimeSeconds,
    })
    .from(scoAttempts)
    .where(and(eq(scoAttempts.tenantId, tenantId), eq(scoAttempts.registrationId, registrationId)))
    .orderBy(scoAttempts.itemIdentifier, desc(scoAttempts.attemptNumber));
}

/** The registration's sequencing snapshot, read without a lock. */
export async function readSequencingState(db: Db, { tenantId, registrationId }: { tenantId: string; registrationId: string }) {
  const [row] = await db
    .select({ sequencingState: registrations.sequencingState })
    .from(registrations)
    .where(and(eq(registrations.id, registrationId), eq(registrations.tenantId, tenantId)));
  return row ?? null;
}

/** The learner's registrations with their course titles, most recently used first. */
export function listLearnerRegistrations(db: Db, { tenantId, userId }: { tenantId: string; userId: string }) {
  return db
    .select({
      id: registrations.id,
      courseId: registrations.courseId,
      courseTitle: courses.title,
      completionStatus: registrations.completionStatus,
      successStatus: registrations.successStatus,
      scoreScaled: registrations.scoreScaled,
      lastAccessedAt: registrations.lastAccessedAt,
    })
    .from(registrations)
    .innerJoin(courses, eq(courses.id, registrations.courseId))
    // A deleted course leaves My learning; its records stay for the course's reports.
    .where(and(eq(registrations.tenantId, tenantId), eq(registrations.userId, userId), ne(courses.status, 'deleted')))
    .orderBy(desc(registrations.lastAccessedAt), desc(registrations.createdAt));
}

export function listAttempts(db: Db, { tenantId, registrationId }: { tenantId: string; registrationId: string }) {
  return db
    .select()
    .from(scoAttempts)
    .where(and(eq(scoAttempts.tenantId, tenantId), eq(scoAttempts.registrationId, registrationId)))
    .orderBy(scoAttempts.itemIdentifier, desc(scoAttempts.attemptNumber));
}

export async function findLatestAttempt(db: Db, { tenantId, registrationId, itemIdentifier }: { tenantId: string; registrationId: string; itemIdentifier: string }) {
  const [row] = await db
    .select()
    .from(scoAttempts)
    .where(and(eq(scoAttempts.tenantId, tenantId), eq(scoAttempts.registrationId, registrationId), eq(scoAttempts.itemIdentifier, itemIdentifier)))
    .orderBy(desc(scoAttempts.attemptNumber))
    .limit(1);
  return row ?? null;
}

export async function insertAttempt(
  db: Db,
  values: { tenantId: string; registrationId: string; itemIdentifier: string; attemptNumber: number },
): Promise<ScoAttempt> {
  const [inserted] = await db.insert(scoAttempts).values(values).onConflictDoNothing().returning();
  if (inserted) return inserted;
  // Two tabs launched the same item at once: both get the one attempt.
  const [existing] = await db
    .select()
    .from(scoAttempts)
    .where(and(eq(scoAttempts.registrationId, values.registrationId), eq(scoAttempts.itemIdentifier, values.itemIdentifier), eq(scoAttempts.attemptNumber, values.attemptNumber)));
  return existing!;
}

export async function findAttempt(db: Db, { tenantId, attemptId }: { tenantId: string; attemptId: string }) {
  const [row] = await db.select().from(scoAttempts).where(and(eq(scoAttempts.id, attemptId), eq(scoAttempts.tenantId, tenantId)));
  return row ?? null;
}

/** The attempt, locked for the rest of the transaction: commits to one attempt are applied one at a time. */
export async function lockAttempt(db: Db, { tenantId, attemptId }: { tenantId: string; attemptId: string }) {
  const [row] = await db
    .select()
    .from(scoAttempts)
    .where(and(eq(scoAttempts.id, attemptId), eq(scoAttempts.tenantId, tenantId)))
    .for('update');
  return row ?? null;
}

export type AttemptChanges = Partial<Omit<ScoAttempt, 'id' | 'tenantId' | 'registrationId' | 'itemIdentifier' | 'attemptNumber' | 'createdAt'>>;

export async function updateAttempt(db: Db, { tenantId, attemptId }: { tenantId: string; attemptId: string }, changes: AttemptChanges) {
  await db.update(scoAttempts).set(changes).where(and(eq(scoAttempts.id, attemptId), eq(scoAttempts.tenantId, tenantId)));
}

export type RegistrationChanges = Partial<Pick<Registration,
  'completionStatus' | 'successStatus' | 'scoreScaled' | 'scoreRaw' | 'scoreMin' | 'scoreMax' | 'totalTimeSeconds' | 'lastItemIdentifier' | 'sequencingState'>>;

/** Records an access (and the new result); `completed` stamps completed_at the first time only. */
export async function touchRegistration(
  db: Db,
  { tenantId, registrationId }: { tenantId: string; registrationId: string },
  changes: RegistrationChanges = {},
  { completed = false }: { completed?: boolean } = {},
) {
  await db
    .update(registrations)
    .set({
      ...changes,
      ...(completed ? { completedAt: sql`coalesce(${registrations.completedAt}, now())` } : {}),
      lastAccessedAt: sql`now()`,
      firstAccessedAt: sql`coalesce(${registrations.firstAccessedAt}, now())`,
      updatedAt: sql`now()`,
    })
    .where(and(eq(registrations.id, registrationId), eq(registrations.tenantId, tenantId)));
}

export interface CourseRegistrationFilter {
  tenantId: string;
  courseId: string;
  search?: string;
  status?: 'not attempted' | 'incomplete' | 'completed' | 'passed' | 'failed';
  limit: number;
  offset: number;
}

/** A course's learners with their results, for the report page and its CSV: one query with a join. */
export async function listCourseRegistrations(db: Db, filter: CourseRegistrationFilter) {
  const conditions: SQL[] = [eq(registrations.tenantId, filter.tenantId), eq(registrations.courseId, filter.courseId)];
  if (filter.status === 'passed' || filter.status === 'failed') conditions.push(eq(registrations.successStatus, filter.status));
  else if (filter.status) conditions.push(eq(registrations.completionStatus, filter.status));
  if (filter.search) {
    const pattern = `%${filter.search.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
    conditions.push(or(ilike(users.email, pattern), ilike(users.displayName, pattern))!);
  }
  const where = and(...conditions);
  const [rows, [total]] = await Promise.all([
    db
      .select({
        id: registrations.id,
        learnerName: users.displayName,
        learnerEmail: users.email,
        completionStatus: registrations.completionStatus,
        successStatus: registrations.successStatus,
        scoreScaled: registrations.scoreScaled,
        scoreRaw: registrations.scoreRaw,
        totalTimeSeconds: registrations.totalTimeSeconds,
        firstAccessedAt: registrations.firstAccessedAt,
        lastAccessedAt: registrations.lastAccessedAt,
        completedAt: registrations.completedAt,
      })
      .from(registrations)
      .innerJoin(users, eq(users.id, registrations.userId))
      .where(where)
      .orderBy(sql`${registrations.lastAccessedAt} desc nulls last`, registrations.id)
      .limit(filter.limit)
      .offset(filter.offset),
    db.select({ value: count() }).from(registrations).innerJoin(users, eq(users.id, registrations.userId)).where(where),
  ]);
  return { rows, total: total?.value ?? 0 };
}

type RecordScope = { tenantId: string; courseId: string; registrationId: string; attemptId: string };

/** Makes the attempt's interaction rows (of one run-time session for 1.2, '' for 2004) match what it reported. */
export async function replaceInteractions(db: Db, scope: RecordScope, session: string, records: InteractionRecord[]) {
  await db
    .delete(scoInteractions)
    .where(and(eq(scoInteractions.tenantId, scope.tenantId), eq(scoInteractions.attemptId, scope.attemptId), eq(scoInteractions.session, session)));
  if (records.length) await db.insert(scoInteractions).values(records.map((r) => ({ ...scope, session, ...r })));
}

/** Makes the attempt's objective rows match what it reported. */
export async function replaceObjectives(db: Db, scope: RecordScope, records: ObjectiveRecord[]) {
  await db.delete(scoObjectives).where(and(eq(scoObjectives.tenantId, scope.tenantId), eq(scoObjectives.attemptId, scope.attemptId)));
  if (records.length) await db.insert(scoObjectives).values(records.map((r) => ({ ...scope, ...r })));
}

export function listRegistrationInteractions(db: Db, { tenantId, registrationId }: { tenantId: string; registrationId: string }) {
  return db
    .select()
    .from(scoInteractions)
    .where(and(eq(scoInteractions.tenantId, tenantId), eq(scoInteractions.registrationId, registrationId)))
    .orderBy(scoInteractions.attemptId, scoInteractions.session, scoInteractions.position);
}

export function listRegistrationObjectives(db: Db, { tenantId, registrationId }: { tenantId: string; registrationId: string }) {
  return db
    .select()
    .from(scoObjectives)
    .where(and(eq(scoObjectives.tenantId, tenantId), eq(scoObjectives.registrationId, registrationId)))
    .orderBy(scoObjectives.attemptId, scoObjectives.position);
}

/**
 * Question analysis for a course: per interaction id, how many responses, how many correct, and the mean latency.
 * Served by sco_interactions_tenant_course_interaction_idx.
 */
export function summarizeCourseInteractions(db: Db, { tenantId, courseId }: { tenantId: string; courseId: string }) {
  return db
    .select({
      interactionId: scoInteractions.interactionId,
      description: sql<string | null>`max(${scoInteractions.description})`,
      type: sql<string | null>`max(${scoInteractions.type})`,
      responses: count(),
      learners: sql<number>`count(distinct ${scoInteractions.registrationId})::int`,
      correct: sql<number>`count(*) filter (where ${scoInteractions.result} = 'correct')::int`,
      incorrect: sql<number>`count(*) filter (where ${scoInteractions.result} in ('incorrect', 'wrong'))::int`,
      meanLatencySeconds: sql<number | null>`avg(${scoInteractions.latencySeconds})::float8`,
    })
    .from(scoInteractions)
    .where(and(eq(scoInteractions.tenantId, tenantId), eq(scoInteractions.courseId, courseId)))
    .groupBy(scoInteractions.interactionId)
    .orderBy(scoInteractions.interactionId)
    .limit(1000);
}
