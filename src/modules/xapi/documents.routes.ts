// The document resources (xAPI Communication 2.2-2.7): State, Activity Profile and Agent Profile (GET one or the
// id list, PUT, POST merge, DELETE, with ETag concurrency), plus /activities and /agents. Registered inside the LRS
// scope, so its hooks (version, auth, CORS) and error handler apply.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isUuid } from '../../lib/ids.js';
import { agentKey, ifiKey } from './agents.js';
import { canRead, canWrite } from './credentials.service.js';
import * as q from './documents.queries.js';
import { isTimestamp, StatementError, validateActor } from './statement-validation.js';
import { findActivity } from './statements.queries.js';
import { XapiError } from './xapi-errors.js';

type Query = Record<string, string>;
type Json = Record<string, unknown>;

interface DocumentResource {
  path: string;
  kind: q.DocumentKind;
  idParam: 'stateId' | 'profileId';
  activity: boolean;
  agent: boolean;
  registration: boolean;
}

const RESOURCES: DocumentResource[] = [
  { path: '/activities/state', kind: 'state', idParam: 'stateId', activity: true, agent: true, registration: true },
  { path: '/activities/profile', kind: 'activity-profile', idParam: 'profileId', activity: true, agent: false, registration: false },
  { path: '/agents/profile', kind: 'agent-profile', idParam: 'profileId', activity: false, agent: true, registration: false },
];

export default async function documentRoutes(lrs: FastifyInstance, { limited }: { limited: object }) {
  for (const resource of RESOURCES) {
    const allowed = [...(resource.activity ? ['activityId'] : []), ...(resource.agent ? ['agent'] : []), ...(resource.registration ? ['registration'] : []), resource.idParam];

    lrs.get<{ Querystring: Query }>(resource.path, limited, async (request, reply) => {
      access(request, 'read');
      onlyParams(request.query, [...allowed, 'since']);
      const scope = scopeOf(request, resource);
      const id = request.query[resource.idParam];
      await request.lrsClient!.session?.checkDocument({ kind: resource.kind, write: false, agentKey: scope.agentKey, documentId: id });
      if (id === undefined) {
        const since = request.query.since;
        if (since !== undefined && !isTimestamp(since)) throw new XapiError(400, 'since must be an ISO 8601 timestamp with a time zone.');
        return q.listDocumentIds(lrs.db, scope, since ? new Date(since) : undefined);
      }
      if (request.query.since !== undefined) throw new XapiError(400, `since is only for listing ids, not with ${resource.idParam}.`);
      const doc = await q.findDocument(lrs.db, scope, id);
      if (!doc) throw new XapiError(404, 'No such document.');
      reply.header('ETag', doc.etag).header('Last-Modified', doc.updatedAt.toUTCString()).type(doc.contentType);
      // The stored Content-Type comes back as it was (clients rely on it), but anything but JSON is a download:
      // a text/html document opened in a browser must not become a page of the app's origin (the LRS scope
      // also sends nosniff and a sandboxing CSP).
      if (!isJson(doc.contentType)) reply.header('Content-Disposition', 'attachment');
      return reply.send(doc.content);
    });

    const write = (merge: boolean) => async (request: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) => {
      access(request, 'write');
      onlyParams(request.query, allowed);
      const scope = scopeOf(request, resource);
      const id = requiredId(request.query, resource);
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const contentType = (request.headers['content-type'] ?? 'application/octet-stream').trim();
      await request.lrsClient!.session?.checkDocument({ kind: resource.kind, write: true, agentKey: scope.agentKey, documentId: id, body, contentType: request.headers['content-type'], merge });
      await lrs.db.transaction(async (tx) => {
        const existing = await q.findDocument(tx, scope, id);
        checkPreconditions(request, existing?.etag ?? null, { requireForExisting: !merge && (resource.kind !== 'state' || request.xapiVersion === '2.0.0') });
        // 1.0.3 (Communication 2.6, 2.7): a profile PUT must say whether it expects the document to exist.
        if (!merge && resource.kind !== 'state' && request.xapiVersion === '1.0.3' && request.headers['if-match'] === undefined && request.headers['if-none-match'] === undefined) {
          throw new XapiError(400, 'A profile PUT needs If-Match (to replace) or If-None-Match: * (to create).');
        }
        let content = body;
        let type = contentType;
        if (merge) {
          const incoming = jsonObject(body, contentType, 'The POSTed document');
          if (existing) {
            const stored = jsonObject(existing.content, existing.contentType, 'The stored document');
            content = Buffer.from(JSON.stringify({ ...stored, ...incoming }));
            type = 'application/json';
          }
        }
        await q.saveDocument(tx, scope, id, { contentType: type, content, etag: etagOf(content) });
      });
      return reply.code(204).send();
    };
    lrs.put<{ Querystring: Query }>(resource.path, limited, write(false));
    lrs.post<{ Querystring: Query }>(resource.path, limited, write(true));

    lrs.delete<{ Querystring: Query }>(resource.path, limited, async (request, reply) => {
      access(request, 'write');
      onlyParams(request.query, allowed);
      const scope = scopeOf(request, resource);
      // State DELETE without stateId deletes every state of the activity, agent and registration (2.3).
      const id = resource.kind === 'state' ? request.query.stateId : requiredId(request.query, resource);
      await request.lrsClient!.session?.checkDocument({ kind: resource.kind, write: true, agentKey: scope.agentKey, documentId: id });
      await lrs.db.transaction(async (tx) => {
        if (id !== undefined) checkPreconditions(request, (await q.findDocument(tx, scope, id))?.etag ?? null, { requireForExisting: false });
        await q.deleteDocuments(tx, scope, id);
      });
      return reply.code(204).send();
    });
  }

  // Activities Resource (2.5): the activity with the definition statements gave it, even if none did.
  lrs.get<{ Querystring: Query }>('/activities', limited, async (request) => {
    access(request, 'read');
    onlyParams(request.query, ['activityId']);
    const activityId = iri(request.query.activityId, 'activityId');
    const found = await findActivity(lrs.db, { tenantId: request.lrsClient!.tenantId, activityId });
    return { objectType: 'Activity', id: activityId, ...(found?.definition && Object.keys(found.definition).length ? { definition: found.definition } : {}) };
  });

  // Agents Resource (2.4): a Person object with what this LRS knows of the agent (its one identifier and name).
  lrs.get<{ Querystring: Query }>('/agents', limited, async (request) => {
    access(request, 'read');
    onlyParams(request.query, ['agent']);
    const agent = parseAgent(request.query.agent);
    if (agent.objectType === 'Group') throw new XapiError(400, 'agent must be an Agent (a Person is made of Agents).');
    const person: Json = { objectType: 'Person' };
    if (typeof agent.name === 'string') person.name = [agent.name];
    for (const key of ['mbox', 'mbox_sha1sum', 'openid', 'account']) if (agent[key] !== undefined) person[key] = [agent[key]];
    return person;
  });
}

function access(request: FastifyRequest, mode: 'read' | 'write') {
  const client = request.lrsClient!;
  if (mode === 'read' ? !canRead(client, 'documents') : !canWrite(client, 'documents')) throw new XapiError(403, `This key may not ${mode} documents.`);
}

function onlyParams(query: Query, allowed: string[]) {
  for (const key of Object.keys(query)) if (!allowed.includes(key)) throw new XapiError(400, `Unknown query parameter "${key}" (names are case-sensitive).`);
}

function iri(value: string | undefined, name: string): string {
  if (value === undefined) throw new XapiError(400, `${name} is required.`);
  if (!/^[a-z][a-z0-9+.-]*:\S*$/i.test(value)) throw new XapiError(400, `${name} must be an IRI.`);
  return value;
}

function parseAgent(value: string | undefined): Json {
  if (value === undefined) throw new XapiError(400, 'agent is required.');
  let agent: unknown;
  try {
    agent = JSON.parse(value);
    validateActor(agent, 'agent');
  } catch (error) {
    throw new XapiError(400, error instanceof StatementError ? error.message : 'agent must be an Agent in JSON.');
  }
  if (!ifiKey(agent as Json)) throw new XapiError(400, 'agent must be identified (mbox, mbox_sha1sum, openid or account).');
  return agent as Json;
}

function scopeOf(request: FastifyRequest<{ Querystring: Query }>, resource: DocumentResource): q.DocumentScope {
  const query = request.query;
  const registration = query.registration;
  if (registration !== undefined && !isUuid(registration)) throw new XapiError(400, 'registration must be a UUID.');
  return {
    tenantId: request.lrsClient!.tenantId,
    kind: resource.kind,
    activityId: resource.activity ? iri(query.activityId, 'activityId') : '',
    agentKey: resource.agent ? agentKey(parseAgent(query.agent))! : '',
    registration: registration?.toLowerCase() ?? '',
  };
}

function requiredId(query: Query, resource: DocumentResource): string {
  const id = query[resource.idParam];
  if (id === undefined || id === '') throw new XapiError(400, `${resource.idParam} is required.`);
  return id;
}

/**
 * ETag concurrency (Communication 3.1): If-Match must name the current version, If-None-Match: * means "only if
 * there is none". A PUT over an existing document with neither header is refused (409), so clients cannot
 * overwrite each other blindly (profiles always; State too in 2.0).
 */
function checkPreconditions(request: FastifyRequest, etag: string | null, { requireForExisting }: { requireForExisting: boolean }) {
  const ifMatch = request.headers['if-match'];
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifMatch !== undefined) {
    const wanted = ifMatch.split(',').map((t) => t.trim());
    if (!etag || (!wanted.includes('*') && !wanted.includes(etag))) throw new XapiError(412, 'If-Match does not match the document\'s current ETag.');
  }
  if (ifNoneMatch !== undefined) {
    const unwanted = ifNoneMatch.split(',').map((t) => t.trim());
    if (etag && (unwanted.includes('*') || unwanted.includes(etag))) throw new XapiError(412, 'If-None-Match: the document already exists.');
  }
  if (requireForExisting && etag && ifMatch === undefined && ifNoneMatch === undefined) {
    throw new XapiError(409, 'This document exists: send If-Match with its ETag to replace it (or If-None-Match: * to create only).');
  }
}

function jsonObject(content: Buffer, contentType: string, what: string): Json {
  if (!/^application\/json\b/i.test(contentType)) throw new XapiError(400, `${what} is not application/json, so it cannot be merged.`);
  let value: unknown;
  try {
    value = JSON.parse(content.toString('utf8'));
  } catch {
    throw new XapiError(400, `${what} is not valid JSON.`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new XapiError(400, `${what} must be a JSON object to be merged.`);
  return value as Json;
}

function isJson(contentType: string): boolean {
  return contentType.split(';')[0]!.trim().toLowerCase() === 'application/json';
}

function etagOf(content: Buffer): string {
  return `"${createHash('sha1').update(content).digest('hex')}"`;
}
