// Rules of the SCORM player: who may take a course (one place, so enrolment and purchase rules slot in later),
// registrations pinned to a version, launching an item (attempts, resume, seeded CMI), and applying commits:
// ordered, idempotent, refused after Terminate, durable once acknowledged.
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
import { get, parseDuration2004, parseTimespan12, rollupCourse, seedCmi, summarizeCmi, type CmiSummary, type ItemResult, type LaunchMode, type Standard } from './cmi.js';
import { recordScormActivity } from '../xapi/scorm-recording.service.js';
import { commitStatements, launchedStatement, type ScormChange } from '../xapi/scorm-statements.js';
import { interactionRecords, objectiveRecords } from './cmi-records.js';
import { validateCmi } from './cmi-validation.js';
import * as q from './player.queries.js';
import { launchableItems, loadPlan, planFor, type VersionPlan } from './version-plan.js';
import { activityTreeFor, endScoSession, isNavigationRequest, isSequenced, openSession, requestNavigation, type SequencingSnapshot } from './sequencing.service.js';
import type { RootResult } from './sequencing/sequencing-engine.js';

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
  if (!found) throw new NotFoundError('No such registration.');
  const isAdmin = actor.role === 'owner' || actor.role === 'admin';
  if (found.registration.userId !== actor.userId && !isAdmin) throw new ForbiddenError('This is another learner’s registration.');
  return found;
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

/** What the runtime page seeds: the attempt's CMI (resumed when suspended) and the item's content URL. */
export async function prepareRuntime(db: Db, config: Config, grant: RuntimeGrant) {
  const found = await q.findRegistration(db, { tenantId: grant.t, registrationId: grant.r });
  const attempt = found && grant.a ? await q.findAttempt(db, { tenantId: grant.t, attemptId: grant.a }) : null;
  const item = found ? planFor(found.version).items.get(grant.i) : null;
  if (!found || (!attempt && !grant.m) || !item?.launchUrl) return null;
  const previous = attempt ? { cmi: attempt.cmi as Record<string, unknown>, exit: attempt.exit, totalTimeSeconds: attempt.totalTimeSeconds } : null;
  const cmi = seedCmi(grant.s, item, { id: grant.u, name: learnerName(grant.n) }, previous, grant.m ?? 'normal');
  const { version } = found;
  const base = contentBaseUrl(config, { versionId: version.id, tenantId: version.tenantId, userId: grant.u }, RUNTIME_TTL_SECONDS);
  const contentUrl = /^https?:\/\//i.test(item.launchUrl) ? item.launchUrl : base + encodeLaunchPath(item.launchUrl);
  return { title: item.title, standard: grant.s, item: item.identifier, cmi, contentUrl };
}

/** SCORM 1.2 wants "Last, First" (RTE 3.4.2 cmi.core.student_name); we only know a display name. */
function learnerName(displayName: string): string {
  const parts = displayName.trim().split(/\s+/);
  return parts.length < 2 ? displayName : `${parts.at(-1)}, ${parts.slice(0, -1).join(' ')}`;
}

export interface CommitBody {
  commitSequence?: number;
  runtimeData?: { cmi?: Record<string, unknown> };
  cmi?: Record<string, unknown>;
  /** SCORM 2004: adl.nav.request as the content left it, sent with the final commit. */
  navRequest?: unknown;
}

export interface CommitAnswer {
  result: boolean;
  errorCode: number;
  /** SCORM 2004 final commits: whether the sequencer now delivers an activity, or ended the session. */
  sequencing?: 'deliver' | 'ended' | 'wait';
}

/**
 * Applies a commit from the runtime. Ordered and idempotent by commitSequence: a number already applied answers
 * the same success and changes nothing. Refused after the attempt terminated (2004 error 143 "Commit After
 * Termination"; 1.2 has no such code, so 101 "General Exception"). The answer goes out only after the row is
 * written, so an acknowledged commit survives a crash.
 */
export async function applyCommit(
  db: Db,
  grant: RuntimeGrant,
  body: CommitBody,
  { final, suspendDataLimit12, appOrigin }: { final: boolean; suspendDataLimit12: number; appOrigin: string },
): Promise<CommitAnswer> {
  const received = body.runtimeData?.cmi ?? body.cmi;
  const generalError = grant.s === 'scorm12' ? 101 : 391;
  if (!received || typeof received !== 'object' || Array.isArray(received)) return { result: false, errorCode: generalError };
  const sequence = Number.isInteger(body.commitSequence) ? body.commitSequence! : null;
  const checked = validateCmi(grant.s, received, { suspendDataLimit12 });
  if (!checked.ok) return { result: false, errorCode: checked.errorCode };
  // Review and browse are no-credit: the content runs as usual, and what it reports is not kept.
  if (grant.m) return { result: true, errorCode: 0 };
  const cmi = withLmsIdentity(grant, received);

  const sequenced = final && isSequenced(grant.s);
  const navRequest = typeof body.navRequest === 'string' && body.navRequest.length <= 4000 ? body.navRequest : null;

  return db.transaction(async (tx) => {
    // Sequencing steps lock the registration before any attempt; so does a final 2004 commit (no deadlock).
    const locked = sequenced ? await q.lockSequencingState(tx, { tenantId: grant.t, registrationId: grant.r }) : null;
    const attempt = await q.lockAttempt(tx, { tenantId: grant.t, attemptId: grant.a });
    if (!attempt || attempt.registrationId !== grant.r) return { result: false, errorCode: generalError };
    // A newer launch of this item took over (a second tab, or a beacon arriving after the learner came back).
    if (attempt.runtimeSession !== grant.k) return { result: false, errorCode: generalError };
    if (attempt.terminatedAt) return { result: false, errorCode: grant.s === 'scorm12' ? 101 : 143 };
    if (sequence !== null && sequence <= attempt.lastSequence) return { result: true, errorCode: 0 };

    const registration = await q.findRegistrationVersion(tx, { tenantId: grant.t, registrationId: grant.r });
    const plan = registration ? await loadPlan(tx, { tenantId: grant.t, versionId: registration.courseVersionId }) : null;
    const item = plan?.items.get(grant.i);
    if (!plan || !item) return { result: false, errorCode: generalError };

    const stored = final ? completeUnreported(grant.s, cmi, item) : cmi;
    const summary = summarizeCmi(grant.s, stored, item, attempt.totalTimeSeconds);
    await q.updateAttempt(tx, { tenantId: grant.t, attemptId: attempt.id }, {
      cmi: stored,
      ...summary,
      lastSequence: sequence ?? attempt.lastSequence + 1,
      lastCommittedAt: new Date(),
      terminatedAt: final ? new Date() : null,
    });
    await syncRecords(tx, grant, { courseId: registration!.courseId, attemptId: attempt.id, before: attempt.cmi as Record<string, unknown> }, stored);
    // 2004: the sequencer's rollup changes only when a SCO's session ends; until then the course keeps its status.
    let root: RootResult | 'unchanged' | null = isSequenced(grant.s) ? 'unchanged' : null;
    let outcome: CommitAnswer['sequencing'];
    const tree = sequenced ? activityTreeFor(plan) : null;
    if (tree && locked) {
      const current = locked.sequencingState as SequencingSnapshot | null;
      const next = endScoSession(tree, current, grant.i, stored, navRequest);
      if (next) {
        await q.touchRegistration(tx, { tenantId: grant.t, registrationId: grant.r }, { sequencingState: next });
        outcome = next.current && next.current !== grant.i ? 'deliver' : next.current ? 'wait' : 'ended';
      }
      root = (next ?? current)?.root ?? 'unchanged';
    }
    await recomputeResult(tx, grant.t, grant.r, plan.launchableIds, grant.i, root, { itemIdentifier: grant.i, ...summary });
    const change = scormChange(grant.s, attempt, summary, attempt.cmi as Record<string, unknown>, stored, final);
    if (change) {
      const scorm = { appOrigin, learner: { userId: grant.u, name: grant.n }, registrationId: grant.r, courseId: registration!.courseId, courseTitle: plan.pkg.title, item };
      await recordScormActivity(tx, grant.t, appOrigin, commitStatements(scorm, change));
    }
    return { result: true, errorCode: 0, ...(outcome ? { sequencing: outcome } : {}) };
  });
}

/** What a commit changed that the LRS hears about (initialized, answers, completion, pass/fail, termination); null if nothing. */
function scormChange(
  standard: Standard,
  before: { lastSequence: number; completionStatus: string; successStatus: string },
  after: CmiSummary,
  beforeCmi: Record<string, unknown>,
  cmi: Record<string, unknown>,
  final: boolean,
): ScormChange | null {
  const seen = new Set(interactionRecords(standard, beforeCmi).map((r) => JSON.stringify(r)));
  const change: ScormChange = {
    initialized: before.lastSequence === 0,
    completed: after.completionStatus === 'completed' && before.completionStatus !== 'completed',
    success: after.successStatus !== before.successStatus && (after.successStatus === 'passed' || after.successStatus === 'failed') ? after.successStatus : null,
    score: { scaled: after.scoreScaled, raw: after.scoreRaw, min: after.scoreMin, max: after.scoreMax },
    answered: interactionRecords(standard, cmi).filter((r) => !seen.has(JSON.stringify(r))),
    terminated: final,
    sessionSeconds: standard === 'scorm12' ? parseTimespan12(get(cmi, 'core.session_time')) : parseDuration2004(cmi.session_time),
  };
  return change.initialized || change.completed || change.success || change.answered.length || change.terminated ? change : null;
}

/**
 * Keeps the interaction and objective rows in step with the CMI, rewriting them only when the content changed
 * them (compared in a canonical form: jsonb does not keep key order).
 */
async function syncRecords(db: Db, grant: RuntimeGrant, at: { courseId: string; attemptId: string; before: Record<string, unknown> }, cmi: Record<string, unknown>) {
  const scope = { tenantId: grant.t, courseId: at.courseId, registrationId: grant.r, attemptId: at.attemptId };
  if (canonicalJson(at.before.interactions) !== canonicalJson(cmi.interactions)) {
    // 1.2 interactions are write-only: each run-time session journals its own from index 0.
    await q.replaceInteractions(db, scope, grant.s === 'scorm12' ? grant.k : '', interactionRecords(grant.s, cmi));
  }
  if (canonicalJson(at.before.objectives) !== canonicalJson(cmi.objectives)) await q.replaceObjectives(db, scope, objectiveRecords(grant.s, cmi));
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

/**
 * Content that ends without reporting completion is completed by the LMS: SCORM 1.2 RTE 3.4.4 (a SCO that never
 * sets cmi.core.lesson_status is completed on LMSFinish), and in 2004 IMS SS delivery controls, whose default
 * completionSetByContent="false" leaves completion to the LMS when the attempt ends. Otherwise "minimum calls"
 * content could never be completed.
 */
function completeUnreported(standard: Standard, cmi: Record<string, unknown>, item: Item): Record<string, unknown> {
  if (standard === 'scorm12') {
    const core = cmi.core as Record<string, unknown> | undefined;
    if (!core || (core.lesson_status && core.lesson_status !== 'not attempted')) return cmi;
    return { ...cmi, core: { ...core, lesson_status: 'completed' } };
  }
  const reported = cmi.completion_status === 'completed' || cmi.completion_status === 'incomplete';
  if (reported || item.sequencing?.deliveryControls.completionSetByContent) return cmi;
  return { ...cmi, completion_status: 'completed' };
}

/** Who the learner is, whatever the request says: the LMS's values replace the commit's (read-only to content). */
function withLmsIdentity(grant: RuntimeGrant, cmi: Record<string, unknown>): Record<string, unknown> {
  const name = learnerName(grant.n);
  if (grant.s === 'scorm12') {
    const core = (cmi.core && typeof cmi.core === 'object' ? cmi.core : {}) as Record<string, unknown>;
    return { ...cmi, core: { ...core, student_id: grant.u, student_name: name, credit: 'credit', lesson_mode: 'normal' } };
  }
  return { ...cmi, learner_id: grant.u, learner_name: name, credit: 'credit', mode: 'normal' };
}

/**
 * The course result. SCORM 2004 takes status and score from the sequencer's root activity (rollup rules, measure
 * weights, objectives all applied), or keeps them ('unchanged') between SCO terminations; 1.2 has no rollup model,
 * so the SCOs' results are combined. `latest` is the result just written, which spares a query for one-SCO courses.
 */
async function recomputeResult(
  db: Db,
  tenantId: string,
  registrationId: string,
  launchable: string[],
  lastItem: string,
  root: RootResult | 'unchanged' | null | undefined,
  latest?: ItemResult,
) {
  const results = latest && launchable.length === 1 && launchable[0] === latest.itemIdentifier
    ? [latest]
    : await q.listLatestResults(db, { tenantId, registrationId });
  const combined = rollupCourse(launchable, results);
  if (root === 'unchanged') {
    await q.touchRegistration(db, { tenantId, registrationId }, { totalTimeSeconds: combined.totalTimeSeconds, lastItemIdentifier: lastItem });
    return;
  }
  const result = root
    ? {
        ...combined,
        completionStatus: root.completionStatus !== 'unknown' ? root.completionStatus : combined.completionStatus === 'not attempted' ? 'not attempted' : 'incomplete',
        successStatus: root.successStatus,
        scoreScaled: root.scoreScaled ?? (launchable.length === 1 ? combined.scoreScaled : null),
      }
    : combined;
  await q.touchRegistration(db, { tenantId, registrationId }, {
    completionStatus: result.completionStatus,
    successStatus: result.successStatus,
    scoreScaled: result.scoreScaled,
    scoreRaw: result.scoreRaw,
    scoreMin: result.scoreMin,
    scoreMax: result.scoreMax,
    totalTimeSeconds: result.totalTimeSeconds,
    lastItemIdentifier: lastItem,
  }, { completed: result.completionStatus === 'completed' });
}
