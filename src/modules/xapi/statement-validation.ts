// Statement validation (xAPI 1.0.3 / 2.0 Data, section 2.4; 2.0 = IEEE 9274.1.1 section 9.4). Every rule that makes
// a statement invalid is a 400 for the whole request; the message names the property path, so a developer can fix
// it. Pure functions: no I/O.
import { findUnstorable, isStorableInstant } from '../../lib/input-checks.js';

export type XapiVersion = '1.0.3' | '2.0.0';

export class StatementError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

type Json = Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
/** An absolute IRI: a scheme, then anything without spaces (RFC 3987 is lenient about the rest). */
const IRI = /^[a-z][a-z0-9+.-]*:[^\s]*$/i;
const MBOX = /^mailto:[^@\s]+@[^@\s]+$/i;
const SHA1 = /^[0-9a-f]{40}$/i;
/** RFC 5646 language tag: language[-extlang][-script][-region][-variant]*[-extension]*[-privateuse], or private use. */
const LANGUAGE_TAG = /^(?:(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4,8})(?:-[a-z]{4})?(?:-(?:[a-z]{2}|\d{3}))?(?:-(?:[a-z\d]{5,8}|\d[a-z\d]{3}))*(?:-[\da-wy-z](?:-[a-z\d]{2,8})+)*(?:-x(?:-[a-z\d]{1,8})+)?|x(?:-[a-z\d]{1,8})+)$/i;
/** RFC 5646 2.2.9 grandfathered tags, valid though they do not fit the grammar. */
const GRANDFATHERED = new Set([
  'en-gb-oed', 'i-ami', 'i-bnn', 'i-default', 'i-enochian', 'i-hak', 'i-klingon', 'i-lux', 'i-mingo', 'i-navajo', 'i-pwn', 'i-tao', 'i-tay',
  'i-tsu', 'sgn-be-fr', 'sgn-be-nl', 'sgn-ch-de', 'art-lojban', 'cel-gaulish', 'no-bok', 'no-nyn', 'zh-guoyu', 'zh-hakka', 'zh-min', 'zh-min-nan', 'zh-xiang',
]);

/** A well-formed language tag (RFC 5646 2.1), with no singleton or variant repeated (2.2.5, 2.2.6). */
export function isLanguageTag(tag: string): boolean {
  if (GRANDFATHERED.has(tag.toLowerCase())) return true;
  if (!LANGUAGE_TAG.test(tag)) return false;
  const subtags = tag.toLowerCase().split('-');
  const privateUse = subtags.indexOf('x');
  const main = privateUse === -1 ? subtags : subtags.slice(0, privateUse);
  const singletons = main.filter((t) => t.length === 1);
  if (new Set(singletons).size !== singletons.length) return false;
  const firstSingleton = main.findIndex((t, i) => i > 0 && t.length === 1);
  const variants = (firstSingleton === -1 ? main : main.slice(0, firstSingleton)).slice(1).filter((t) => t.length >= 5 || /^\d[a-z\d]{3}$/.test(t));
  return new Set(variants).size === variants.length;
}

/** ISO 8601 timestamp as RFC 3339 restricts it, with a required time zone. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)$/;
/** ISO 8601 duration (4.4.3.2): PnYnMnDTnHnMnS, or PnW on its own (weeks do not combine with other parts). */
const DURATION = /^P(?:\d+(?:\.\d+)?W|(?!$)(?:\d+(?:\.\d+)?Y)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?D)?(?:T(?=\d)(?:\d+(?:\.\d+)?H)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?S)?)?)$/;
const SHA2 = /^[0-9a-f]{56}$|^[0-9a-f]{64}$|^[0-9a-f]{96}$|^[0-9a-f]{128}$/i;

export const VOIDED_VERB = 'http://adlnet.gov/expapi/verbs/voided';

const INTERACTION_TYPES = ['true-false', 'choice', 'fill-in', 'long-fill-in', 'matching', 'performance', 'sequencing', 'likert', 'numeric', 'other'];
const COMPONENT_LISTS: Record<string, string[]> = {
  choice: ['choices'],
  sequencing: ['choices'],
  likert: ['scale'],
  matching: ['source', 'target'],
  performance: ['steps'],
};

function fail(path: string, message: string): never {
  throw new StatementError(path, message);
}

function object(value: unknown, path: string): Json {
  if (!value || typeof value !== 'object' || Array.isArray(value)) fail(path, 'must be a JSON object');
  return value as Json;
}

function allowOnly(value: Json, path: string, allowed: readonly string[]) {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail(`${path}.${key}`, `is not a property of this object (allowed: ${allowed.join(', ')}; names are case-sensitive)`);
  }
}

function string(value: unknown, path: string): string {
  if (typeof value !== 'string') fail(path, 'must be a string');
  return value;
}

function iri(value: unknown, path: string): string {
  const text = string(value, path);
  if (!IRI.test(text)) fail(path, `must be an absolute IRI (with a scheme such as http:), got "${text.slice(0, 80)}"`);
  return text;
}

function uuid(value: unknown, path: string): string {
  const text = string(value, path);
  if (!UUID.test(text)) fail(path, `must be a UUID, got "${text.slice(0, 80)}"`);
  return text;
}

function bool(value: unknown, path: string) {
  if (typeof value !== 'boolean') fail(path, 'must be true or false');
}

function finite(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(path, 'must be a number');
  return value;
}

/**
 * RFC 3339 timestamp. "-00:00" means an unknown offset (RFC 3339 4.3), which xAPI does not accept. The instant must
 * also fall in the UTC years 1-9999: Postgres has no year 0, and later years have no 4-digit ISO form.
 */
export function isTimestamp(value: unknown): value is string {
  return typeof value === 'string' && TIMESTAMP.test(value) && !/-00:?00$/.test(value) && isStorableInstant(Date.parse(value));
}

function timestamp(value: unknown, path: string) {
  if (!isTimestamp(value)) fail(path, 'must be an ISO 8601 timestamp with a time zone, in the years 1 to 9999 (UTC), e.g. 2026-01-31T12:00:00.000Z');
}

function languageMap(value: unknown, path: string) {
  const map = object(value, path);
  for (const [tag, text] of Object.entries(map)) {
    if (!isLanguageTag(tag)) fail(`${path}.${tag}`, 'is not an RFC 5646 language tag');
    string(text, `${path}.${tag}`);
  }
}

function extensions(value: unknown, path: string) {
  const map = object(value, path);
  for (const key of Object.keys(map)) iri(key, `${path} key "${key}"`);
}

/** Agent (xAPI Data 2.4.2.1): exactly one inverse functional identifier. */
export function validateAgent(value: unknown, path: string, { asMember = false } = {}) {
  const agent = object(value, path);
  if (agent.objectType !== undefined && agent.objectType !== 'Agent') fail(`${path}.objectType`, 'must be "Agent"');
  allowOnly(agent, path, ['objectType', 'name', 'mbox', 'mbox_sha1sum', 'openid', 'account']);
  if (agent.name !== undefined) string(agent.name, `${path}.name`);
  const ifis = identifiers(agent, path);
  if (ifis !== 1) fail(path, `an Agent${asMember ? ' in a Group' : ''} needs exactly one of mbox, mbox_sha1sum, openid or account`);
}

function identifiers(actor: Json, path: string): number {
  let count = 0;
  if (actor.mbox !== undefined) {
    count++;
    if (!MBOX.test(string(actor.mbox, `${path}.mbox`))) fail(`${path}.mbox`, 'must be a mailto: IRI, e.g. mailto:someone@example.com');
  }
  if (actor.mbox_sha1sum !== undefined) {
    count++;
    if (!SHA1.test(string(actor.mbox_sha1sum, `${path}.mbox_sha1sum`))) fail(`${path}.mbox_sha1sum`, 'must be a SHA-1 in hex (40 characters)');
  }
  if (actor.openid !== undefined) {
    count++;
    iri(actor.openid, `${path}.openid`);
  }
  if (actor.account !== undefined) {
    count++;
    const account = object(actor.account, `${path}.account`);
    allowOnly(account, `${path}.account`, ['homePage', 'name']);
    if (account.homePage === undefined) fail(`${path}.account.homePage`, 'is required');
    iri(account.homePage, `${path}.account.homePage`);
    if (account.name === undefined) fail(`${path}.account.name`, 'is required');
    string(account.name, `${path}.account.name`);
  }
  return count;
}

/** Group (2.4.2.2): anonymous (members, no identifier) or identified (one identifier, members optional). */
function validateGroup(group: Json, path: string) {
  allowOnly(group, path, ['objectType', 'name', 'member', 'mbox', 'mbox_sha1sum', 'openid', 'account']);
  if (group.name !== undefined) string(group.name, `${path}.name`);
  const ifis = identifiers(group, path);
  if (ifis > 1) fail(path, 'a Group has at most one of mbox, mbox_sha1sum, openid or account');
  if (group.member !== undefined) {
    if (!Array.isArray(group.member)) fail(`${path}.member`, 'must be an array of Agents');
    group.member.forEach((m, i) => validateAgent(m, `${path}.member[${i}]`, { asMember: true }));
  }
  if (ifis === 0 && (!Array.isArray(group.member) || group.member.length === 0)) fail(`${path}.member`, 'an anonymous Group (no identifier) must list its members');
}

export function validateActor(value: unknown, path: string) {
  const actor = object(value, path);
  // An agent sent as a JSON query parameter (documents, /agents, statement filters) arrives with its NUL escaped,
  // past the request's input guard; its key is stored and looked up as text.
  const unstorable = findUnstorable(actor, path);
  if (unstorable) fail(path, `contains a character this server cannot store (${unstorable.what}) in ${unstorable.where}`);
  if (actor.objectType === 'Group') validateGroup(actor, path);
  else validateAgent(actor, path);
}

function validateVerb(value: unknown, path: string) {
  const verb = object(value, path);
  allowOnly(verb, path, ['id', 'display']);
  if (verb.id === undefined) fail(`${path}.id`, 'is required');
  iri(verb.id, `${path}.id`);
  if (verb.display !== undefined) languageMap(verb.display, `${path}.display`);
}

function validateInteractionComponents(value: unknown, path: string) {
  if (!Array.isArray(value)) fail(path, 'must be an array of interaction components');
  const seen = new Set<string>();
  value.forEach((c, i) => {
    const component = object(c, `${path}[${i}]`);
    allowOnly(component, `${path}[${i}]`, ['id', 'description']);
    const id = string(component.id, `${path}[${i}].id`);
    if (seen.has(id)) fail(`${path}[${i}].id`, `"${id}" is used twice`);
    seen.add(id);
    if (component.description !== undefined) languageMap(component.description, `${path}[${i}].description`);
  });
}

function validateDefinition(value: unknown, path: string) {
  const d = object(value, path);
  allowOnly(d, path, ['name', 'description', 'type', 'moreInfo', 'extensions', 'interactionType', 'correctResponsesPattern', 'choices', 'scale', 'source', 'target', 'steps']);
  if (d.name !== undefined) languageMap(d.name, `${path}.name`);
  if (d.description !== undefined) languageMap(d.description, `${path}.description`);
  if (d.type !== undefined) iri(d.type, `${path}.type`);
  if (d.moreInfo !== undefined) iri(d.moreInfo, `${path}.moreInfo`);
  if (d.extensions !== undefined) extensions(d.extensions, `${path}.extensions`);
  const listed = ['choices', 'scale', 'source', 'target', 'steps'].filter((k) => d[k] !== undefined);
  if (d.interactionType === undefined) {
    if (d.correctResponsesPattern !== undefined || listed.length) fail(`${path}.interactionType`, 'is required with correctResponsesPattern or interaction components');
    return;
  }
  const type = string(d.interactionType, `${path}.interactionType`);
  if (!INTERACTION_TYPES.includes(type)) fail(`${path}.interactionType`, `must be one of ${INTERACTION_TYPES.join(', ')}`);
  if (d.correctResponsesPattern !== undefined) {
    if (!Array.isArray(d.correctResponsesPattern)) fail(`${path}.correctResponsesPattern`, 'must be an array of strings');
    d.correctResponsesPattern.forEach((p, i) => string(p, `${path}.correctResponsesPattern[${i}]`));
  }
  const allowedLists = COMPONENT_LISTS[type] ?? [];
  for (const list of listed) {
    if (!allowedLists.includes(list)) fail(`${path}.${list}`, `does not belong to a "${type}" interaction`);
    validateInteractionComponents(d[list], `${path}.${list}`);
  }
}

function validateActivity(a: Json, path: string) {
  allowOnly(a, path, ['objectType', 'id', 'definition']);
  if (a.id === undefined) fail(`${path}.id`, 'is required');
  iri(a.id, `${path}.id`);
  if (a.definition !== undefined) validateDefinition(a.definition, `${path}.definition`);
}

function validateStatementRef(ref: Json, path: string) {
  allowOnly(ref, path, ['objectType', 'id']);
  if (ref.id === undefined) fail(`${path}.id`, 'is required');
  uuid(ref.id, `${path}.id`);
}

function validateObject(value: unknown, path: string, { inSubStatement }: { inSubStatement: boolean }) {
  const o = object(value, path);
  const type = o.objectType ?? 'Activity';
  switch (type) {
    case 'Activity':
      return validateActivity(o, path);
    case 'Agent':
      return validateAgent(o, path);
    case 'Group':
      return validateGroup(o, path);
    case 'StatementRef':
      return validateStatementRef(o, path);
    case 'SubStatement':
      if (inSubStatement) fail(`${path}.objectType`, 'a SubStatement cannot contain another SubStatement');
      return validateSubStatement(o, path);
    default:
      fail(`${path}.objectType`, 'must be Activity, Agent, Group, StatementRef or SubStatement');
  }
}

function validateScore(value: unknown, path: string) {
  const score = object(value, path);
  allowOnly(score, path, ['scaled', 'raw', 'min', 'max']);
  const scaled = score.scaled === undefined ? undefined : finite(score.scaled, `${path}.scaled`);
  const raw = score.raw === undefined ? undefined : finite(score.raw, `${path}.raw`);
  const min = score.min === undefined ? undefined : finite(score.min, `${path}.min`);
  const max = score.max === undefined ? undefined : finite(score.max, `${path}.max`);
  if (scaled !== undefined && (scaled < -1 || scaled > 1)) fail(`${path}.scaled`, 'must be between -1 and 1');
  if (min !== undefined && max !== undefined && min >= max) fail(`${path}.min`, 'must be less than max');
  if (raw !== undefined && min !== undefined && raw < min) fail(`${path}.raw`, 'must not be less than min');
  if (raw !== undefined && max !== undefined && raw > max) fail(`${path}.raw`, 'must not be more than max');
}

function validateResult(value: unknown, path: string) {
  const r = object(value, path);
  allowOnly(r, path, ['score', 'success', 'completion', 'response', 'duration', 'extensions']);
  if (r.score !== undefined) validateScore(r.score, `${path}.score`);
  if (r.success !== undefined) bool(r.success, `${path}.success`);
  if (r.completion !== undefined) bool(r.completion, `${path}.completion`);
  if (r.response !== undefined) string(r.response, `${path}.response`);
  if (r.duration !== undefined && !DURATION.test(string(r.duration, `${path}.duration`))) fail(`${path}.duration`, 'must be an ISO 8601 duration, e.g. PT1M30S');
  if (r.extensions !== undefined) extensions(r.extensions, `${path}.extensions`);
}

function validateContextActivities(value: unknown, path: string) {
  const ca = object(value, path);
  allowOnly(ca, path, ['parent', 'grouping', 'category', 'other']);
  for (const [key, list] of Object.entries(ca)) {
    const activities = Array.isArray(list) ? list : [list];
    activities.forEach((a, i) => {
      const activity = object(a, `${path}.${key}[${i}]`);
      if (activity.objectType !== undefined && activity.objectType !== 'Activity') fail(`${path}.${key}[${i}].objectType`, 'must be "Activity"');
      validateActivity(activity, `${path}.${key}[${i}]`);
    });
  }
}

function validateContext(value: unknown, path: string, objectIsActivity: boolean, version: XapiVersion) {
  const c = object(value, path);
  const allowed = ['registration', 'instructor', 'team', 'contextActivities', 'revision', 'platform', 'language', 'statement', 'extensions'];
  if (version === '2.0.0') allowed.push('contextAgents', 'contextGroups');
  allowOnly(c, path, allowed);
  if (c.registration !== undefined) uuid(c.registration, `${path}.registration`);
  if (c.instructor !== undefined) validateActor(c.instructor, `${path}.instructor`);
  if (c.team !== undefined) {
    const team = object(c.team, `${path}.team`);
    if (team.objectType !== 'Group') fail(`${path}.team.objectType`, 'must be "Group"');
    validateGroup(team, `${path}.team`);
  }
  if (c.contextActivities !== undefined) validateContextActivities(c.contextActivities, `${path}.contextActivities`);
  // Data 2.4.6: revision and platform only describe an Activity object.
  if (c.revision !== undefined) {
    string(c.revision, `${path}.revision`);
    if (!objectIsActivity) fail(`${path}.revision`, 'is only allowed when the object is an Activity');
  }
  if (c.platform !== undefined) {
    string(c.platform, `${path}.platform`);
    if (!objectIsActivity) fail(`${path}.platform`, 'is only allowed when the object is an Activity');
  }
  if (c.language !== undefined && !isLanguageTag(string(c.language, `${path}.language`))) fail(`${path}.language`, 'must be an RFC 5646 language tag');
  if (c.statement !== undefined) {
    const ref = object(c.statement, `${path}.statement`);
    if (ref.objectType !== 'StatementRef') fail(`${path}.statement.objectType`, 'must be "StatementRef"');
    validateStatementRef(ref, `${path}.statement`);
  }
  if (c.extensions !== undefined) extensions(c.extensions, `${path}.extensions`);
  if (c.contextAgents !== undefined) {
    if (!Array.isArray(c.contextAgents)) fail(`${path}.contextAgents`, 'must be an array');
    c.contextAgents.forEach((entry, i) => {
      const p = `${path}.contextAgents[${i}]`;
      const e = object(entry, p);
      allowOnly(e, p, ['objectType', 'agent', 'relevantTypes']);
      if (e.objectType !== 'contextAgent') fail(`${p}.objectType`, 'must be "contextAgent"');
      validateAgent(e.agent, `${p}.agent`);
      relevantTypes(e.relevantTypes, `${p}.relevantTypes`);
    });
  }
  if (c.contextGroups !== undefined) {
    if (!Array.isArray(c.contextGroups)) fail(`${path}.contextGroups`, 'must be an array');
    c.contextGroups.forEach((entry, i) => {
      const p = `${path}.contextGroups[${i}]`;
      const e = object(entry, p);
      allowOnly(e, p, ['objectType', 'group', 'relevantTypes']);
      if (e.objectType !== 'contextGroup') fail(`${p}.objectType`, 'must be "contextGroup"');
      const group = object(e.group, `${p}.group`);
      if (group.objectType !== 'Group') fail(`${p}.group.objectType`, 'must be "Group"');
      validateGroup(group, `${p}.group`);
      relevantTypes(e.relevantTypes, `${p}.relevantTypes`);
    });
  }
}

function relevantTypes(value: unknown, path: string) {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.length === 0) fail(path, 'must be a non-empty array of IRIs');
  value.forEach((t, i) => iri(t, `${path}[${i}]`));
}

function validateAttachments(value: unknown, path: string) {
  if (!Array.isArray(value)) fail(path, 'must be an array');
  value.forEach((a, i) => {
    const p = `${path}[${i}]`;
    const att = object(a, p);
    allowOnly(att, p, ['usageType', 'display', 'description', 'contentType', 'length', 'sha2', 'fileUrl']);
    if (att.usageType === undefined) fail(`${p}.usageType`, 'is required');
    iri(att.usageType, `${p}.usageType`);
    if (att.display === undefined) fail(`${p}.display`, 'is required');
    languageMap(att.display, `${p}.display`);
    if (att.description !== undefined) languageMap(att.description, `${p}.description`);
    if (att.contentType === undefined) fail(`${p}.contentType`, 'is required');
    if (!/^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(?:\s*;.*)?$/.test(string(att.contentType, `${p}.contentType`))) fail(`${p}.contentType`, 'must be a MIME type');
    if (att.length === undefined) fail(`${p}.length`, 'is required');
    if (!Number.isInteger(att.length) || (att.length as number) < 0) fail(`${p}.length`, 'must be a whole number of bytes');
    if (att.sha2 === undefined) fail(`${p}.sha2`, 'is required');
    if (!SHA2.test(string(att.sha2, `${p}.sha2`))) fail(`${p}.sha2`, 'must be a SHA-2 hash in hex');
    if (att.fileUrl !== undefined) iri(att.fileUrl, `${p}.fileUrl`);
  });
}

function validateSubStatement(s: Json, path: string) {
  allowOnly(s, path, ['objectType', 'actor', 'verb', 'object', 'result', 'context', 'timestamp', 'attachments']);
  validateCore(s, path, { inSubStatement: true, version: '2.0.0' });
}

function validateCore(s: Json, path: string, { inSubStatement, version }: { inSubStatement: boolean; version: XapiVersion }) {
  for (const required of ['actor', 'verb', 'object']) if (s[required] === undefined) fail(`${path}.${required}`, 'is required');
  validateActor(s.actor, `${path}.actor`);
  validateVerb(s.verb, `${path}.verb`);
  validateObject(s.object, `${path}.object`, { inSubStatement });
  if (s.result !== undefined) validateResult(s.result, `${path}.result`);
  const objectIsActivity = ((s.object as Json).objectType ?? 'Activity') === 'Activity';
  if (s.context !== undefined) validateContext(s.context, `${path}.context`, objectIsActivity, version);
  if (s.timestamp !== undefined) timestamp(s.timestamp, `${path}.timestamp`);
  if (s.attachments !== undefined) validateAttachments(s.attachments, `${path}.attachments`);
}

/** Validates one statement as received; throws StatementError. */
export function validateStatement(value: unknown, version: XapiVersion, path = 'statement') {
  const s = object(value, path);
  allowOnly(s, path, ['id', 'actor', 'verb', 'object', 'result', 'context', 'timestamp', 'stored', 'authority', 'version', 'attachments']);
  if (s.id !== undefined) uuid(s.id, `${path}.id`);
  validateCore(s, path, { inSubStatement: false, version });
  if (s.stored !== undefined) timestamp(s.stored, `${path}.stored`);
  if (s.authority !== undefined) validateAuthority(s.authority, `${path}.authority`);
  if (s.version !== undefined) {
    const v = string(s.version, `${path}.version`);
    if (!/^(1\.0(\.\d+)?|2\.0(\.\d+)?)$/.test(v)) fail(`${path}.version`, 'must be a 1.0.x or 2.0.x version');
  }
  const verb = (s.verb as Json).id;
  if (verb === VOIDED_VERB && ((s.object as Json).objectType !== 'StatementRef')) fail(`${path}.object`, 'a voiding statement\'s object must be a StatementRef');
}

/**
 * Authority (Data 2.4.9): an Agent, or for three-legged OAuth an anonymous Group of exactly two Agents, the OAuth
 * consumer (identified by an account) and the user.
 */
function validateAuthority(value: unknown, path: string) {
  const a = object(value, path);
  if (a.objectType !== 'Group') return validateAgent(a, path);
  validateGroup(a, path);
  if (identifiers(a, path) !== 0) fail(path, 'an authority Group must be anonymous (OAuth consumer and user as members)');
  const members = a.member as Json[];
  if (members.length !== 2) fail(`${path}.member`, 'an authority Group must have exactly two members');
  if (!members.some((m) => m.account !== undefined)) fail(`${path}.member`, 'one member of an authority Group must be the OAuth consumer, identified by an account');
}
