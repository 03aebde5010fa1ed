// Statement rules (xAPI Communication 2.1, Data 2.4): storing a batch all-or-nothing, ids and conflicts, voiding,
// the properties the LRS sets, single and filtered reads with `more` paging, and the ids/exact/canonical formats.
import { randomUUID, verify, X509Certificate } from 'node:crypto';
import type { Db } from '../../db/client.js';
import { findUnstorable } from '../../lib/input-checks.js';
import { identifiedOnly, statementActivities, statementAgents } from './agents.js';
import type { LrsClient } from './credentials.service.js';
import { StatementError, validateStatement, VOIDED_VERB, type XapiVersion } from './statement-validation.js';
import * as q from './statements.queries.js';
import { XapiError } from './xapi-errors.js';

type Json = Record<string, unknown>;

/** The authority the LRS records for a client: an Agent whose account is the credential, on this LRS. */
export function authorityOf(client: LrsClient, lrsOrigin: string): Json {
  return { objectType: 'Agent', name: 'Sun-SCORM LRS client', account: { homePage: lrsOrigin, name: client.credentialId } };
}

/** The authority of statements the platform makes itself: the SCORM player, or the LMS side of cmi5. */
export function platformAuthority(lrsOrigin: string, by: 'scorm-player' | 'cmi5-lms'): Json {
  return { objectType: 'Agent', name: by === 'scorm-player' ? 'Sun-SCORM player' : 'Sun-SCORM LMS', account: { homePage: lrsOrigin, name: by } };
}

/**
 * Stores statements (one request = one batch: any invalid statement, conflict or bad voiding rejects all, and
 * nothing is stored). Returns their ids in order. A statement whose id is already stored with the same content
 * is accepted again and not duplicated (Communication 2.1.2 / 2.1.3).
 */
export async function storeStatements(
  db: Db,
  client: LrsClient,
  version: XapiVersion,
  lrsOrigin: string,
  received: unknown[],
  parts: Map<string, AttachmentPart> | null = null,
): Promise<string[]> {
  received.forEach((s, i) => {
    const name = received.length > 1 ? `statements[${i}]` : 'statement';
    // Postgres jsonb holds neither U+0000 nor a lone surrogate: a 400 here, not a 500 from the insert.
    const unstorable = findUnstorable(s, `the ${name}`);
    if (unstorable) throw new XapiError(400, `The ${name} contains a character this server cannot store (${unstorable.what}) in ${unstorable.where}.`);
    try {
      validateStatement(s, version, name);
    } catch (error) {
      if (error instanceof StatementError) throw new XapiError(400, error.message);
      throw error;
    }
  });
  const attachments = checkAttachments(received as Json[], parts);
  const stored = new Date();
  const authority = authorityOf(client, lrsOrigin);
  const statements = (received as Json[]).map((s) => prepare(s, { stored, authority, version }));
  const ids = statements.map((s) => s.id as string);
  if (new Set(ids).size !== ids.length) throw new XapiError(400, 'Two statements in this request have the same id.');

  await db.transaction(async (tx) => {
    // Only ids the client chose can already be stored: the ones the LRS just drew (random UUIDs) cannot.
    const chosen = ids.filter((_, i) => typeof (received[i] as Json).id === 'string');
    const existing = new Map((await q.findStatementsByIds(tx, { tenantId: client.tenantId, ids: chosen })).map((row) => [row.id, row]));
    const fresh = statements.filter((s, i) => {
      const before = existing.get(s.id as string);
      if (!before) return true;
      // A timestamp the LRS filled in is its own, not the client's: a retried statement without one is the same.
      const sentTimestamp = (received[i] as Json).timestamp !== undefined;
      if (!sameStatement(before.statement, s, sentTimestamp)) throw new XapiError(409, `A different statement with id ${String(s.id)} is already stored.`);
      return false;
    });
    // A cmi5 AU's statements obey its session's rules (checked as sent, before the LRS fills anything in); the LMS
    // may answer with statements of its own (satisfied), stored right after them.
    const freshIds = new Set(fresh.map((s) => s.id as string));
    const lmsStatements = client.session
      ? await client.session.beforeStore(tx, (received as Json[]).filter((s, i) => freshIds.has(statements[i]!.id as string)))
      : [];

    // Voiding (Data 2.4.8): the target may be stored already or in this batch, and must not be a voiding statement.
    const voidTargets = fresh.filter((s) => (s.verb as Json).id === VOIDED_VERB).map((s) => (s.object as Json).id as string);
    if (voidTargets.length) {
      const targets = await q.findStatementsByIds(tx, { tenantId: client.tenantId, ids: voidTargets });
      const batchVoiding = new Set(fresh.filter((s) => (s.verb as Json).id === VOIDED_VERB).map((s) => s.id as string));
      for (const target of voidTargets) {
        const stored = targets.find((t) => t.id === target);
        if ((stored && stored.verbId === VOIDED_VERB) || batchVoiding.has(target)) throw new XapiError(400, `Statement ${target} is itself a voiding statement and cannot be voided.`);
      }
      await q.voidStatements(tx, { tenantId: client.tenantId, ids: voidTargets });
    }

    await persist(tx, client.tenantId, fresh);
    if (lmsStatements.length) await recordStatements(tx, client.tenantId, lrsOrigin, lmsStatements, 'cmi5-lms');
    await q.saveAttachments(tx, client.tenantId, attachments);
  });
  return ids;
}

/**
 * Inserts prepared statements with their links and the activity definitions they bring, in one SQL statement. A
 * batch's definitions of one activity are merged here in statement order; the database merges the result with what
 * it holds (GET /activities returns everything statements said about an activity: language maps and extensions
 * merge) and writes only what changed.
 */
async function persist(tx: Db, tenantId: string, fresh: Json[]) {
  const definitions = new Map<string, Json>();
  for (const a of fresh.flatMap((s) => statementActivities(s))) {
    if (a.definition) definitions.set(a.id, mergeDefinitions(definitions.get(a.id) ?? {}, a.definition));
  }
  await q.insertStatements(tx, tenantId, fresh.map((s) => toRow(s)), [...definitions].map(([id, definition]) => ({ id, definition })));
}

/**
 * Statements the platform makes itself (the SCORM player's activity): validated like any, stored with the
 * platform as their authority, in the caller's transaction.
 */
export async function recordStatements(db: Db, tenantId: string, lrsOrigin: string, statements: Json[], by: 'scorm-player' | 'cmi5-lms' = 'scorm-player') {
  if (!statements.length) return;
  const stored = new Date();
  const authority = platformAuthority(lrsOrigin, by);
  const prepared = statements.map((s) => {
    validateStatement(s, '2.0.0');
    return prepare(s, { stored, authority, version: '2.0.0' });
  });
  await persist(db, tenantId, prepared);
}

export interface AttachmentPart {
  contentType: string;
  content: Buffer;
}

export const SIGNATURE_USAGE = 'http://adlnet.gov/expapi/attachments/signature';

/**
 * Attachments (Data 2.4.11, Communication 1.5.2): every attachment without a fileUrl needs its bytes in a part of
 * a multipart/mixed request, every part must belong to an attachment, and a signature attachment must be a valid
 * JWS of the statement (Data 2.6). Returns the parts to store.
 */
function checkAttachments(statements: Json[], parts: Map<string, AttachmentPart> | null) {
  const needed = new Map<string, Json>();
  const signatures: [Json, Json][] = [];
  const collect = (s: Json, statement: Json) => {
    for (const a of (s.attachments as Json[] | undefined) ?? []) {
      if (a.usageType === SIGNATURE_USAGE) {
        if (String(a.contentType).split(';')[0]!.trim().toLowerCase() !== 'application/octet-stream') throw new XapiError(400, 'A signature attachment has contentType application/octet-stream.');
        signatures.push([statement, a]);
      }
      if (!a.fileUrl || parts?.has(String(a.sha2).toLowerCase())) needed.set(String(a.sha2).toLowerCase(), a);
    }
    const object = s.object as Json;
    if (object?.objectType === 'SubStatement') collect(object, statement);
  };
  for (const s of statements) collect(s, s);
  if (!parts) {
    if (needed.size) throw new XapiError(400, 'Attachments without a fileUrl must be sent as multipart/mixed with their bytes.');
    return [];
  }
  for (const sha2 of needed.keys()) if (!parts.has(sha2)) throw new XapiError(400, `No part carries the attachment with sha2 ${sha2}.`);
  for (const sha2 of parts.keys()) if (!needed.has(sha2)) throw new XapiError(400, `The part with hash ${sha2} belongs to no attachment of these statements.`);
  for (const [statement, attachment] of signatures) {
    const part = parts.get(String(attachment.sha2).toLowerCase());
    if (part) verifySignature(statement, part.content.toString('utf8'));
  }
  return [...parts].map(([sha2, part]) => ({ sha2, contentType: part.contentType, content: part.content }));
}

/** A signed statement (Data 2.6): RS256/384/512 JWS whose payload is the statement as it was before signing. */
function verifySignature(statement: Json, jws: string) {
  const [header64, payload64, signature64, extra] = jws.trim().split('.');
  if (!header64 || !payload64 || !signature64 || extra !== undefined) throw new XapiError(400, 'The signature attachment is not a compact JWS.');
  let header: Json;
  let payload: Json;
  try {
    header = JSON.parse(Buffer.from(header64, 'base64url').toString('utf8')) as Json;
    payload = JSON.parse(Buffer.from(payload64, 'base64url').toString('utf8')) as Json;
  } catch {
    throw new XapiError(400, 'The signature\'s header or payload is not JSON.');
  }
  const hash = ({ RS256: 'sha256', RS384: 'sha384', RS512: 'sha512' } as Record<string, string>)[String(header.alg)];
  if (!hash) throw new XapiError(400, 'A statement signature must use RS256, RS384 or RS512.');
  const attachments = ((statement.attachments as Json[] | undefined) ?? []).filter((a) => a.usageType !== SIGNATURE_USAGE);
  const original: Json = { ...statement };
  if (attachments.length) original.attachments = attachments;
  else delete original.attachments;
  if (payload.id === undefined) delete original.id;
  if (!sameStatement(payload, original)) throw new XapiError(400, 'The signature\'s payload does not match the statement.');
  const chain = header.x5c;
  if (Array.isArray(chain) && typeof chain[0] === 'string') {
    let valid = false;
    try {
      const certificate = new X509Certificate(Buffer.from(chain[0], 'base64'));
      valid = verify(hash, Buffer.from(`${header64}.${payload64}`), certificate.publicKey, Buffer.from(signature64, 'base64url'));
    } catch {
      valid = false;
    }
    if (!valid) throw new XapiError(400, 'The statement signature does not verify with the certificate it names (x5c).');
  }
}

function mergeDefinitions(old: Json, incoming: Json): Json {
  const merged: Json = { ...old, ...incoming };
  for (const key of ['name', 'description', 'extensions']) {
    if (old[key] && incoming[key]) merged[key] = { ...(old[key] as Json), ...(incoming[key] as Json) };
  }
  return merged;
}

/** The properties the LRS sets (Data 2.4.1, 2.4.7-2.4.10): id, stored, authority, version, and a UTC timestamp. */
function prepare(s: Json, { stored, authority, version }: { stored: Date; authority: Json; version: XapiVersion }): Json {
  const timestamp = typeof s.timestamp === 'string' ? new Date(s.timestamp).toISOString() : stored.toISOString();
  return {
    ...withContextActivityArrays(s),
    id: typeof s.id === 'string' ? s.id.toLowerCase() : randomUUID(),
    timestamp,
    stored: stored.toISOString(),
    authority,
    version: typeof s.version === 'string' ? s.version : version === '2.0.0' ? '2.0.0' : '1.0.0',
  };
}

/** Data 2.4.6.2: a single context activity is returned in an array; stored that way (sub-statement included). */
function withContextActivityArrays(s: Json): Json {
  const out = { ...s };
  const context = s.context as Json | undefined;
  const activities = context?.contextActivities as Json | undefined;
  if (activities) {
    out.context = { ...context, contextActivities: Object.fromEntries(Object.entries(activities).map(([k, v]) => [k, Array.isArray(v) ? v : [v]])) };
  }
  const object = s.object as Json;
  if (object?.objectType === 'SubStatement') out.object = withContextActivityArrays(object);
  return out;
}

function attachmentsOf(s: Json): Json[] {
  const object = s.object as Json;
  return [...((s.attachments as Json[] | undefined) ?? []), ...(object?.objectType === 'SubStatement' ? attachmentsOf(object) : [])];
}

function toRow(s: Json): q.NewStatement {
  const object = s.object as Json;
  const registration = ((s.context as Json | undefined)?.registration as string | undefined) ?? null;
  return {
    id: s.id as string,
    stored: new Date(s.stored as string),
    timestamp: new Date(s.timestamp as string),
    verbId: (s.verb as Json).id as string,
    voidsId: (s.verb as Json).id === VOIDED_VERB ? (object.id as string) : null,
    targetId: object.objectType === 'StatementRef' ? String(object.id).toLowerCase() : null,
    registration: registration?.toLowerCase() ?? null,
    statement: s,
    attachmentHashes: [...new Set(attachmentsOf(s).map((a) => String(a.sha2).toLowerCase()))],
    agents: statementAgents(s),
    activities: statementActivities(s),
  };
}

/** Statement comparison (Data 2.4 "Statement Comparison Requirements"): what the LRS sets does not count. */
function sameStatement(a: Json, b: Json, compareTimestamps = true): boolean {
  const strip = (s: Json) => {
    const { authority: _a, stored: _s, version: _v, timestamp: stamped, ...rest } = s;
    const timestamp = compareTimestamps ? stamped : undefined;
    const result = rest.result as Json | undefined;
    // Durations compare to 0.01 s (Data 4.6): PT1.001S and PT1.0011S are the same statement.
    if (result && typeof result.duration === 'string') rest.result = { ...result, duration: roundedDuration(result.duration) };
    return { ...rest, timestamp: typeof timestamp === 'string' ? new Date(timestamp).getTime() : null };
  };
  return canonical(strip(a)) === canonical(strip(b));
}

function roundedDuration(duration: string): string {
  return duration.replace(/(\d+)\.(\d+)S$/, (_m, whole: string, fraction: string) => `${whole}.${fraction.slice(0, 2).padEnd(2, '0')}S`).replace(/\.00S$/, 'S');
}

function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Json)[k])}`).join(',')}}`;
}

// ---- reading ----

export type StatementFormat = 'exact' | 'ids' | 'canonical';

/** Renders a stored statement in the requested format (Communication 2.1.3 `format`). */
export function formatStatement(statement: Json, format: StatementFormat, languages: string[]): Json {
  if (format === 'exact') return statement;
  if (format === 'ids') return idsOnly(statement);
  return canonicalLanguage(statement, languages);
}

function idsOnly(s: Json): Json {
  const out: Json = { ...s };
  out.actor = identifiedOnly(s.actor as Json);
  out.verb = { id: (s.verb as Json).id };
  const object = s.object as Json;
  const type = object.objectType ?? 'Activity';
  if (type === 'Activity') out.object = { id: object.id };
  else if (type === 'Agent' || type === 'Group') out.object = identifiedOnly(object);
  else if (type === 'SubStatement') out.object = idsOnly(object);
  if (s.authority) out.authority = identifiedOnly(s.authority as Json);
  const context = s.context as Json | undefined;
  if (context) {
    const c: Json = { ...context };
    if (context.instructor) c.instructor = identifiedOnly(context.instructor as Json);
    if (context.team) c.team = identifiedOnly(context.team as Json);
    if (context.contextActivities) {
      c.contextActivities = Object.fromEntries(
        Object.entries(context.contextActivities as Json).map(([k, list]) => [k, (Array.isArray(list) ? list : [list]).map((a) => ({ id: (a as Json).id }))]),
      );
    }
    out.context = c;
  }
  return out;
}

/** Keeps one language in each language map: the best match for Accept-Language, else the first. */
function canonicalLanguage(value: unknown, languages: string[], key?: string): Json {
  const mapKeys = new Set(['display', 'name', 'description']);
  const walk = (node: unknown, name?: string): unknown => {
    if (Array.isArray(node)) return node.map((n) => walk(n));
    if (!node || typeof node !== 'object') return node;
    const obj = node as Json;
    if (name && mapKeys.has(name) && Object.values(obj).every((v) => typeof v === 'string')) {
      const tags = Object.keys(obj);
      const chosen = languages.map((l) => tags.find((t) => t.toLowerCase() === l.toLowerCase()) ?? tags.find((t) => t.toLowerCase().split('-')[0] === l.toLowerCase().split('-')[0])).find(Boolean) ?? tags[0];
      return chosen ? { [chosen]: obj[chosen] } : {};
    }
    // Extensions hold anyone's JSON: left exactly as sent.
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, k === 'extensions' ? v : walk(v, k)]));
  };
  return walk(value, key) as Json;
}
