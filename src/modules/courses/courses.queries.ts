// SQL for courses and their immutable versions. Every function takes the tenant id.
import { and, count, desc, eq, ilike, max, ne, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { courses, courseVersions, registrations, users, type CourseVersion } from '../../db/schema/index.js';

export type NewVersion = typeof courseVersions.$inferInsert;

export async function insertCourse(db: Db, values: { id?: string; tenantId: string; title: string; description: string | null; createdBy: string | null }) {
  const [row] = await db.insert(courses).values(values).returning();
  return row!;
}

/** Locks the course row so two uploads of a new version to one course number their versions one after the other. */
export async function lockCourse(db: Db, { tenantId, courseId }: { tenantId: string; courseId: string }) {
  const [row] = await db
    .select()
    .from(courses)
    .where(and(eq(courses.id, courseId), eq(courses.tenantId, tenantId)))
    .for('update');
  return row ?? null;
}

export async function nextVersionNumber(db: Db, { tenantId, courseId }: { tenantId: string; courseId: string }) {
  const [row] = await db
    .select({ value: max(courseVersions.versionNumber) })
    .from(courseVersions)
    .where(and(eq(courseVersions.tenantId, tenantId), eq(courseVersions.courseId, courseId)));
  return (row?.value ?? 0) + 1;
}

export async function insertVersion(db: Db, values: NewVersion): Promise<CourseVersion> {
  const [row] = await db.insert(courseVersions).values(values).returning();
  return row!;
}

export async function setCurrentVersion(db: Db, { tenantId, courseId, versionId }: { tenantId: string; courseId: string; versionId: string }) {
  await db
    .update(courses)
    .set({ currentVersionId: versionId, updatedAt: sql`now()` })
    .where(and(eq(courses.id, courseId), eq(courses.tenantId, tenantId)));
}

export async function findCourse(db: Db, { tenantId, courseId }: { tenantId: string; courseId: string }) {
  const [row] = await db
    .select()
    .from(courses)
    .where(and(eq(courses.id, courseId), eq(courses.tenantId, tenantId)));
  return row ?? null;
}

export async function findVersion(db: Db, { tenantId, versionId }: { tenantId: string; versionId: string }) {
  const [row] = await db
    .select()
    .from(courseVersions)
    .where(and(eq(courseVersions.id, versionId), eq(courseVersions.tenantId, tenantId)));
  return row ?? null;
}

/** Versions of a course without their (large) activity trees, newest first. */
export function listVersions(db: Db, { tenantId, courseId }: { tenantId: string; courseId: string }) {
  return db
    .select({
      id: courseVersions.id,
      versionNumber: courseVersions.versionNumber,
      standard: courseVersions.standard,
      edition: courseVersions.edition,
      title: courseVersions.title,
      itemCount: courseVersions.itemCount,
      scoCount: courseVersions.scoCount,
      assetCount: courseVersions.assetCount,
      fileCount: courseVersions.fileCount,
      totalBytes: courseVersions.totalBytes,
      warningCount: sql<number>`jsonb_array_length(${courseVersions.warnings})`.mapWith(Number),
      sourceFilename: courseVersions.sourceFilename,
      createdAt: courseVersions.createdAt,
      createdByName: users.displayName,
    })
    .from(courseVersions)
    .leftJoin(users, eq(users.id, courseVersions.createdBy))
    .where(and(eq(courseVersions.tenantId, tenantId), eq(courseVersions.courseId, courseId)))
    .orderBy(desc(courseVersions.versionNumber));
}

export interface CourseFilter {
  tenantId: string;
  search?: string;
  /** Unset: active and archived courses. Deleted ones are listed only when asked for by name. */
  status?: 'active' | 'archived' | 'deleted';
  standard?: 'scorm12' | 'scorm2004' | 'cmi5';
  limit: number;
  offset: number;
}

/** Course rows with their current version's summary: one query with a join, never one per course. */
export async function listCourses(db: Db, filter: CourseFilter) {
  const conditions: SQL[] = [eq(courses.tenantId, filter.tenantId)];
  conditions.push(filter.status ? eq(courses.status, filter.status) : ne(courses.status, 'deleted'));
  if (filter.standard) conditions.push(eq(courseVersions.standard, filter.standard));
  if (filter.search) conditions.push(ilike(courses.title, `%${filter.search.replace(/[\\%_]/g, (c) => '\\' + c)}%`));
  const where = and(...conditions);
  const from = () =>
    db
      .select({
        id: courses.id,
        title: courses.title,
        status: courses.status,
        updatedAt: courses.updatedAt,
        currentVersionId: courses.currentVersionId,
        versionNumber: courseVersions.versionNumber,
        standard: courseVersions.standard,
        edition: courseVersions.edition,
        scoCount: courseVersions.scoCount,
        assetCount: courseVersions.assetCount,
        itemCount: courseVersions.itemCount,
      })
      .from(courses)
      .leftJoin(courseVersions, eq(courseVersions.id, courses.currentVersionId));
  const [rows, [total]] = await Promise.all([
    from().where(where).orderBy(desc(courses.updatedAt), courses.id).limit(filter.limit).offset(filter.offset),
    db.select({ value: count() }).from(courses).leftJoin(courseVersions, eq(courseVersions.id, courses.currentVersionId)).where(where),
  ]);
  return { rows, total: total?.value ?? 0 };
}

export async function updateCourseStatus(db: Db, { tenantId, courseId, status }: { tenantId: string; courseId: string; status: 'active' | 'archived' }) {
  const [row] = await db
    .update(courses)
    .set({ status, updatedAt: sql`now()` })
    // A deleted course stays deleted: its files are gone.
    .where(and(eq(courses.id, courseId), eq(courses.tenantId, tenantId), ne(courses.status, 'deleted')))
    .returning();
  return row ?? null;
}

/** Whether any learner has a registration (and so results) in the course. */
export async function hasLearnerRecords(db: Db, { tenantId, courseId }: { tenantId: string; courseId: string }) {
  const [row] = await db
    .select({ id: registrations.id })
    .from(registrations)
    .where(and(eq(registrations.tenantId, tenantId), eq(registrations.courseId, courseId)))
    .limit(1);
  return Boolean(row);
}

export async function countLearnerRecords(db: Db, { tenantId, courseId }: { tenantId: string; courseId: string }) {
  const [row] = await db
    .select({ value: count() })
    .from(registrations)
    .where(and(eq(registrations.tenantId, tenantId), eq(registrations.courseId, courseId)));
  return row?.value ?? 0;
}

/**
 * Marks the course deleted (the row stays, so its learners' records keep their course); returns the storage keys
 * whose files the caller removes.
 */
export async function markCourseDeleted(db: Db, { tenantId, courseId, userId }: { tenantId: string; courseId: string; userId: string }) {
  const [row] = await db
    .update(courses)
    .set({ status: 'deleted', deletedAt: sql`now()`, deletedBy: userId, updatedAt: sql`now()` })
    .where(and(eq(courses.id, courseId), eq(courses.tenantId, tenantId), ne(courses.status, 'deleted')))
    .returning({ id: courses.id });
  if (!row) return null;
  const keys = await db
    .select({ storageKey: courseVersions.storageKey })
    .from(courseVersions)
    .where(and(eq(courseVersions.tenantId, tenantId), eq(courseVersions.courseId, courseId)));
  return keys.map((k) => k.storageKey);
}

export async function findVersionStorage(db: Db, { versionId }: { versionId: string }) {
  const [row] = await db
    .select({ tenantId: courseVersions.tenantId, storageKey: courseVersions.storageKey, courseStatus: courses.status })
    .from(courseVersions)
    .innerJoin(courses, eq(courses.id, courseVersions.courseId))
    // A deleted course's content stops being served, even if removing its files failed.
    .where(and(eq(courseVersions.id, versionId), ne(courses.status, 'deleted')));
  return row ?? null;
}
