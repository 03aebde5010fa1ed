// Rules for courses: who sees and manages them, archiving and deleting (which keeps learners' records), purging
// those records (owners only), and where a learner's browser fetches an item's content from.
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { UserRole } from '../../db/schema/index.js';
import type { ContentStore } from '../../lib/content-store.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { contentBaseUrl } from '../../content/content-urls.js';
import type { Principal } from '../accounts/accounts.queries.js';
import { deleteCourseRegistrations } from '../player/player.service.js';
import { purgeRegistrationRecords } from '../xapi/registration-records.service.js';
import * as q from './courses.queries.js';
import type { Item, ParsedPackage } from './manifest/types.js';

export const COURSE_MANAGERS: UserRole[] = ['owner', 'admin', 'author'];

export function canManageCourses(actor: Principal): boolean {
  return COURSE_MANAGERS.includes(actor.role);
}

const isOwnerOrAdmin = (actor: Principal) => actor.role === 'owner' || actor.role === 'admin';

async function findTenantCourse(db: Db, actor: Principal, courseId: string) {
  return actor.tenantId && isUuid(courseId) ? q.findCourse(db, { tenantId: actor.tenantId, courseId }) : null;
}

/**
 * A course the actor may see: managers see every course of their tenant, learners only active ones. Deleted
 * courses are gone for everyone here; owners and admins still reach their records with `getReportableCourse`.
 */
export async function getVisibleCourse(db: Db, actor: Principal, courseId: string) {
  const course = await findTenantCourse(db, actor, courseId);
  if (!course || course.status === 'deleted' || (!canManageCourses(actor) && course.status !== 'active')) throw new NotFoundError('No such course in your organisation.');
  return course;
}

/** A course whose learners' records the actor may read: as visible, plus deleted courses for owners and admins. */
export async function getReportableCourse(db: Db, actor: Principal, courseId: string) {
  const course = await findTenantCourse(db, actor, courseId);
  if (course?.status === 'deleted' && isOwnerOrAdmin(actor)) return course;
  return getVisibleCourse(db, actor, courseId);
}

export async function getCourseDetail(db: Db, actor: Principal, courseId: string, { withDeleted = false }: { withDeleted?: boolean } = {}) {
  const course = await (withDeleted ? getReportableCourse : getVisibleCourse)(db, actor, courseId);
  const [versions, current] = await Promise.all([
    q.listVersions(db, { tenantId: course.tenantId, courseId: course.id }),
    course.currentVersionId ? q.findVersion(db, { tenantId: course.tenantId, versionId: course.currentVersionId }) : null,
  ]);
  return { course, versions, current };
}

/** Which courses a list shows: deleted ones only to owners and admins who ask for them. */
export function courseListStatus(actor: Principal, status: string | undefined): 'active' | 'archived' | 'deleted' | undefined {
  if (status === 'deleted') {
    if (!isOwnerOrAdmin(actor)) throw new ForbiddenError('Only owners and admins see deleted courses.');
    return 'deleted';
  }
  return status === 'active' || status === 'archived' ? status : undefined;
}

export async function setCourseArchived(db: Db, actor: Principal, courseId: string, archived: boolean) {
  const course = await getVisibleCourse(db, actor, courseId);
  if (!canManageCourses(actor)) throw new ForbiddenError();
  const updated = await q.updateCourseStatus(db, { tenantId: course.tenantId, courseId: course.id, status: archived ? 'archived' : 'active' });
  if (!updated) throw new NotFoundError('No such course in your organisation.');
  return updated;
}

/**
 * What deleting a course would mean for this actor: how many learners have records in it, and whether the actor
 * may delete it (null) or why not. Learner records are the customer's compliance evidence: they outlive the course,
 * and only an owner or admin may delete a course that has them.
 */
export async function deletionCheck(db: Db, actor: Principal, courseId: string) {
  const course = await getVisibleCourse(db, actor, courseId);
  if (!canManageCourses(actor)) throw new ForbiddenError();
  const learnerRecords = await q.countLearnerRecords(db, { tenantId: course.tenantId, courseId: course.id });
  let refusal: string | null = null;
  if (course.status !== 'archived') refusal = 'Archive the course before deleting it, so nobody is using it when it goes.';
  else if (learnerRecords > 0 && !isOwnerOrAdmin(actor)) refusal = RECORDS_NEED_ADMIN;
  return { course, learnerRecords, refusal };
}

const RECORDS_NEED_ADMIN = 'Learners have records in this course, so an owner or an admin must delete it (their records are kept).';

/**
 * Deletes a course: its content files go and it leaves every list, but the row stays with status 'deleted', so its
 * registrations, attempts, results and statements stay and stay reportable. `confirm` must be the course title.
 */
export async function deleteCourse(db: Db, store: ContentStore, actor: Principal, courseId: string, confirm: unknown) {
  const { course, refusal } = await deletionCheck(db, actor, courseId);
  if (refusal) throw course.status !== 'archived' ? new ConflictError(refusal) : new ForbiddenError(refusal);
  assertConfirmed(course, confirm);
  const { keys, learnerRecords } = await db.transaction(async (tx) => {
    // Under the course lock, a registration being created waits (its foreign key check locks the row), so the
    // count that decides whether an author may delete is the final one.
    const locked = await q.lockCourse(tx, { tenantId: course.tenantId, courseId: course.id });
    if (!locked || locked.status !== 'archived') throw new ConflictError('The course changed meanwhile: reload it and try again.');
    const learnerRecords = await q.countLearnerRecords(tx, { tenantId: course.tenantId, courseId: course.id });
    if (learnerRecords > 0 && !isOwnerOrAdmin(actor)) throw new ForbiddenError(RECORDS_NEED_ADMIN);
    const keys = await q.markCourseDeleted(tx, { tenantId: course.tenantId, courseId: course.id, userId: actor.userId });
    if (!keys) throw new NotFoundError('No such course in your organisation.');
    return { keys, learnerRecords };
  });
  await Promise.all(keys.map((key) => store.remove(key)));
  return { course, learnerRecords };
}

/** The owner's purge page: the course (deleted ones included) and how many learners' records would go. */
export async function purgeCheck(db: Db, actor: Principal, courseId: string) {
  if (actor.role !== 'owner') throw new ForbiddenError('Only an owner can purge a course’s learner records.');
  const course = await getReportableCourse(db, actor, courseId);
  const learnerRecords = await q.countLearnerRecords(db, { tenantId: course.tenantId, courseId: course.id });
  const refusal = course.status === 'active' ? 'Archive the course first, so nobody is taking it while its records are purged.' : null;
  return { course, learnerRecords, refusal };
}

/**
 * Purges every learner record of a course, owner only, after typing its title, in one transaction: registrations
 * and everything under them (attempts with their CMI, interactions, objectives, cmi5 sessions and node states),
 * and the xAPI statements and state documents recorded for those registrations. The course itself stays as it is.
 */
export async function purgeLearnerRecords(db: Db, actor: Principal, courseId: string, confirm: unknown) {
  const { course, refusal } = await purgeCheck(db, actor, courseId);
  if (refusal) throw new ConflictError(refusal);
  assertConfirmed(course, confirm);
  const scope = { tenantId: course.tenantId, courseId: course.id };
  return db.transaction(async (tx) => {
    const locked = await q.lockCourse(tx, scope);
    if (!locked || locked.status === 'active') throw new ConflictError('The course changed meanwhile: reload it and try again.');
    const registrationIds = await deleteCourseRegistrations(tx, scope);
    const lrs = await purgeRegistrationRecords(tx, { tenantId: course.tenantId, registrationIds });
    return { course, registrations: registrationIds.length, ...lrs };
  });
}

/** Destructive actions ask for the course title, typed; a mismatch is a form error, never a partial action. */
function assertConfirmed(course: { title: string }, confirm: unknown) {
  if (typeof confirm !== 'string' || confirm.trim() !== course.title.trim()) {
    throw new ValidationError({ confirm: `Type the course title, “${course.title}”, exactly to confirm.` }, 'Type the course title to confirm.');
  }
}

/** Finds an item anywhere in an organization's tree. */
export function findItem(items: Item[], identifier: string): Item | null {
  for (const item of items) {
    if (item.identifier === identifier) return item;
    const found = findItem(item.children, identifier);
    if (found) return found;
  }
  return null;
}

export function firstLaunchable(items: Item[]): Item | null {
  for (const item of items) {
    if (item.launchUrl) return item;
    const found = firstLaunchable(item.children);
    if (found) return found;
  }
  return null;
}

/**
 * The URL a browser loads for an item: on the content origin, under a signed prefix; absolute URLs as they are.
 * `preview` wraps it in the content origin's non-tracking runtime page.
 */
export function itemContentUrl(
  config: Config,
  actor: Principal,
  version: { id: string; tenantId: string },
  item: Item,
  { preview = false }: { preview?: boolean } = {},
): string | null {
  if (!item.launchUrl) return null;
  if (/^https?:\/\//i.test(item.launchUrl)) return item.launchUrl;
  const base = contentBaseUrl(config, { versionId: version.id, tenantId: version.tenantId, userId: actor.userId });
  const url = base + encodeLaunchPath(item.launchUrl);
  return preview ? url.replace(`${config.contentOrigin}/c/`, `${config.contentOrigin}/p/`) : url;
}

/**
 * Percent-encodes each path segment exactly once, keeping the query and fragment as written. Manifest hrefs are
 * URLs (`my%20page.html`) but real packages also write raw names (`my page.html`, `100%.html`): both must reach
 * the same file.
 */
export function encodeLaunchPath(launchUrl: string): string {
  const cut = launchUrl.search(/[?#]/);
  const path = cut === -1 ? launchUrl : launchUrl.slice(0, cut);
  const rest = cut === -1 ? '' : launchUrl.slice(cut);
  return path.split('/').map((segment) => encodeURIComponent(safeDecode(segment))).join('/') + rest;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function defaultOrganization(pkg: ParsedPackage) {
  return pkg.organizations.find((o) => o.identifier === pkg.defaultOrganizationId) ?? pkg.organizations[0] ?? null;
}
