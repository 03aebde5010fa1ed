// What an AU may send in a session (cmi5 spec 9): the rules the LMS enforces on every statement that arrives with a
// session's auth token. Pure: one statement and what the session and registration have seen so far in, the
// verdict out. A broken rule is a 403 (the LMS rejects it, spec 9.3 and CATAPULT's LMS test suite).
import { CMI5, VERBS, type Cmi5Verb, type LaunchMode } from './cmi5-statements.js';

type Json = Record<string, unknown>;

export interface SessionView {
  sessionId: string;
  registrationId: string;
  /** The AU's LMS activity id, the object of every cmi5 defined statement. */
  auActivityId: string;
  actorAccount: { homePage: string; name: string };
  launchMode: LaunchMode;
  masteryScore: number | null;
  initialized: boolean;
  /** The AU has asked for cmi5LearnerPreferences, as it must on startup (cmi5 11). */
  preferencesRead: boolean;
  /** cmi5 defined verbs already used in this session. */
  sessionVerbs: Set<Cmi5Verb>;
  /** Per registration, for this AU. */
  completed: boolean;
  passed: boolean;
}

export type Verdict = { ok: true; verb: Cmi5Verb | null } | { ok: false; reason: string };

const AU_VERBS: Cmi5Verb[] = ['initialized', 'completed', 'passed', 'failed', 'terminated'];
const VERB_BY_ID = new Map<string, Cmi5Verb>(Object.entries(VERBS).map(([name, id]) => [id, name as Cmi5Verb]));
const UTC = /(Z|[+-]00:?00)$/i;

const reject = (reason: string): Verdict => ({ ok: false, reason });

/** Checks one statement; `view` is what the session looks like after the statements before it in the same request. */
export function checkAuStatement(statement: Json, view: SessionView): Verdict {
  if (typeof statement.id !== 'string') return reject('cmi5 statements must carry an id assigned by the AU (cmi5 9.1).');
  if (typeof statement.timestamp !== 'string') return reject('cmi5 statements must carry a timestamp (cmi5 9.7).');
  if (!UTC.test(statement.timestamp)) return reject('cmi5 statement timestamps must be in UTC (cmi5 9.7).');
  const actor = statement.actor as Json;
  const account = actor.account as Json | undefined;
  if ((actor.objectType !== undefined && actor.objectType !== 'Agent') || !account || account.homePage !== view.actorAccount.homePage || account.name !== view.actorAccount.name) {
    return reject('The actor must be the Agent given at launch, identified by its account (cmi5 9.2).');
  }
  const context = statement.context as Json | undefined;
  if (!context) return reject('cmi5 statements must have the context of the launch (cmi5 9.6).');
  if (context.registration !== view.registrationId) return reject('context.registration must be the registration given at launch (cmi5 9.6.1).');
  const extensions = (context.extensions ?? {}) as Json;
  if (extensions[CMI5.sessionId] !== view.sessionId) return reject('context.extensions must hold this session\'s id (cmi5 9.6.3.1).');
  const verbId = (statement.verb as Json).id as string;
  if (verbId === 'http://adlnet.gov/expapi/verbs/voided') return reject('An AU may not void statements.');
  const categories = ((context.contextActivities as Json | undefined)?.category as Json[] | undefined) ?? [];
  const defined = categories.some((c) => c.id === CMI5.category);
  const moveOnCategory = categories.some((c) => c.id === CMI5.moveOnCategory);
  const verb = defined ? VERB_BY_ID.get(verbId) : undefined;
  const result = (statement.result ?? {}) as Json;
  const judged = result.success !== undefined || result.completion !== undefined;

  if (!view.initialized && verb !== 'initialized') return reject('The first statement of a session must be "initialized" (cmi5 9.3).');
  if (verb === 'initialized' && !view.preferencesRead) return reject('An AU reads cmi5LearnerPreferences (agent profile) before it sends "initialized" (cmi5 11).');
  if (moveOnCategory && !(defined && judged)) return reject('Only cmi5 defined statements with result.success or result.completion carry the moveOn category (cmi5 9.6.2.2).');
  if (!defined) return { ok: true, verb: null };

  if (!verb || !AU_VERBS.includes(verb)) return reject(`An AU may not send a cmi5 defined statement with the verb ${verbId}.`);
  if ((statement.object as Json).id !== view.auActivityId) return reject('The object of a cmi5 defined statement must be the AU, with the activityId given at launch (cmi5 9.4).');
  if (view.sessionVerbs.has(verb)) return reject(`"${verb}" was already sent in this session (cmi5 9.3).`);
  if (judged && !moveOnCategory) return reject('A statement with result.success or result.completion needs the moveOn category (cmi5 9.6.2.2).');
  const score = result.score as Json | undefined;
  if (score?.raw !== undefined && (score.min === undefined || score.max === undefined)) return reject('A raw score needs min and max (cmi5 9.5.1).');
  if (['completed', 'passed', 'failed', 'terminated'].includes(verb) && typeof result.duration !== 'string') {
    return reject(`"${verb}" must include result.duration (cmi5 9.5.4.1).`);
  }
  if (verb === 'completed' || verb === 'passed' || verb === 'failed') {
    if (view.launchMode !== 'Normal') return reject(`In ${view.launchMode} mode an AU may not send "${verb}" (cmi5 10.2.2).`);
  }
  switch (verb) {
    case 'completed':
      if (result.completion !== true) return reject('"completed" needs result.completion true (cmi5 9.5.3).');
      if (result.success !== undefined) return reject('"completed" may not carry result.success (cmi5 9.5.2).');
      if (score) return reject('"completed" may not carry a score (cmi5 9.5.1).');
      if (view.completed) return reject('This AU is already completed in this registration (cmi5 9.3).');
      break;
    case 'passed':
    case 'failed': {
      if (view.sessionVerbs.has('passed') || view.sessionVerbs.has('failed')) return reject('Only one of "passed" and "failed" may be sent in a session (cmi5 9.3).');
      if (result.success !== (verb === 'passed')) return reject(`"${verb}" needs result.success ${verb === 'passed'} (cmi5 9.5.2).`);
      if (result.completion !== undefined) return reject(`"${verb}" may not carry result.completion (cmi5 9.5.3).`);
      if (view.passed) return reject(verb === 'passed' ? 'This AU is already passed in this registration (cmi5 9.3).' : '"failed" may not follow "passed" in a registration (cmi5 9.3).');
      // A verdict based on the masteryScore (one with a scaled score) carries it, unchanged (9.6.3.2); one without a
      // score was judged some other way.
      const given = extensions[CMI5.masteryScore];
      if (given !== undefined && Number(given) !== view.masteryScore) return reject(`The masteryScore extension must be ${view.masteryScore ?? 'absent'}, as in the launch data (cmi5 9.6.3.2).`);
      const scaled = score?.scaled;
      if (view.masteryScore !== null && typeof scaled === 'number') {
        if (given === undefined) return reject(`"${verb}" judged by a score must carry the masteryScore ${view.masteryScore} from the launch data (cmi5 9.6.3.2).`);
        if (verb === 'passed' ? scaled < view.masteryScore : scaled >= view.masteryScore) {
          return reject(`A scaled score of ${scaled} does not match "${verb}" with a masteryScore of ${view.masteryScore} (cmi5 9.3.4, 9.3.5).`);
        }
      }
      break;
    }
    default:
      if (judged) return reject(`"${verb}" may not carry result.success or result.completion.`);
  }
  return { ok: true, verb };
}
