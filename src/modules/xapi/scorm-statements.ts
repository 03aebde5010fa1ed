// SCORM run-time activity as xAPI statements, so that analytics read one source (the LRS) for every kind of
// content. Pure builders: which statements a launch or a commit makes, following ADL's verbs and the SCORM xAPI
// profile's category (https://w3id.org/xapi/scorm). The player decides when; statements.service stores them.
import type { InteractionRecord } from '../player/cmi-records.js';

type Json = Record<string, unknown>;

export interface ScormContext {
  appOrigin: string;
  learner: { userId: string; name: string };
  registrationId: string;
  courseId: string;
  courseTitle: string;
  item: { identifier: string; title: string };
}

/** What changed in a SCO attempt with one commit (the player works it out; this module only describes it). */
export interface ScormChange {
  initialized: boolean;
  completed: boolean;
  success: 'passed' | 'failed' | null;
  score: { scaled: number | null; raw: number | null; min: number | null; max: number | null };
  answered: InteractionRecord[];
  terminated: boolean;
  /** Seconds this session lasted, when known (for terminated). */
  sessionSeconds: number | null;
}

const VERB = (name: string) => ({ id: `http://adlnet.gov/expapi/verbs/${name}`, display: { 'en-US': name } });
const SCORM_CATEGORY = { id: 'https://w3id.org/xapi/scorm' };

export const courseIri = (ctx: ScormContext) => `${ctx.appOrigin}/courses/${ctx.courseId}`;
export const scoIri = (ctx: ScormContext) => `${courseIri(ctx)}/items/${encodeURIComponent(ctx.item.identifier)}`;

function base(ctx: ScormContext, verb: string, object?: Json): Json {
  return {
    actor: { objectType: 'Agent', name: ctx.learner.name, account: { homePage: ctx.appOrigin, name: ctx.learner.userId } },
    verb: VERB(verb),
    object: object ?? {
      objectType: 'Activity',
      id: scoIri(ctx),
      definition: { name: { und: ctx.item.title }, type: 'http://adlnet.gov/expapi/activities/lesson' },
    },
    context: {
      registration: ctx.registrationId,
      contextActivities: {
        parent: [{ objectType: 'Activity', id: courseIri(ctx), definition: { name: { und: ctx.courseTitle }, type: 'http://adlnet.gov/expapi/activities/course' } }],
        category: [SCORM_CATEGORY],
      },
    },
    timestamp: new Date().toISOString(),
  };
}

export function launchedStatement(ctx: ScormContext): Json {
  return base(ctx, 'launched');
}

/** xAPI score: only the parts that make a valid score (raw within min..max, scaled within -1..1). */
function score({ scaled, raw, min, max }: ScormChange['score']): Json | null {
  const out: Json = {};
  if (scaled !== null && scaled >= -1 && scaled <= 1) out.scaled = scaled;
  const rangeOk = min === null || max === null || min < max;
  if (rangeOk && min !== null) out.min = min;
  if (rangeOk && max !== null) out.max = max;
  if (raw !== null && rangeOk && (min === null || raw >= min) && (max === null || raw <= max)) out.raw = raw;
  return Object.keys(out).length ? out : null;
}

/** An ISO 8601 duration to hundredths of a second. */
function duration(seconds: number): string {
  return `PT${Math.max(0, Math.round(seconds * 100) / 100)}S`;
}

const INTERACTION_TYPES = new Set(['true-false', 'choice', 'fill-in', 'long-fill-in', 'matching', 'performance', 'sequencing', 'likert', 'numeric', 'other']);

export function commitStatements(ctx: ScormContext, change: ScormChange): Json[] {
  const out: Json[] = [];
  if (change.initialized) out.push(base(ctx, 'initialized'));
  for (const interaction of change.answered) {
    const definition: Json = { type: 'http://adlnet.gov/expapi/activities/cmi.interaction' };
    if (interaction.description) definition.description = { und: interaction.description };
    if (interaction.type && INTERACTION_TYPES.has(interaction.type)) {
      definition.interactionType = interaction.type;
      if (interaction.correctResponses.length) definition.correctResponsesPattern = interaction.correctResponses;
    }
    const statement = base(ctx, 'answered', { objectType: 'Activity', id: `${scoIri(ctx)}/interactions/${encodeURIComponent(interaction.interactionId)}`, definition });
    const result: Json = {};
    if (interaction.learnerResponse !== null) result.response = interaction.learnerResponse;
    if (interaction.result === 'correct') result.success = true;
    if (interaction.result === 'incorrect' || interaction.result === 'wrong') result.success = false;
    if (interaction.latencySeconds !== null) result.duration = duration(interaction.latencySeconds);
    if (Object.keys(result).length) statement.result = result;
    // The SCO's own activity is the interaction's parent; the course stays in grouping.
    const context = statement.context as Json;
    context.contextActivities = { parent: [{ objectType: 'Activity', id: scoIri(ctx) }], grouping: [{ objectType: 'Activity', id: courseIri(ctx) }], category: [SCORM_CATEGORY] };
    out.push(statement);
  }
  if (change.completed) out.push({ ...base(ctx, 'completed'), result: { completion: true } });
  if (change.success) {
    const result: Json = { success: change.success === 'passed' };
    const s = score(change.score);
    if (s) result.score = s;
    out.push({ ...base(ctx, change.success), result });
  }
  if (change.terminated) out.push({ ...base(ctx, 'terminated'), ...(change.sessionSeconds !== null ? { result: { duration: duration(change.sessionSeconds) } } : {}) });
  return out;
}
