// The statements the LMS makes in cmi5 (spec 9.3): launched, satisfied, abandoned and waived, each with the cmi5
// category, the session id and the publisher id grouping activity. Pure builders; launch.service decides when.
import type { AuPlan, BlockPlan, Cmi5Plan } from './cmi5-plan.js';

type Json = Record<string, unknown>;

export const CMI5 = {
  category: 'https://w3id.org/xapi/cmi5/context/categories/cmi5',
  moveOnCategory: 'https://w3id.org/xapi/cmi5/context/categories/moveon',
  sessionId: 'https://w3id.org/xapi/cmi5/context/extensions/sessionid',
  masteryScore: 'https://w3id.org/xapi/cmi5/context/extensions/masteryscore',
  launchMode: 'https://w3id.org/xapi/cmi5/context/extensions/launchmode',
  launchUrl: 'https://w3id.org/xapi/cmi5/context/extensions/launchurl',
  moveOn: 'https://w3id.org/xapi/cmi5/context/extensions/moveon',
  launchParameters: 'https://w3id.org/xapi/cmi5/context/extensions/launchparameters',
  reason: 'https://w3id.org/xapi/cmi5/result/extensions/reason',
  blockType: 'https://w3id.org/xapi/cmi5/activitytype/block',
  courseType: 'https://w3id.org/xapi/cmi5/activitytype/course',
} as const;

export const VERBS = {
  launched: 'http://adlnet.gov/expapi/verbs/launched',
  initialized: 'http://adlnet.gov/expapi/verbs/initialized',
  completed: 'http://adlnet.gov/expapi/verbs/completed',
  passed: 'http://adlnet.gov/expapi/verbs/passed',
  failed: 'http://adlnet.gov/expapi/verbs/failed',
  terminated: 'http://adlnet.gov/expapi/verbs/terminated',
  abandoned: 'https://w3id.org/xapi/adl/verbs/abandoned',
  waived: 'https://w3id.org/xapi/adl/verbs/waived',
  satisfied: 'https://w3id.org/xapi/adl/verbs/satisfied',
} as const;

export type Cmi5Verb = keyof typeof VERBS;

export type LaunchMode = 'Normal' | 'Browse' | 'Review';

/** The learner as cmi5 wants the actor: an Agent identified by an account on this LMS (9.2). */
export function learnerActor(lmsOrigin: string, learner: { userId: string; displayName: string }): Json {
  return { objectType: 'Agent', name: learner.displayName, account: { homePage: lmsOrigin, name: learner.userId } };
}

/** The context every LMS statement of a session carries; the AU's contextTemplate is the same without the category. */
export function contextTemplate(sessionId: string, publisherId: string): Json {
  return { contextActivities: { grouping: [{ objectType: 'Activity', id: publisherId }] }, extensions: { [CMI5.sessionId]: sessionId } };
}

interface StatementBase {
  id: string;
  actor: Json;
  registration: string;
  sessionId: string;
  timestamp?: Date;
}

function lmsStatement(base: StatementBase, verb: Cmi5Verb, object: Json, publisherId: string, extra: { result?: Json; extensions?: Json; moveOn?: boolean } = {}): Json {
  const template = contextTemplate(base.sessionId, publisherId);
  const category = [{ objectType: 'Activity', id: CMI5.category }, ...(extra.moveOn ? [{ objectType: 'Activity', id: CMI5.moveOnCategory }] : [])];
  return {
    id: base.id,
    actor: base.actor,
    verb: { id: VERBS[verb], display: { 'en-US': verb } },
    object,
    ...(extra.result ? { result: extra.result } : {}),
    context: {
      registration: base.registration,
      contextActivities: { ...(template.contextActivities as Json), category },
      extensions: { ...(template.extensions as Json), ...extra.extensions },
    },
    timestamp: (base.timestamp ?? new Date()).toISOString(),
  };
}

/** The AU as object, named (so the LRS, and reports on it, know what it is called) and typed as its cmi5.xml says. */
const auObject = (au: AuPlan): Json => {
  const definition = { ...(Object.keys(au.au.title).length ? { name: au.au.title } : {}), ...(au.au.activityType ? { type: au.au.activityType } : {}) };
  return { objectType: 'Activity', id: au.lmsId, ...(Object.keys(definition).length ? { definition } : {}) };
};

export function launchedStatement(base: StatementBase, au: AuPlan, launch: { mode: LaunchMode; url: string }): Json {
  return lmsStatement(base, 'launched', auObject(au), au.au.id, {
    extensions: {
      [CMI5.launchMode]: launch.mode,
      [CMI5.launchUrl]: launch.url,
      [CMI5.moveOn]: au.au.moveOn,
      ...(au.au.masteryScore !== null ? { [CMI5.masteryScore]: au.au.masteryScore } : {}),
      ...(au.au.launchParameters !== null ? { [CMI5.launchParameters]: au.au.launchParameters } : {}),
    },
  });
}

/** The session ended without `terminated`: the learner closed the window, or the LMS launched the AU again. */
export function abandonedStatement(base: StatementBase, au: AuPlan, durationSeconds: number): Json {
  return lmsStatement(base, 'abandoned', auObject(au), au.au.id, { result: { duration: isoDuration(durationSeconds) } });
}

export function waivedStatement(base: StatementBase, au: AuPlan, reason: string): Json {
  return lmsStatement(base, 'waived', auObject(au), au.au.id, { result: { success: true, completion: true, extensions: { [CMI5.reason]: reason } }, moveOn: true });
}

export function satisfiedStatement(base: StatementBase, plan: Cmi5Plan, node: BlockPlan | 'course'): Json {
  const course = plan.pkg.course;
  const [id, type, name, publisherId] =
    node === 'course' ? [plan.pkg.lmsCourseId, CMI5.courseType, course.title, course.id] : [node.lmsId, CMI5.blockType, node.block.title, node.block.id];
  const definition = { type, ...(Object.keys(name).length ? { name } : {}) };
  return lmsStatement(base, 'satisfied', { objectType: 'Activity', id, definition }, publisherId);
}

/** Seconds as an ISO 8601 duration, to the hundredth (xAPI keeps 0.01 s). */
export function isoDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds * 100) / 100);
  return `PT${s}S`;
}
