// The LMS side of cmi5 (spec 8 and 10): launching an AU (a new session, LMS.LaunchData, the `launched` statement,
// the launch URL), the one-time fetch URL, abandoning and waiving, and what a registration has reached. The rules
// for what the AU then sends are session-guard.ts; the LRS calls them.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Config } from '../../config.js';
import { contentBaseUrl } from '../../content/content-urls.js';
import type { Db } from '../../db/client.js';
import type { Cmi5Session } from '../../db/schema/index.js';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../../lib/errors.js';
import { hashSecret, isUuid } from '../../lib/ids.js';
import type { Principal } from '../accounts/accounts.queries.js';
import { encodeLaunchPath } from '../courses/courses.service.js';
import { getRegistration, launchIsOpen, LaunchClosedError, updateRegistrationProgress } from '../player/player.service.js';
import { agentKey } from '../xapi/agents.js';
import { saveStateDocument } from '../xapi/registration-records.service.js';
import { recordStatements } from '../xapi/statements.service.js';
import { cachedPlan, planForVersion, type AuPlan, type Cmi5Plan } from './cmi5-plan.js';
import * as q from './cmi5.queries.js';
import {
  abandonedStatement, contextTemplate, launchedStatement, learnerActor, satisfiedStatement, waivedStatement, type LaunchMode,
} from './cmi5-statements.js';
import { evaluate, type AuResult } from './satisfaction.js';

type Json = Record<string, unknown>;
type Scope = { tenantId: string; registrationId: string };

export const LAUNCH_MODES: LaunchMode[] = ['Normal', 'Browse', 'Review'];
export const isOpen = (state: string) => state === 'launched' || state === 'initialized';

/** A cmi5 registration its learner may launch, or an owner/admin inspect, with its course plan. */
export async function cmi5Registration(db: Db, actor: Principal, registrationId: string) {
  const found = await getRegistration(db, actor, registrationId);
  const plan = planForVersion(found.version);
  if (!plan) throw new NotFoundError('This course is not a cmi5 course.');
  return { ...found, plan };
}

/** The plan of a version, read from the database only when not cached (a 1,000-AU tree is large). */
export async function loadPlan(db: Db, scope: { tenantId: string; versionId: string }): Promise<Cmi5Plan | null> {
  const cached = cachedPlan(scope.versionId);
  if (cached) return cached;
  const version = await q.findVersionTree(db, scope);
  return version ? planForVersion(version) : null;
}

export interface LaunchResult {
  sessionId: string;
  launchUrl: string;
  /** AnyWindow AUs from the package play in the player's frame; the others get the whole window. */
  inFrame: boolean;
  registrationId: string;
}

export async function launchAu(
  db: Db,
  config: Config,
  actor: Principal,
  registrationId: string,
  { auIndex, mode = 'Normal' }: { auIndex: number; mode?: LaunchMode },
): Promise<LaunchResult> {
  const { registration, version, plan, courseStatus } = await cmi5Registration(db, actor, registrationId);
  if (registration.userId !== actor.userId) throw new ForbiddenError('Only the learner can launch their registration.');
  if (!launchIsOpen({ learnerActive: true, courseStatus })) throw new LaunchClosedError();
  const au = plan.aus[auIndex];
  if (!au) throw new NotFoundError('This course has no such AU.');
  if (!LAUNCH_MODES.includes(mode)) throw new BadRequestError('launchMode is Normal, Browse or Review.');
  const scope = { tenantId: registration.tenantId, registrationId: registration.id };
  const sessionId = randomUUID();
  const fetchKey = randomBytes(24).toString('base64url');
  const learner = learnerActor(config.appOrigin, actor);
  const auUrl = au.au.urlIsRelative
    ? contentBaseUrl(config, { versionId: version.id, tenantId: version.tenantId, userId: actor.userId, registrationId: registration.id }) + encodeLaunchPath(au.au.url)
    : au.au.url;
  const inFrame = au.au.launchMethod === 'AnyWindow' && au.au.urlIsRelative;
  const launchUrl = withParams(auUrl, {
    endpoint: `${config.appOrigin}/xapi`,
    fetch: `${config.appOrigin}/cmi5/fetch/${sessionId}?k=${fetchKey}`,
    actor: JSON.stringify(learner),
    registration: registration.id,
    activityId: au.lmsId,
  });
  const returnUrl = `${config.appOrigin}/cmi5/return/${registration.id}`;

  await db.transaction(async (tx) => {
    await q.lockRegistration(tx, scope);
    const statements = await startRegistration(tx, plan, scope, learner);
    for (const open of await q.listOpenSessions(tx, scope)) statements.push(await abandon(tx, plan, open, open.actor));
    await q.insertSession(tx, {
      id: sessionId, tenantId: scope.tenantId, registrationId: registration.id, userId: actor.userId, auIndex, auActivityId: au.lmsId,
      launchMode: mode, actor: learner, fetchKeyHash: hashSecret(fetchKey), launchUrl,
    });
    const launchData = {
      contextTemplate: contextTemplate(sessionId, au.au.id),
      launchMode: mode,
      launchMethod: au.au.launchMethod,
      moveOn: au.au.moveOn,
      returnURL: returnUrl,
      ...(au.au.masteryScore !== null ? { masteryScore: au.au.masteryScore } : {}),
      ...(au.au.launchParameters !== null ? { launchParameters: au.au.launchParameters } : {}),
      ...(au.au.entitlementKey !== null ? { entitlementKey: { courseStructure: au.au.entitlementKey } } : {}),
    };
    const content = Buffer.from(JSON.stringify(launchData));
    await saveStateDocument(tx, { tenantId: scope.tenantId, kind: 'state', activityId: au.lmsId, agentKey: agentKey(learner)!, registration: registration.id }, 'LMS.LaunchData', {
      contentType: 'application/json', content, etag: `"${createHash('sha1').update(content).digest('hex')}"`,
    });
    // The launch URL in the statement is the AU's own, without the parameters the LMS added (9.6.3.4).
    statements.push(launchedStatement({ id: randomUUID(), actor: learner, registration: registration.id, sessionId }, au, { mode, url: auUrl }));
    await recordStatements(tx, scope.tenantId, config.appOrigin, statements, 'cmi5-lms');
    await updateRegistrationProgress(tx, scope, registration.completionStatus === 'not attempted' ? { completionStatus: 'incomplete', lastItemIdentifier: au.au.id } : { lastItemIdentifier: au.au.id });
  });
  return { sessionId, launchUrl, inFrame, registrationId: registration.id };
}

function withParams(url: string, params: Record<string, string>): string {
  const hash = url.indexOf('#');
  const base = hash === -1 ? url : url.slice(0, hash);
  const fragment = hash === -1 ? '' : url.slice(hash);
  const query = new URLSearchParams(params).toString();
  return `${base}${base.includes('?') ? '&' : '?'}${query}${fragment}`;
}

/**
 * moveOn is evaluated when the registration starts (9.6.1): AUs whose moveOn is NotApplicable are satisfied at
 * once, and so may be their blocks and the course. Runs once per registration (the course row marks it).
 */
async function startRegistration(tx: Db, plan: Cmi5Plan, scope: Scope, learner: Json): Promise<Json[]> {
  const states = await q.listNodeStates(tx, scope);
  if (states.some((s) => s.nodeId === plan.pkg.lmsCourseId)) return [];
  return satisfy(tx, plan, scope, learner, new Map(), new Set(), randomUUID());
}

/**
 * Marks what is newly satisfied (given the AU results) and answers the `satisfied` statements for blocks (inner
 * first) and the course, under `sessionId`.
 */
export async function satisfy(tx: Db, plan: Cmi5Plan, scope: Scope, learner: Json, results: Map<string, AuResult>, before: Set<string>, sessionId: string): Promise<Json[]> {
  const now = evaluate(plan, results);
  const statements: Json[] = [];
  const base = () => ({ id: randomUUID(), actor: learner, registration: scope.registrationId, sessionId });
  const rows: { nodeId: string; satisfied: boolean }[] = [];
  for (const au of plan.aus) if (now.nodes.has(au.lmsId) && !before.has(au.lmsId)) rows.push({ nodeId: au.lmsId, satisfied: true });
  for (const block of [...plan.blocks].reverse()) {
    if (now.nodes.has(block.lmsId) && !before.has(block.lmsId)) {
      rows.push({ nodeId: block.lmsId, satisfied: true });
      statements.push(satisfiedStatement(base(), plan, block));
    }
  }
  const courseNow = now.course && !before.has(plan.pkg.lmsCourseId);
  rows.push({ nodeId: plan.pkg.lmsCourseId, satisfied: courseNow });
  if (courseNow) statements.push(satisfiedStatement(base(), plan, 'course'));
  await q.saveNodeStates(tx, scope, rows);
  if (courseNow) await updateRegistrationProgress(tx, scope, { completionStatus: 'completed' }, { completed: true });
  return statements;
}

/** The AU results and satisfied nodes of a registration, as moveOn reads them. */
export async function registrationProgress(db: Db, scope: Scope) {
  const states = await q.listNodeStates(db, scope);
  const results = new Map<string, AuResult>();
  const satisfied = new Set<string>();
  for (const s of states) {
    results.set(s.nodeId, { completed: s.completed, passed: s.passed, waived: s.waivedReason !== null });
    if (s.satisfiedAt) satisfied.add(s.nodeId);
  }
  return { states, results, satisfied };
}

async function abandon(tx: Db, plan: Cmi5Plan, session: Cmi5Session, learner: Json): Promise<Json> {
  const au = plan.aus[session.auIndex] as AuPlan;
  const now = new Date();
  await q.updateSession(tx, { tenantId: session.tenantId, sessionId: session.id }, { state: 'abandoned', endedAt: now });
  const seconds = (session.lastActivityAt.getTime() - session.launchedAt.getTime()) / 1000;
  await q.addRegistrationTime(tx, { tenantId: session.tenantId, registrationId: session.registrationId }, seconds);
  return abandonedStatement({ id: randomUUID(), actor: learner, registration: session.registrationId, sessionId: session.id }, au, seconds);
}

/**
 * An owner or admin ends a session the AU left open (the learner closed the window): an `abandoned` statement.
 * Answers the session's registration id.
 */
export async function abandonSession(db: Db, config: Config, actor: Principal, sessionId: string): Promise<string> {
  const session = actor.tenantId && isUuid(sessionId) ? await q.findSession(db, { tenantId: actor.tenantId, sessionId }) : null;
  if (!session) throw new NotFoundError('No such cmi5 session.');
  const { plan } = await cmi5Registration(db, actor, session.registrationId);
  const scope = { tenantId: session.tenantId, registrationId: session.registrationId };
  await db.transaction(async (tx) => {
    await q.lockRegistration(tx, scope);
    const current = await q.lockSession(tx, { tenantId: session.tenantId, sessionId });
    if (!current || !isOpen(current.state)) throw new ConflictError('This session has already ended.');
    await recordStatements(tx, scope.tenantId, config.appOrigin, [await abandon(tx, plan, current, current.actor)], 'cmi5-lms');
  });
  return session.registrationId;
}

/**
 * Sessions whose AU has sent nothing for longer than the timeout are abandoned: the learner closed the window
 * without "terminated" (9.3.6). Safe to run in several processes at once: each session is checked again under its
 * registration's and its own lock. Returns how many were abandoned.
 */
export async function abandonStaleSessions(db: Db, config: Config, { batch = 200 }: { batch?: number } = {}): Promise<number> {
  const cutoff = new Date(Date.now() - config.cmi5SessionTimeoutMinutes * 60_000);
  let abandoned = 0;
  for (const stale of await q.listStaleSessions(db, cutoff, batch)) {
    const plan = await loadPlan(db, { tenantId: stale.tenantId, versionId: stale.versionId });
    if (!plan) continue;
    const scope = { tenantId: stale.tenantId, registrationId: stale.registrationId };
    const done = await db.transaction(async (tx) => {
      await q.lockRegistration(tx, scope);
      const current = await q.lockSession(tx, { tenantId: stale.tenantId, sessionId: stale.id });
      if (!current || !isOpen(current.state) || current.lastActivityAt >= cutoff) return false;
      await recordStatements(tx, scope.tenantId, config.appOrigin, [await abandon(tx, plan, current, current.actor)], 'cmi5-lms');
      return true;
    });
    if (done) abandoned += 1;
  }
  return abandoned;
}

/**
 * An owner or admin waives an AU for a learner (9.3.7): a `waived` statement with the reason under a session id of
 * its own, then whatever that satisfies. An AU is waived at most once per registration and never once satisfied.
 */
export async function waiveAu(db: Db, config: Config, actor: Principal, registrationId: string, auIndex: number, reason: string) {
  const { plan, registration } = await cmi5Registration(db, actor, registrationId);
  const au = plan.aus[auIndex];
  if (!au) throw new NotFoundError('This course has no such AU.');
  const trimmed = reason.trim();
  if (!trimmed || trimmed.length > 200) throw new BadRequestError('Give a reason of 1 to 200 characters (for example "Tested Out" or "Administrative").');
  const scope = { tenantId: registration.tenantId, registrationId: registration.id };
  // The actor the learner's launches gave the AU (statements about one learner use one actor), else a new one.
  const [lastLaunch] = await q.listSessions(db, scope, 1);
  const learner = lastLaunch?.actor ?? learnerActor(config.appOrigin, { userId: registration.userId, displayName: await learnerName(db, actor, registration.userId) });
  await db.transaction(async (tx) => {
    await q.lockRegistration(tx, scope);
    const statements = await startRegistration(tx, plan, scope, learner);
    const { results, satisfied } = await registrationProgress(tx, scope);
    if (satisfied.has(au.lmsId)) throw new ConflictError('This AU is already satisfied for this learner; there is nothing to waive.');
    const sessionId = randomUUID();
    statements.push(waivedStatement({ id: randomUUID(), actor: learner, registration: registration.id, sessionId }, au, trimmed));
    await q.saveNodeStates(tx, scope, [{ nodeId: au.lmsId, waivedReason: trimmed }]);
    results.set(au.lmsId, { completed: results.get(au.lmsId)?.completed ?? false, passed: results.get(au.lmsId)?.passed ?? false, waived: true });
    statements.push(...(await satisfy(tx, plan, scope, learner, results, satisfied, sessionId)));
    await recordStatements(tx, scope.tenantId, config.appOrigin, statements, 'cmi5-lms');
  });
}

/** The learner's display name, for an actor when they have never launched the course. */
async function learnerName(db: Db, actor: Principal, userId: string): Promise<string> {
  if (actor.userId === userId) return actor.displayName;
  return (await q.findUserName(db, { tenantId: actor.tenantId!, userId })) ?? 'Learner';
}

/** The fetch URL (8.2): the auth token once; afterwards (or for a session that ended) error 1, for a bad key 2. */
export async function fetchAuthToken(db: Db, sessionId: string, fetchKey: string | undefined): Promise<Json> {
  if (!isUuid(sessionId) || !fetchKey || fetchKey.length > 100) return { 'error-code': '2', 'error-text': 'This fetch URL is not valid.' };
  const secret = randomBytes(32).toString('base64url');
  const claimed = await q.claimFetch(db, { sessionId, fetchKeyHash: hashSecret(fetchKey), authSecretHash: hashSecret(secret) });
  if (claimed) return { 'auth-token': Buffer.from(`cmi5.${sessionId}:${secret}`).toString('base64') };
  const session = await q.findSession(db, { sessionId });
  if (session && session.fetchKeyHash === hashSecret(fetchKey)) {
    return { 'error-code': '1', 'error-text': session.fetchedAt ? 'The authorization token has already been returned.' : 'This AU session has ended.' };
  }
  return { 'error-code': '2', 'error-text': 'This fetch URL is not valid.' };
}
