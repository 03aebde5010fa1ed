// SQL for cmi5 sessions and per-registration AU, block and course states. Every function takes the tenant id, but
// three that start from a secret or run for the whole LMS: the fetch URL and the auth token find their session by
// its id (the tenant comes from the row, as an LRS key's does), and the sweep of sessions left open.
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { cmi5NodeStates, cmi5Sessions, courses, courseVersions, registrations, users, type Cmi5Session } from '../../db/schema/index.js';

type Scope = { tenantId: string; registrationId: string };

export async function insertSession(db: Db, values: typeof cmi5Sessions.$inferInsert) {
  const [row] = await db.insert(cmi5Sessions).values(values).returning();
  return row!;
}

export async function findSession(db: Db, { tenantId, sessionId }: { tenantId?: string; sessionId: string }) {
  const [row] = await db
    .select()
    .from(cmi5Sessions)
    .where(tenantId ? and(eq(cmi5Sessions.id, sessionId), eq(cmi5Sessions.tenantId, tenantId)) : eq(cmi5Sessions.id, sessionId));
  return row ?? null;
}

/** The session row, locked: the statements of one session are checked one request at a time. */
export async function lockSession(db: Db, { tenantId, sessionId }: { tenantId: string; sessionId: string }) {
  const [row] = await db.select().from(cmi5Sessions).where(and(eq(cmi5Sessions.id, sessionId), eq(cmi5Sessions.tenantId, tenantId))).for('update');
  return row ?? null;
}

export async function updateSession(db: Db, { tenantId, sessionId }: { tenantId: string; sessionId: string }, changes: Partial<Cmi5Session>) {
  await db.update(cmi5Sessions).set(changes).where(and(eq(cmi5Sessions.id, sessionId), eq(cmi5Sessions.tenantId, tenantId)));
}

/**
 * Hands out the fetch URL's token once: only the first caller with the right key gets the row back. The launch URL
 * (kept for the player frame, and holding the fetch key) is forgotten then: from here on only hashes remain.
 */
export async function claimFetch(db: Db, { sessionId, fetchKeyHash, authSecretHash }: { sessionId: string; fetchKeyHash: string; authSecretHash: string }) {
  const [row] = await db
    .update(cmi5Sessions)
    .set({ fetchedAt: sql`now()`, authSecretHash, launchUrl: null })
    .where(and(eq(cmi5Sessions.id, sessionId), eq(cmi5Sessions.fetchKeyHash, fetchKeyHash), sql`${cmi5Sessions.fetchedAt} is null`, inArray(cmi5Sessions.state, ['launched', 'initialized'])))
    .returning({ id: cmi5Sessions.id });
  return row ?? null;
}

/** Sessions of the registration still open (launched or initialized, never terminated). */
export function listOpenSessions(db: Db, { tenantId, registrationId }: Scope) {
  return db
    .select()
    .from(cmi5Sessions)
    .where(and(eq(cmi5Sessions.tenantId, tenantId), eq(cmi5Sessions.registrationId, registrationId), inArray(cmi5Sessions.state, ['launched', 'initialized'])))
    .for('update');
}

export function listSessions(db: Db, { tenantId, registrationId }: Scope, limit = 50) {
  return db
    .select()
    .from(cmi5Sessions)
    .where(and(eq(cmi5Sessions.tenantId, tenantId), eq(cmi5Sessions.registrationId, registrationId)))
    .orderBy(desc(cmi5Sessions.launchedAt))
    .limit(limit);
}

export function listNodeStates(db: Db, { tenantId, registrationId }: Scope) {
  return db.select().from(cmi5NodeStates).where(and(eq(cmi5NodeStates.tenantId, tenantId), eq(cmi5NodeStates.registrationId, registrationId)));
}

/** Writes AU results and satisfaction marks (only ever turning flags on: cmi5 results are never taken back). */
export async function saveNodeStates(db: Db, scope: Scope, rows: { nodeId: string; completed?: boolean; passed?: boolean; failed?: boolean; scoreScaled?: number | null; waivedReason?: string | null; satisfied?: boolean }[]) {
  if (!rows.length) return;
  const n = cmi5NodeStates;
  await db
    .insert(n)
    .values(rows.map((r) => ({
      tenantId: scope.tenantId, registrationId: scope.registrationId, nodeId: r.nodeId,
      completed: r.completed ?? false, passed: r.passed ?? false, failed: r.failed ?? false,
      scoreScaled: r.scoreScaled ?? null, waivedReason: r.waivedReason ?? null, satisfiedAt: r.satisfied ? new Date() : null,
    })))
    .onConflictDoUpdate({
      target: [n.registrationId, n.nodeId],
      set: {
        completed: sql`${n.completed} or excluded.completed`,
        passed: sql`${n.passed} or excluded.passed`,
        failed: sql`${n.failed} or excluded.failed`,
        scoreScaled: sql`coalesce(excluded.score_scaled, ${n.scoreScaled})`,
        waivedReason: sql`coalesce(${n.waivedReason}, excluded.waived_reason)`,
        satisfiedAt: sql`coalesce(${n.satisfiedAt}, excluded.satisfied_at)`,
        updatedAt: sql`now()`,
      },
    });
}

/** Locks the registration row: launches, waivers and the statements of its sessions change its state one at a time. */
export async function lockRegistration(db: Db, { tenantId, registrationId }: Scope) {
  const [row] = await db.select({ id: registrations.id }).from(registrations).where(and(eq(registrations.id, registrationId), eq(registrations.tenantId, tenantId))).for('update');
  return row ?? null;
}

/** The session with what the LRS needs to apply its rules: the learner and the registration's version. */
export async function findSessionForAuth(db: Db, sessionId: string) {
  const [row] = await db
    .select({ session: cmi5Sessions, versionId: registrations.courseVersionId, courseStatus: courses.status, learnerActive: users.isActive })
    .from(cmi5Sessions)
    .innerJoin(registrations, eq(registrations.id, cmi5Sessions.registrationId))
    .innerJoin(courses, eq(courses.id, registrations.courseId))
    .innerJoin(users, eq(users.id, cmi5Sessions.userId))
    .where(eq(cmi5Sessions.id, sessionId));
  return row ?? null;
}

export async function findVersionTree(db: Db, { tenantId, versionId }: { tenantId: string; versionId: string }) {
  const [row] = await db
    .select({ id: courseVersions.id, activityTree: courseVersions.activityTree })
    .from(courseVersions)
    .where(and(eq(courseVersions.id, versionId), eq(courseVersions.tenantId, tenantId)));
  return row ?? null;
}

export async function findUserName(db: Db, { tenantId, userId }: { tenantId: string; userId: string }) {
  const [row] = await db.select({ name: users.displayName }).from(users).where(and(eq(users.id, userId), eq(users.tenantId, tenantId)));
  return row?.name ?? null;
}

/** Adds a session's time to the registration's total (sessions end one at a time, under the registration lock). */
export async function addRegistrationTime(db: Db, { tenantId, registrationId }: Scope, seconds: number) {
  if (!(seconds > 0)) return;
  await db
    .update(registrations)
    .set({ totalTimeSeconds: sql`${registrations.totalTimeSeconds} + ${seconds}`, lastAccessedAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(eq(registrations.id, registrationId), eq(registrations.tenantId, tenantId)));
}

/**
 * Open sessions with no activity since `before`, oldest first, with their registration's version. The one cmi5
 * query across tenants: the LMS's own sweep, which then works on each under its tenant's locks.
 */
export function listStaleSessions(db: Db, before: Date, limit: number) {
  return db
    .select({ id: cmi5Sessions.id, tenantId: cmi5Sessions.tenantId, registrationId: cmi5Sessions.registrationId, versionId: registrations.courseVersionId })
    .from(cmi5Sessions)
    .innerJoin(registrations, eq(registrations.id, cmi5Sessions.registrationId))
    .where(and(inArray(cmi5Sessions.state, ['launched', 'initialized']), sql`${cmi5Sessions.lastActivityAt} < ${before.toISOString()}::timestamptz`))
    .orderBy(cmi5Sessions.lastActivityAt)
    .limit(limit);
}
