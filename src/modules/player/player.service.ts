// Rules of the SCORM player: who may take a course (one place, so enrolment and purchase rules slot in later),
// registrations pinned to a version, launching an item (attempts, resume, seeded CMI, review and browse), and
// navigation. Applying commits is commit.service.ts; the course result is results.ts.
import { randomUUID } from 'node:crypto';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { contentBaseUrl } from '../../content/content-urls.js';
import { BadRequestError, ForbiddenError, NotFoundError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { deriveKey, signToken, verifyToken } from '../../lib/signed-token.js';
import type { Principal } from '../accounts/accounts.queries.js';
import { findCourse } from '../courses/courses.queries.js';
import { encodeLaunchPath } from '../courses/courses.service.js';
import type { Item, Organization } from '../courses/manifest/types.js';
import { recordScormActivity } from '../xapi/scorm-recording.service.js';
import { launchedStatement } from '../xapi/scorm-statements.js';
import { seedCmi, type LaunchMode, type Standard } from './cmi.js';
import * as q from './player.queries.js';
import * as purgeQueries from './purge.queries.js';
import { recomputeResult } from './results.js';
import { activityTreeFor, isNavigationRequest, isSequenced, openSession, requestNavigation, type SequencingSnapshot } from './sequencing.service.js';
import { planFor, type VersionPlan } from './version-plan.js';

/**
 * Access to a course, in one place. Today every active course of the tenant is open to its members; assignment,
 * enrolment and purchase rules will be checked here.
 */
export async function assertCanTake(db: Db, actor: Principal, courseId: string) {
  const course = actor.tenantId && isUuid(courseId) ? await findCourse(db, { tenantId: actor.tenantId, courseId }) : null;
  if (!course || course.status !== 'active' || !course.currentVersionId) throw new NotFoundError('No such course is open to you.');
  return course;
}

export async function openRegistration(db: Db, actor: Principal, courseId: string) {
  const course = await assertCanTake(db, actor, courseId);
  return q.upsertRegistration(db, { tenantId: course.tenantId, userId: actor.userId, courseId: course.id, courseVersionId: course.currentVersionId! });
}

/** A registration its learner may play, or that an owner/admin of the tenant may inspect. */
export async function getRegistration(db: Db, actor: Principal, registrationId: string) {
  const found = actor.tenantId && isUuid(registrationId) ? await q.findRegistration(db, { tenantId: actor.tenantId, registrationId }) : null;
  const isAdmin = actor.role === 'owner' || actor.role === 'admin';
  // A deleted course is gone for its learners; owners and admins still read its records in reports.
  if (!found || (found.courseStatus === 'deleted' && !isAdmin)) throw new NotFoundError('No such registration.');
  if (found.registration.userId !== actor.userId && !isAdmin) throw new ForbiddenError('This is another learner’s registration.');
  return found;
}

/** Shown (and thrown) when a launch link outlived the access that opened it. */
export class LaunchClosedError extends ForbiddenError {
  constructor() {
    super('This course is no longer available to you.');
  }
}

/**
 * A launch link (runtime token, a learner's content link) works only while its learner is active and its course is
 * open. Anything but 'active' closes it: archived, deleted, and whatever state comes later.
 */
export function launchIsOpen(access: { learnerActive: boolean; courseStatus: string }): boolean {
  return access.learnerActive && access.courseStatus === 'active';
}

/**
 * The same check for content file requests, which come by the dozen per page: answers are cached for `ttlMs`, so a
 * deactivation or archive closes a learner's content links within that time (commits and launches at once).
 */
export function cachedLaunchAccess(db: Db, ttlMs = 15_000) {
  const cache = new Map<string, { open: boolean; expires: number }>();
  return async (tenantId: string, registrationId: string): Promise<boolean> => {
    const key = `${tenantId}/${registrationId}`;
    const hit = cache.get(key);
    if (hit && hit.expires > Date.now()) return hit.open;
    const access = isUuid(registrationId) ? await q.findRegistrationAccess(db, { tenantId, registrationId }) : null;
    const open = Boolean(access && launchIsOpen(access));
    cache.delete(key); // re-inserted last: the oldest entry is first in line to go
    cache.set(key, { open, expires: Date.now() + ttlMs });
    if (cache.size > 10_000) cache.delete(cache.keys().next().value!);
    return open;
  };
}

/** What a commit may touch: one attempt of one item of one registration, for a few hours. */
export interface RuntimeGrant {
  /** Registration, tenant, attempt, item, standard, user. */
  r: string;
  t: string;
  a: string;
  /** The run-time session (one per launch). */
  k: string;
  i: string;
  s: Standard;
  u: string;
  /** Learner's display name, for cmi.core.student_name / cmi.learner_name. */
  n: string;
  /** Launch mode when not normal: review or browse launches are no-credit and store nothing. */
  m?: Exclude<LaunchMode, 'normal'>;
  exp: number;
}

const RUNTIME_TTL_SECONDS = 12 * 3600;

export function runtimeKey(config: Config) {
  return deriveKey(config.sessionSecret, 'scorm-runtime');
}

export function readRuntimeGrant(config: Config, token: string) {
  return verifyToken<RuntimeGrant>(token, runtimeKey(config));
}

export interface Launch {
  /** The item delivered now; null when nothing is (the sequencing session ended, or its rules allow nothing yet). */
  item: Item | null;
  organization: Organization | null;
  items: Item[];
  runtimeToken: string | null;
  /** SCORM 2004: the sequencing snapshot (navigation allowed now, course result); null for 1.2. */
  sequencing: SequencingSnapshot | null;
}

/**
 * Opens (or resumes) the item's attempt; the runtime page on the content origin gets its token. SCORM 1.2 plays
 * the item asked for (or the last one); SCORM 2004 plays what the sequencer delivers.
 */
export async function launchItem(
  db: Db,
  config: Config,
  actor: Principal,
  registrationId: string,
  { itemId, mode = 'normal' }: { itemId?: string; mode?: LaunchMode } = {},
): Promise<Launch> {
  const { registration, version, courseTitle } = await getRegistration(db, actor, registrationId);
  if (registration.userId !== actor.userId) throw new ForbiddenError('Only the learner can play their registration.');
  const plan = planFor(version);
  if (mode !== 'normal') return launchWithoutCredit(db, config, actor, registration, plan, mode, itemId);
  const { organization, launchable } = plan;
  const tree = isSequenced(version.standard) ? activityTreeFor(plan) : null;
  const sequencing = tree ? await openSession(db, { tenantId: registration.tenantId, registrationId: registration.id }, tree) : null;
  const wanted = sequencing ? sequencing.current : (itemId ?? registration.lastItemIdentifier ?? launchable[0]?.identifier);
  const item = wanted ? plan.items.get(wanted) : null;
  if (!item?.launchUrl) {
    if (sequencing) return { item: null, organization, items: launchable, runtimeToken: null, sequencing };
    throw new NotFoundError('This item has nothing to launch.');
  }

  const scope = { tenantId: registration.tenantId, registrationId: registration.id };
  const latest = await q.findLatestAttempt(db, { ...scope, itemIdentifier: item.identifier });
  // A suspended or unfinished attempt goes on; a finished one is followed by a new attempt.
  const resumable = latest && (!latest.terminatedAt || latest.exit === 'suspend');
  const attempt = resumable ? latest : await q.insertAttempt(db, { ...scope, itemIdentifier: item.identifier, attemptNumber: (latest?.attemptNumber ?? 0) + 1 });
  const standard = version.standard as Standard;
  // Every launch is a new run-time session: its commit sequence starts again, and older sessions may no longer
  // write (a late beacon from the last visit must not overwrite what this one saves).
  const session = randomUUID();
  await q.updateAttempt(db, { tenantId: registration.tenantId, attemptId: attempt.id }, {
    runtimeSession: session,
    lastSequence: 0,
    terminatedAt: null,
    // Assets make no API calls: launching one completes it (SCORM 2004 CAM 3.4.1.14; 1.2 behaves the same).
    ...(item.scormType === 'asset' ? { completionStatus: 'completed', lastCommittedAt: new Date() } : {}),
  });
  await recomputeResult(db, registration.tenantId, registration.id, launchable.map((i) => i.identifier), item.identifier, sequencing?.root ?? null);
  const scorm = { appOrigin: config.appOrigin, learner: { userId: actor.userId, name: actor.displayName }, registrationId: registration.id, courseId: registration.courseId, courseTitle, item };
  await recordScormActivity(db, registration.tenantId, config.appOrigin, [launchedStatement(scorm)]);

  const grant: RuntimeGrant = {
    r: registration.id, t: registration.tenantId, a: attempt.id, k: session, i: item.identifier, s: standard, u: actor.userId, n: actor.displayName,
    exp: Math.floor(Date.now() / 1000) + RUNTIME_TTL_SECONDS,
  };
  return { item, organization, items: launchable, runtimeToken: signToken(grant, runtimeKey(config)), sequencing };
}

/**
 * A SCORM 2004 navigation request from the player (the learner's own registration only). False when the
 * sequencer refuses it (a disabled activity, flow not allowed, nothing before or after).
 */
export async function navigate(db: Db, actor: Principal, registrationId: string, request: unknown, target?: string): Promise<boolean> {
  const { registration, version } = await getRegistration(db, actor, registrationId);
  if (registration.userId !== actor.userId) throw new ForbiddenError('Only the learner can play their registration.');
  const tree = isSequenced(version.standard) ? activityTreeFor(planFor(version)) : null;
  if (!tree) throw new BadRequestError('This course has no sequencing: open its items from the contents.');
  if (!isNavigationRequest(request)) throw new BadRequestError('Unknown navigation request.');
  if ((request === 'choice' || request === 'jump') && !target) throw new BadRequestError('Say which activity to open.');
  const { accepted } = await requestNavigation(db, { tenantId: registration.tenantId, registrationId: registration.id }, tree, request, target);
  return accepted;
}

/**
 * Review or browse: the item asked for (or the last one, or the first), with its last attempt's data for review;
 * no attempt is opened, no sequencing step runs, and commits are answered without being stored. Any launchable item
 * may be opened: looking is not taking, so the sequencing rules that guard attempts do not apply.
 */
async function launchWithoutCredit(
  db: Db,
  config: Config,
  actor: Principal,
  registration: { id: string; tenantId: string; lastItemIdentifier: string | null },
  plan: VersionPlan,
  mode: Exclude<LaunchMode, 'normal'>,
  itemId?: string,
): Promise<Launch> {
  const launchable = new Set(plan.launchableIds);
  const wanted = [itemId, registration.lastItemIdentifier, plan.launchableIds[0]].find((id) => id && launchable.has(id));
  const item = wanted ? plan.items.get(wanted)! : null;
  if (!item) throw new NotFoundError('This item has nothing to launch.');
  const latest = mode === 'review' ? await q.findLatestAttempt(db, { tenantId: registration.tenantId, registrationId: registration.id, itemIdentifier: item.identifier }) : null;
  const grant: RuntimeGrant = {
    r: registration.id, t: registration.tenantId, a: latest?.id ?? '', k: '', i: item.identifier, s: plan.standard, u: actor.userId, n: actor.displayName, m: mode,
    exp: Math.floor(Date.now() / 1000) + RUNTIME_TTL_SECONDS,
  };
  return { item, organization: plan.organization, items: plan.launchable, runtimeToken: signToken(grant, runtimeKey(config)), sequencing: null };
}

/**
 * What the runtime page seeds: the attempt's CMI (resumed when suspended) and the item's content URL, whose grant
 * names the registration so that its files stop with the learner's access. LaunchClosedError once access ended.
 */
export async function prepareRuntime(db: Db, config: Config, grant: RuntimeGrant) {
  const found = await q.findRegistration(db, { tenantId: grant.t, registrationId: grant.r });
  if (found && !launchIsOpen(found)) throw new LaunchClosedError();
  const attempt = found && grant.a ? await q.findAttempt(db, { tenantId: grant.t, attemptId: grant.a }) : null;
  const item = found ? planFor(found.version).items.get(grant.i) : null;
  if (!found || (!attempt && !grant.m) || !item?.launchUrl) return null;
  const previous = attempt ? { cmi: attempt.cmi as Record<string, unknown>, exit: attempt.exit, totalTimeSeconds: attempt.totalTimeSeconds } : null;
  const cmi = seedCmi(grant.s, item, { id: grant.u, name: learnerName(grant.n) }, previous, grant.m ?? 'normal');
  const { version } = found;
  const base = contentBaseUrl(config, { versionId: version.id, tenantId: version.tenantId, userId: grant.u, registrationId: grant.r }, RUNTIME_TTL_SECONDS);
  const contentUrl = /^https?:\/\//i.test(item.launchUrl) ? item.launchUrl : base + encodeLaunchPath(item.launchUrl);
  return { title: item.title, standard: grant.s, item: item.identifier, cmi, contentUrl };
}

/** SCORM 1.2 wants "Last, First" (RTE 3.4.2 cmi.core.student_name); we only know a display name. */
export function learnerName(displayName: string): string {
  const parts = displayName.trim().split(/\s+/);
  return parts.length < 2 ? displayName : `${parts.at(-1)}, ${parts.slice(0, -1).join(' ')}`;
}

// Other modules change registration rows only through these two (reads may use player.queries directly).

/** Records a registration's progress reported by another runtime (cmi5 launches and results), in the caller's transaction. */
export function updateRegistrationProgress(...args: Parameters<typeof q.touchRegistration>) {
  return q.touchRegistration(...args);
}

/** Deletes a course's registrations and their attempts (an owner's purge of learner records); returns their ids. */
export function deleteCourseRegistrations(...args: Parameters<typeof purgeQueries.deleteCourseRegistrations>) {
  return purgeQueries.deleteCourseRegistrations(...args);
}
