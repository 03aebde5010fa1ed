// Rules for courses: who sees and manages them, archiving and deleting, and where a learner's browser fetches an
// item's content from.
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { UserRole } from '../../db/schema/index.js';
import type { ContentStore } from '../../lib/content-store.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { contentBaseUrl } from '../../content/content-urls.js';
import type { Principal } from '../accounts/accounts.queries.js';
import * as q from './courses.queries.js';
import type { Item, ParsedPackage } from './manifest/types.js';

export const COURSE_MANAGERS: UserRole[] = ['owner', 'admin', 'author'];

export function canManageCourses(actor: Principal): boolean {
  return COURSE_MANAGERS.includes(actor.role);
}

/** A course the actor may see: managers see every course of their tenant, learners only active ones. */
export async function getVisibleCourse(db: Db, actor: Principal, courseId: string) {
  const course = actor.tenantId && isUuid(courseId) ? await q.findCourse(db, { tenantId: actor.tenantId, courseId }) : null;
  if (!course || (!canManageCourses(actor) && course.status !== 'active')) throw new NotFoundError('No such course in your organisation.');
  return course;
}

export async function getCourseDetail(db: Db, actor: Principal, courseId: string) {
  const course = await getVisibleCourse(db, actor, courseId);
  const [versions, current] = await Promise.all([
    q.listVersions(db, { tenantId: course.tenantId, courseId: course.id }),
    course.currentVersionId ? q.findVersion(db, { tenantId: course.tenantId, versionId: course.currentVersionId }) : null,
  ]);
  return { course, versions, current };
}

export async function setCourseArchived(db: Db, actor: Principal, courseId: string, archived: boolean) {
  const course = await getVisibleCourse(db, actor, courseId);
  if (!canManageCourses(actor)) throw new ForbiddenError();
  return q.updateCourseStatus(db, { tenantId: course.tenantId, courseId: course.id, status: archived ? 'archived' : 'active' });
}

export async function deleteCourse(db: Db, store: ContentStore, actor: Principal, courseId: string) {
  const course = await getVisibleCourse(db, actor, courseId);
  if (!canManageCourses(actor)) throw new ForbiddenError();
  if (course.status !== 'archived') throw new ConflictError('Archive the course before deleting it, so nobody is using it when it goes.');
  const keys = await q.deleteCourse(db, { tenantId: course.tenantId, courseId: course.id });
  if (!keys) throw new NotFoundError('No such course in your organisation.');
  await Promise.all(keys.map((key) => store.remove(key)));
  return course;
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
