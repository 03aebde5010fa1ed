// Applying a commit from the run-time (SCORM RTE: LMSCommit/Commit and the final one at Terminate): the data model
// checked again on the server, ordered and idempotent by commit sequence, refused after Terminate or from an older
// launch, durable once acknowledged. It also keeps the interaction/objective rows, the 2004 sequencer and the LRS
// in step.
import type { Db } from '../../db/client.js';
import type { Item } from '../courses/manifest/types.js';
import { recordScormActivity } from '../xapi/scorm-recording.service.js';
import { commitStatements, type ScormChange } from '../xapi/scorm-statements.js';
import { get, parseDuration2004, parseTimespan12, summarizeCmi, type CmiSummary, type Standard } from './cmi.js';
import { interactionRecords, objectiveRecords } from './cmi-records.js';
import { validateCmi } from './cmi-validation.js';
import { CommitBusyError, KeyedQueue, MAX_QUEUED_COMMITS } from './commit-queue.js';
import { LaunchClosedError, launchIsOpen, learnerName, type RuntimeGrant } from './player.service.js';
import * as q from './player.queries.js';
import { recomputeResult } from './results.js';
import { activityTreeFor, endScoSession, isSequenced, type SequencingSnapshot } from './sequencing.service.js';
import type { RootResult } from './sequencing/sequencing-engine.js';
import { loadPlan } from './version-plan.js';

export interface CommitBody {
  commitSequence?: number;
  runtimeData?: { cmi?: Record<string, unknown> };
  cmi?: Record<string, unknown>;
  /** SCORM 2004: adl.nav.request as the content left it, sent with the final commit. */
  navRequest?: unknown;
}

/** Commits of one registration, one transaction at a time in this process (see commit-queue.ts). */
const commits = new KeyedQueue(MAX_QUEUED_COMMITS);

/**
 * How long a commit waits for a row lock held by another process (a commit or navigation of the same registration
 * elsewhere) before it gives up with a retryable answer: the wait holds a pooled connection, so it must be short.
 */
const LOCK_TIMEOUT_MS = 1000;

/** The runtime numbers its commits 1, 2, 3...; the column is a 32-bit integer. */
function isCommitSequence(value: number): boolean {
  return value >= 0 && value <= 2_147_483_647;
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
 * written, so an acknowledged commit survives a crash. Throws LaunchClosedError once the learner is deactivated or
 * the course is no longer open, and CommitBusyError (retryable) when this registration has too many commits in
 * flight or a lock held elsewhere was not released in time.
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
  if (sequence !== null && !isCommitSequence(sequence)) return { result: false, errorCode: generalError };
  const checked = validateCmi(grant.s, received, { suspendDataLimit12 });
  if (!checked.ok) return { result: false, errorCode: checked.errorCode };
  // Review and browse are no-credit: the content runs as usual, and what it reports is not kept.
  if (grant.m) {
    const access = await q.findRegistrationAccess(db, { tenantId: grant.t, registrationId: grant.r });
    if (!access || !launchIsOpen(access)) throw new LaunchClosedError();
    return { result: true, errorCode: 0 };
  }
  const cmi = withLmsIdentity(grant, received);

  const sequenced = final && isSequenced(grant.s);
  const navRequest = typeof body.navRequest === 'string' && body.navRequest.length <= 4000 ? body.navRequest : null;

  const commit: Commit = { cmi, sequence, final, sequenced, navRequest, generalError, appOrigin };
  try {
    return await commits.run(grant.r, () => db.transaction((tx) => applyInTransaction(tx, grant, commit)));
  } catch (error) {
    if (isLockTimeout(error)) throw new CommitBusyError();
    throw error;
  }
}

interface Commit {
  cmi: Record<string, unknown>;
  sequence: number | null;
  final: boolean;
  sequenced: boolean;
  navRequest: string | null;
  generalError: number;
  appOrigin: string;
}

/** The commit itself, in its transaction: ordered, checked against the launch's access, then stored everywhere. */
async function applyInTransaction(tx: Db, grant: RuntimeGrant, { cmi, sequence, final, sequenced, navRequest, generalError, appOrigin }: Commit): Promise<CommitAnswer> {
  await q.setLockTimeout(tx, LOCK_TIMEOUT_MS);
  // Sequencing steps lock the registration before any attempt; so does a final 2004 commit (no deadlock).
  const locked = sequenced ? await q.lockSequencingState(tx, { tenantId: grant.t, registrationId: grant.r }) : null;
  const attempt = await q.lockAttempt(tx, { tenantId: grant.t, attemptId: grant.a });
  if (!attempt || attempt.registrationId !== grant.r) return { result: false, errorCode: generalError };
  const registration = await q.findRegistrationVersion(tx, { tenantId: grant.t, registrationId: grant.r });
  if (!registration) return { result: false, errorCode: generalError };
  // A launch link lasts only as long as the access that opened it (issue 10, finding 9).
  if (!launchIsOpen(registration)) throw new LaunchClosedError();
  // A newer launch of this item took over (a second tab, or a beacon arriving after the learner came back).
  if (attempt.runtimeSession !== grant.k) return { result: false, errorCode: generalError };
  if (attempt.terminatedAt) return { result: false, errorCode: grant.s === 'scorm12' ? 101 : 143 };
  if (sequence !== null && sequence <= attempt.lastSequence) return { result: true, errorCode: 0 };

  const plan = await loadPlan(tx, { tenantId: grant.t, versionId: registration.courseVersionId });
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
  await syncRecords(tx, grant, { courseId: registration.courseId, attemptId: attempt.id, before: attempt.cmi as Record<string, unknown> }, stored);
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
    const scorm = { appOrigin, learner: { userId: grant.u, name: grant.n }, registrationId: grant.r, courseId: registration.courseId, courseTitle: plan.pkg.title, item };
    await recordScormActivity(tx, grant.t, appOrigin, commitStatements(scorm, change));
  }
  return { result: true, errorCode: 0, ...(outcome ? { sequencing: outcome } : {}) };
}

/** Postgres gave up waiting for a lock (SQLSTATE 55P03, lock_timeout); drizzle wraps the driver's error as `cause`. */
function isLockTimeout(error: unknown): boolean {
  let current = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    if ((current as { code?: unknown }).code === '55P03') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
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
