// A launched AU's auth token at the LRS (cmi5 spec 8.2, 9, 10 and 11): who it is, which statements it may store
// (statement-rules.ts decides each), what its statements change (the session's state, the AU's result, and what
// is then satisfied), and which documents it may touch.
import type { Db } from '../../db/client.js';
import type { Cmi5Session } from '../../db/schema/index.js';
import { hashSecret, isUuid, safeEqual } from '../../lib/ids.js';
import { parseDuration2004 } from '../player/cmi.js';
import { launchIsOpen, updateRegistrationProgress } from '../player/player.service.js';
import { agentKey } from '../xapi/agents.js';
import type { DocumentAccess, LrsClient, SessionRules } from '../xapi/credentials.service.js';
import { XapiError } from '../xapi/xapi-errors.js';
import type { Cmi5Plan } from './cmi5-plan.js';
import * as q from './cmi5.queries.js';
import type { Cmi5Verb, LaunchMode } from './cmi5-statements.js';
import { isOpen, loadPlan, registrationProgress, satisfy } from './launch.service.js';
import { checkAuStatement, type SessionView } from './statement-rules.js';

type Json = Record<string, unknown>;

const TOKEN_USER = /^cmi5\.([0-9a-f-]{36})$/i;

/** The LRS client behind a session's auth token (user `cmi5.<session id>`), while the session is open. */
export async function authenticateSession(db: Db, user: string, secret: string): Promise<LrsClient | null> {
  const sessionId = TOKEN_USER.exec(user)?.[1];
  if (!sessionId || !isUuid(sessionId)) return null;
  const row = await q.findSessionForAuth(db, sessionId.toLowerCase());
  const session = row?.session;
  if (!session?.authSecretHash || !safeEqual(session.authSecretHash, hashSecret(secret)) || !isOpen(session.state)) return null;
  // The token stops working with the access that launched it: a deactivated learner, an archived or deleted course.
  if (!launchIsOpen(row!)) return null;
  const plan = await loadPlan(db, { tenantId: session.tenantId, versionId: row!.versionId });
  if (!plan) return null;
  // cmi5 is built on xAPI 1.0.3, so that is what its AUs are taken to speak.
  return { credentialId: `cmi5-session-${session.id}`, tenantId: session.tenantId, scope: 'all', xapiVersion: '1.0.3', session: new AuSession(db, session, plan) };
}

const LEARNER_PREFERENCES = 'cmi5LearnerPreferences';
const LANGUAGE_TAG = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/;

class AuSession implements SessionRules {
  private readonly actorKey: string;

  constructor(
    private readonly db: Db,
    private readonly session: Cmi5Session,
    private readonly plan: Cmi5Plan,
  ) {
    this.actorKey = agentKey(session.actor)!;
  }

  async beforeStore(tx: Db, statements: Json[]): Promise<Json[]> {
    const ids = { tenantId: this.session.tenantId, sessionId: this.session.id };
    const scope = { tenantId: this.session.tenantId, registrationId: this.session.registrationId };
    // The registration first, then the session: the order launches and waivers take too.
    await q.lockRegistration(tx, scope);
    const current = await q.lockSession(tx, ids);
    if (!current || !isOpen(current.state)) throw new XapiError(403, 'This cmi5 session has ended; it takes no more statements.');
    const au = this.plan.aus[current.auIndex]!;
    const progress = await registrationProgress(tx, scope);
    const before = progress.results.get(au.lmsId);
    const account = current.actor.account as { homePage: string; name: string };
    const view: SessionView = {
      sessionId: current.id,
      registrationId: current.registrationId,
      auActivityId: au.lmsId,
      actorAccount: account,
      launchMode: current.launchMode as LaunchMode,
      masteryScore: au.au.masteryScore,
      initialized: current.state === 'initialized',
      preferencesRead: current.preferencesReadAt !== null,
      sessionVerbs: new Set(current.verbs as Cmi5Verb[]),
      completed: before?.completed ?? false,
      passed: before?.passed ?? false,
    };
    let terminated = false;
    let failed = false;
    let scoreScaled: number | null = null;
    let sessionSeconds = 0;
    for (const statement of statements) {
      if (terminated) throw new XapiError(403, '"terminated" must be the last statement of a session (cmi5 9.3).');
      const verdict = checkAuStatement(statement, view);
      if (!verdict.ok) throw new XapiError(403, verdict.reason);
      if (!verdict.verb) continue;
      view.sessionVerbs.add(verdict.verb);
      if (verdict.verb === 'initialized') view.initialized = true;
      if (verdict.verb === 'completed') view.completed = true;
      if (verdict.verb === 'passed') view.passed = true;
      if (verdict.verb === 'failed') failed = true;
      if (verdict.verb === 'terminated') {
        terminated = true;
        sessionSeconds = parseDuration2004((statement.result as Json).duration) ?? 0;
      }
      const scaled = ((statement.result as Json | undefined)?.score as Json | undefined)?.scaled;
      if (typeof scaled === 'number' && (verdict.verb === 'passed' || verdict.verb === 'failed')) scoreScaled = scaled;
    }
    const now = new Date();
    await q.updateSession(tx, ids, {
      state: terminated ? 'terminated' : view.initialized ? 'initialized' : current.state,
      verbs: [...view.sessionVerbs],
      lastActivityAt: now,
      ...(terminated ? { endedAt: now } : {}),
    });
    if (terminated) await q.addRegistrationTime(tx, scope, sessionSeconds);
    const judged = view.completed !== (before?.completed ?? false) || view.passed !== (before?.passed ?? false) || failed;
    if (!judged) return [];
    if (this.plan.aus.length === 1) {
      // A one-AU course's result is its AU's: passed or failed, with the score.
      await updateRegistrationProgress(tx, scope, { successStatus: view.passed ? 'passed' : failed ? 'failed' : undefined, ...(scoreScaled !== null ? { scoreScaled } : {}) });
    }
    await q.saveNodeStates(tx, scope, [{ nodeId: au.lmsId, completed: view.completed, passed: view.passed, failed, scoreScaled }]);
    progress.results.set(au.lmsId, { completed: view.completed, passed: view.passed, waived: before?.waived ?? false });
    return satisfy(tx, this.plan, scope, current.actor, progress.results, progress.satisfied, current.id);
  }

  async checkDocument(access: DocumentAccess): Promise<void> {
    if (access.kind === 'activity-profile') {
      if (access.write) throw new XapiError(403, 'An AU may read activity profiles, not write them.');
      return;
    }
    if (access.agentKey !== this.actorKey) throw new XapiError(403, 'An AU may only use documents of the learner it was launched for.');
    if (access.kind === 'state') {
      if (access.write && (access.documentId === undefined || access.documentId === 'LMS.LaunchData')) {
        throw new XapiError(403, 'LMS.LaunchData belongs to the LMS: an AU may read it, not change or delete it (cmi5 10).');
      }
      return;
    }
    if (access.documentId !== LEARNER_PREFERENCES) return;
    if (access.write) checkLearnerPreferences(access);
    else if (!this.session.preferencesReadAt) {
      // Reading them (found or not) is part of the AU's startup, which "initialized" must follow (cmi5 11).
      this.session.preferencesReadAt = new Date();
      await q.updateSession(this.db, { tenantId: this.session.tenantId, sessionId: this.session.id }, { preferencesReadAt: this.session.preferencesReadAt });
    }
  }

  checkStatementQuery(filter: { agentKey?: string; registration?: string }): void {
    const own = filter.agentKey === this.actorKey || filter.registration === this.session.registrationId.toLowerCase();
    if (!own) throw new XapiError(403, 'An AU may only read statements of its learner (agent=) or its registration (registration=).');
  }
}

/** cmi5LearnerPreferences (cmi5 11): JSON with a languagePreference list of language tags and audioPreference on/off. */
function checkLearnerPreferences(access: DocumentAccess) {
  const type = (access.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new XapiError(403, 'cmi5LearnerPreferences is a JSON document (Content-Type: application/json) (cmi5 11).');
  let doc: unknown;
  try {
    doc = JSON.parse((access.body ?? Buffer.alloc(0)).toString('utf8'));
  } catch {
    doc = null;
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new XapiError(403, 'cmi5LearnerPreferences must be a JSON object (cmi5 11).');
  const prefs = doc as Json;
  const partial = access.merge === true;
  if (prefs.languagePreference !== undefined || !partial) {
    const languages = typeof prefs.languagePreference === 'string' ? prefs.languagePreference.split(',') : [];
    if (!languages.length || !languages.every((tag) => LANGUAGE_TAG.test(tag))) {
      throw new XapiError(403, 'languagePreference must be a comma-separated list of language codes, such as "en-US,fr-FR" (cmi5 11.1).');
    }
  }
  if ((prefs.audioPreference !== undefined || !partial) && prefs.audioPreference !== 'on' && prefs.audioPreference !== 'off') {
    throw new XapiError(403, 'audioPreference must be "on" or "off" (cmi5 11.2).');
  }
}
