// The player side of an owner's purge of a course's learner records (courses.service purgeLearnerRecords):
// every registration of the course, and with it (ON DELETE CASCADE from registrations) its SCO attempts with their
// CMI, interactions and objectives, and its cmi5 sessions and node states. Runs in the caller's transaction.
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { registrations } from '../../db/schema/index.js';

/** Deletes the course's registrations (and all under them); returns their ids. */
export async function deleteCourseRegistrations(db: Db, { tenantId, courseId }: { tenantId: string; courseId: string }) {
  const rows = await db
    .delete(registrations)
    .where(and(eq(registrations.tenantId, tenantId), eq(registrations.courseId, courseId)))
    .returning({ id: registrations.id });
  return rows.map((r) => r.id);
}
