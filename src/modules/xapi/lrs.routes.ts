// The Learning Record Store at /xapi, in its own scope: raw bodies (the LRS parses them itself, so every bad body
// gets an xAPI answer), CORS for browser clients, the X-Experience-API-Version header both ways, Basic
// credentials per tenant, and its own JSON errors. Resources: /about and /statements (Communication 2.1, 2.8).
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { isUuid } from '../../lib/ids.js';
import { BAD_VALUE_MESSAGE, isBadValueDatabaseError } from '../../lib/input-checks.js';
import { agentKey } from './agents.js';
import documentRoutes from './documents.routes.js';
import { readPageState, signPageState, type PageState } from './more-links.js';
import { authenticateBasic, canRead, canWrite, type LrsClient, type TokenAuthenticator } from './credentials.service.js';
import { isTimestamp, validateActor, StatementError, type XapiVersion } from './statement-validation.js';
import * as q from './statements.queries.js';
import { boundaryOf, buildMultipart, parseMultipart } from './multipart.js';
import { formatStatement, storeStatements, type AttachmentPart, type StatementFormat } from './statements.service.js';
import { XapiError } from './xapi-errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    lrsClient: LrsClient | null;
    xapiVersion: XapiVersion;
  }
}

const MAX_PAGE = 500;
const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, HEAD, PUT, POST, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Experience-API-Version, If-Match, If-None-Match, Accept-Language',
  'Access-Control-Expose-Headers': 'ETag, Last-Modified, X-Experience-API-Version, X-Experience-API-Consistent-Through, Content-Type',
};

// Nothing the LRS answers is a page: its documents and attachments are whatever clients stored, served from the
// app's origin. The browser must never sniff them into HTML nor run them as a page of the app, even when a
// cross-site form (the alternate request syntax carries credentials in the form) navigates to one.
const NOT_A_PAGE = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "sandbox; default-src 'none'; frame-ancestors 'none'",
};

/** Versions a client may ask for, and the version the LRS then speaks (Communication 3.3). */
function negotiate(header: string | undefined): XapiVersion | null {
  if (!header) return null;
  if (/^2\.0(\.\d+)?$/.test(header)) return '2.0.0';
  if (/^1\.0(\.[0-3])?$/.test(header)) return '1.0.3';
  return null;
}

export default async function lrsRoutes(lrs: FastifyInstance, { config, tokens }: { config: Config; tokens?: TokenAuthenticator }) {
  // The LRS reads bodies itself: JSON statements, JSON or binary documents, multipart/mixed attachments.
  lrs.removeAllContentTypeParsers();
  lrs.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: config.lrsBodyLimitBytes }, (_request, body, done) => done(null, body));
  // LRS clients batch and sync: a budget per key (its Basic header), larger than the app's per-IP one. Set on each
  // route (the rate-limit plugin reads route config before this scope's own onRoute hooks would run).
  // No CSRF check either: the LRS never reads cookies, and alternate-syntax requests carry their credentials in
  // the form rather than a header.
  const limited = { config: { csrf: false, rateLimit: { max: config.lrsRateLimitPerMinute, timeWindow: '1 minute', keyGenerator: lrsRateKey } } };
  lrs.decorateRequest('lrsClient', null);
  lrs.decorateRequest('xapiVersion', '2.0.0');

  lrs.addHook('onRequest', async (request, reply) => {
    reply.headers({ ...CORS_HEADERS, ...NOT_A_PAGE });
    if (request.method === 'OPTIONS') return;
    const path = request.url.split('?')[0]!;
    // Alternate request syntax (1.0.3 Communication 1.3): headers may travel in the form, so they are checked when
    // the request is replayed (see the preHandler below).
    if (isAlternate(request)) {
      reply.header('X-Experience-API-Version', '1.0.3');
      if (request.method !== 'POST') throw new XapiError(400, 'The alternate request syntax (?method=) must be sent as a POST.');
      return;
    }
    const version = negotiate(request.headers['x-experience-api-version'] as string | undefined);
    reply.header('X-Experience-API-Version', version ?? '2.0.0');
    if (path === '/xapi/about') return;
    if (!version) {
      // The request is refused either way; its answer names the version the client's key speaks (a 1.0.3 client
      // expects 1.0.3 here, a 2.0 client 2.0.0), when the credentials say who it is.
      const client = await authenticateBasic(lrs.db, request.headers.authorization, tokens);
      if (client) reply.header('X-Experience-API-Version', client.xapiVersion);
      throw new XapiError(400, request.headers['x-experience-api-version']
        ? `X-Experience-API-Version "${String(request.headers['x-experience-api-version'])}" is not supported: use 2.0.0 or 1.0.3.`
        : 'The X-Experience-API-Version header is required (2.0.0 or 1.0.3).');
    }
    request.xapiVersion = version;
    request.lrsClient = await authenticateBasic(lrs.db, request.headers.authorization, tokens);
    if (!request.lrsClient) {
      reply.header('WWW-Authenticate', 'Basic realm="Sun-SCORM LRS"');
      throw new XapiError(401, 'Send this organisation\'s LRS key and secret with HTTP Basic authentication.');
    }
  });

  lrs.addHook('preHandler', async (request, reply) => {
    if (!isAlternate(request)) return;
    const replayed = await replayAlternate(lrs, request);
    const headers = Object.fromEntries(Object.entries(replayed.headers).filter(([name]) => !['content-length', 'transfer-encoding', 'connection', 'date'].includes(name)));
    return reply.code(replayed.statusCode).headers(headers).send(replayed.rawPayload);
  });

  lrs.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error instanceof XapiError) return reply.code(error.statusCode).send({ error: error.message });
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).send({ error: 'The request body is too large for this LRS.' });
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return reply.code(error.statusCode).send({ error: error.message });
    // A value the database refused (out of range, unstorable): a 400 (Communication 3.2) that names no SQL.
    if (isBadValueDatabaseError(error)) {
      request.log.warn({ err: error }, 'the database refused a value from an LRS request');
      return reply.code(400).send({ error: BAD_VALUE_MESSAGE });
    }
    request.log.error({ err: error }, 'LRS request failed');
    return reply.code(500).send({ error: 'The LRS could not complete this request.' });
  });
  lrs.setNotFoundHandler((request, reply) => reply.code(404).send({ error: `No LRS resource at ${request.url.split('?')[0]}.` }));

  lrs.options('/*', limited, async (_request, reply) => reply.code(204).send());

  lrs.get('/about', limited, async () => ({ version: ['2.0.0', '1.0.3'], extensions: {} }));

  await lrs.register(documentRoutes, { limited });

  // ---- statements (Communication 2.1) ----

  // Every statements response says up to when results are complete; ours are, up to now (writes commit first).
  const consistentThrough = (reply: FastifyReply) => reply.header('X-Experience-API-Consistent-Through', new Date().toISOString());

  lrs.put<{ Querystring: Record<string, string> }>('/statements', limited, async (request, reply) => {
    consistentThrough(reply);
    requireWrite(request);
    onlyParams(request.query, ['statementId']);
    const id = request.query.statementId;
    if (!isUuid(id)) throw new XapiError(400, 'PUT /statements needs a statementId query parameter holding a UUID.');
    const { json: statement, parts } = readStatementsBody(request.body, request.headers['content-type']);
    if (!statement || typeof statement !== 'object' || Array.isArray(statement)) throw new XapiError(400, 'PUT /statements takes one statement (a JSON object).');
    const body = statement as Record<string, unknown>;
    if (body.id !== undefined && String(body.id).toLowerCase() !== id.toLowerCase()) throw new XapiError(400, 'The statement\'s id differs from the statementId parameter.');
    await storeStatements(lrs.db, request.lrsClient!, request.xapiVersion, config.appOrigin, [{ ...body, id: id.toLowerCase() }], parts);
    return reply.code(204).send();
  });

  lrs.post<{ Querystring: Record<string, string> }>('/statements', limited, async (request, reply) => {
    consistentThrough(reply);
    requireWrite(request);
    onlyParams(request.query, []);
    const { json: body, parts } = readStatementsBody(request.body, request.headers['content-type']);
    const list = Array.isArray(body) ? body : [body];
    if (!body || typeof body !== 'object') throw new XapiError(400, 'POST /statements takes a statement or an array of statements.');
    return reply.code(200).send(await storeStatements(lrs.db, request.lrsClient!, request.xapiVersion, config.appOrigin, list, parts));
  });

  lrs.get<{ Querystring: Record<string, string> }>('/statements', limited, async (request, reply) => {
    consistentThrough(reply);
    requireRead(request);
    const query = request.query;
    // `more` links (Communication 2.1.3) come back here: the query's state travels in the link, signed for the
    // credential that asked (more-links.ts); what that credential may read is checked again on every page.
    if (query.more !== undefined) {
      onlyParams(query, ['more']);
      const state = readPageState(config, request.lrsClient!, query.more, MAX_PAGE);
      request.lrsClient!.session?.checkStatementQuery(state.filter);
      const result = await page(request, { ...state, languages: acceptLanguages(request.headers['accept-language']) });
      return send(request, reply, result.body, state.attachments ? result.hashes : null);
    }
    onlyParams(query, ['statementId', 'voidedStatementId', 'agent', 'verb', 'activity', 'registration', 'related_activities', 'related_agents', 'since', 'until', 'limit', 'format', 'attachments', 'ascending']);
    const format = parseFormat(query.format);
    const withAttachments = parseBool(query.attachments, 'attachments');
    const languages = acceptLanguages(request.headers['accept-language']);
    if (query.statementId !== undefined || query.voidedStatementId !== undefined) {
      const extra = Object.keys(query).filter((k) => !['statementId', 'voidedStatementId', 'format', 'attachments'].includes(k));
      if (extra.length || (query.statementId !== undefined && query.voidedStatementId !== undefined)) {
        throw new XapiError(400, 'statementId and voidedStatementId go alone (with format and attachments at most).');
      }
      const voided = query.voidedStatementId !== undefined;
      const id = (voided ? query.voidedStatementId : query.statementId)!;
      if (!isUuid(id)) throw new XapiError(400, `${voided ? 'voidedStatementId' : 'statementId'} must be a UUID.`);
      // A lookup by id names no learner or registration, so a cmi5 AU may not make one.
      request.lrsClient!.session?.checkStatementQuery({});
      const row = await q.findStatement(lrs.db, { tenantId: request.lrsClient!.tenantId, id: id.toLowerCase(), voided });
      if (!row) throw new XapiError(404, voided ? 'No voided statement with that id.' : 'No statement with that id (a voided one is found with voidedStatementId).');
      reply.header('Last-Modified', new Date(String(row.statement.stored)).toUTCString());
      return send(request, reply, formatStatement(row.statement, format, languages), withAttachments ? row.attachmentHashes : null);
    }
    const filter = parseFilter(query);
    request.lrsClient!.session?.checkStatementQuery(filter);
    const limit = parseLimit(query.limit);
    const ceiling = await q.maxSeq(lrs.db, request.lrsClient!.tenantId);
    const result = await page(request, { filter, limit, ceiling, format, languages, attachments: withAttachments });
    return send(request, reply, result.body, withAttachments ? result.hashes : null);
  });

  /** JSON, or with attachments=true multipart/mixed: the JSON, then the bytes of every attachment it mentions. */
  async function send(request: FastifyRequest, reply: FastifyReply, json: unknown, hashes: string[] | null) {
    if (!hashes) return reply.type('application/json').send(json);
    const attachments = await q.findAttachments(lrs.db, { tenantId: request.lrsClient!.tenantId, hashes: [...new Set(hashes)] });
    const multipart = buildMultipart(json, attachments);
    return reply.type(multipart.contentType).send(multipart.body);
  }

  /** One page of a query; `after` is where the previous page ended (none on a first page). */
  async function page(request: FastifyRequest, state: Omit<PageState, 'after'> & { after?: number; languages: string[] }) {
    const { filter, limit, ceiling, after, format, languages, attachments } = state;
    const client = request.lrsClient!;
    const rows = await q.queryStatements(lrs.db, client.tenantId, filter, { limit: limit + 1, after, ceiling });
    const shown = rows.slice(0, limit);
    const more = rows.length > limit
      ? `/xapi/statements?more=${signPageState(config, client, { filter, limit, ceiling, after: shown.at(-1)!.seq, format, attachments })}`
      : '';
    return {
      body: { statements: shown.map((r) => formatStatement(r.statement, format, languages)), more },
      hashes: shown.flatMap((r) => r.attachmentHashes),
    };
  }
}

function isAlternate(request: FastifyRequest): boolean {
  return typeof (request.query as Record<string, unknown> | undefined)?.method === 'string';
}

/** The form fields that are headers in the alternate request syntax (Communication 1.3.s3.b7). */
const FORM_HEADERS = ['authorization', 'x-experience-api-version', 'content-type', 'content-length', 'if-match', 'if-none-match'];

/**
 * Alternate request syntax (xAPI 1.0.3 Communication 1.3): a POST with ?method=X and an url-encoded form holding
 * the headers, the query parameters and the body ("content") of the real request, which is then replayed as it.
 * xAPI 2.0 removed it, so a 2.0 request using it is refused.
 */
async function replayAlternate(lrs: FastifyInstance, request: FastifyRequest) {
  const query = request.query as Record<string, string>;
  const method = query.method!.toUpperCase();
  if (Object.keys(query).length > 1) throw new XapiError(400, 'With the alternate request syntax, every parameter but method goes in the form body.');
  if (!['GET', 'HEAD', 'PUT', 'POST', 'DELETE'].includes(method)) throw new XapiError(400, `method=${query.method} is not an HTTP method the LRS serves.`);
  const contentType = request.headers['content-type'] ?? '';
  if (!/^application\/x-www-form-urlencoded\b/i.test(contentType)) throw new XapiError(400, 'An alternate request syntax body must be application/x-www-form-urlencoded.');
  const form = new URLSearchParams(Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '');
  const headers: Record<string, string> = {};
  for (const name of ['authorization', 'x-experience-api-version', 'if-match', 'if-none-match']) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const params = new URLSearchParams();
  let content: string | undefined;
  for (const [name, value] of form) {
    const lower = name.toLowerCase();
    if (lower === 'content') content = value;
    else if (FORM_HEADERS.includes(lower)) headers[lower] = value;
    else params.append(name, value);
  }
  if (headers['x-experience-api-version'] && /^2\./.test(headers['x-experience-api-version'])) throw new XapiError(400, 'xAPI 2.0 has no alternate request syntax: send the request as itself.');
  delete headers['content-length'];
  if (content !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  const path = request.url.split('?')[0]!;
  return lrs.inject({ method: method as 'GET', url: `${path}${params.size ? `?${params}` : ''}`, headers, ...(content !== undefined ? { payload: content } : {}) });
}

function lrsRateKey(request: FastifyRequest): string {
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)/i.exec(request.headers.authorization ?? '')?.[1];
  const key = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':')[0] : null;
  return key ? `lrs:${key.slice(0, 100)}` : `lrs-ip:${request.ip}`;
}

function requireWrite(request: FastifyRequest) {
  if (!canWrite(request.lrsClient!, 'statements')) throw new XapiError(403, 'This key may not write statements.');
}

function requireRead(request: FastifyRequest) {
  if (!canRead(request.lrsClient!, 'statements')) throw new XapiError(403, 'This key may not read statements.');
}

/** Unknown (or wrongly cased) query parameters are an error (Communication 1.3). */
function onlyParams(query: Record<string, unknown>, allowed: string[]) {
  for (const key of Object.keys(query)) if (!allowed.includes(key)) throw new XapiError(400, `Unknown query parameter "${key}" (names are case-sensitive).`);
}

/**
 * A statements request body: application/json, or multipart/mixed with the JSON first and one part per
 * attachment (Communication 1.5.2), each checked against its X-Experience-API-Hash.
 */
function readStatementsBody(body: unknown, contentType: string | undefined): { json: unknown; parts: Map<string, AttachmentPart> | null } {
  if (!Buffer.isBuffer(body) || body.length === 0) throw new XapiError(400, 'The request has no body.');
  if (contentType && /^multipart\/mixed/i.test(contentType)) {
    const boundary = boundaryOf(contentType);
    if (!boundary) throw new XapiError(400, 'A multipart/mixed request needs a boundary in its Content-Type.');
    const [first, ...rest] = parseMultipart(body, boundary);
    if (!first || !/^application\/json\b/i.test(first.headers['content-type'] ?? '')) throw new XapiError(400, 'The first part of a multipart/mixed request must be the statements, as application/json.');
    const parts = new Map<string, AttachmentPart>();
    for (const part of rest) {
      const declared = part.headers['x-experience-api-hash']?.toLowerCase();
      if (!declared) throw new XapiError(400, 'Every attachment part needs an X-Experience-API-Hash header.');
      if ((part.headers['content-transfer-encoding'] ?? '').toLowerCase() !== 'binary') throw new XapiError(400, 'Attachment parts must have Content-Transfer-Encoding: binary.');
      if (sha2Of(part.body, declared.length) !== declared) throw new XapiError(400, `The part declared as ${declared} does not have that SHA-2.`);
      parts.set(declared, { contentType: part.headers['content-type'] ?? 'application/octet-stream', content: Buffer.from(part.body) });
    }
    return { json: parseJson(first.body), parts };
  }
  if (contentType && !/^application\/json\b/i.test(contentType)) throw new XapiError(400, `Statements are sent as application/json (or multipart/mixed with attachments), not ${contentType}.`);
  return { json: parseJson(body), parts: null };
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new XapiError(400, 'The body is not valid JSON.');
  }
}

/** The SHA-2 of the length the declared hash has (SHA-224/256/384/512 as 56/64/96/128 hex digits). */
function sha2Of(content: Buffer, hexLength: number): string {
  const algorithm = ({ 56: 'sha224', 64: 'sha256', 96: 'sha384', 128: 'sha512' } as Record<number, string>)[hexLength] ?? 'sha256';
  return createHash(algorithm).update(content).digest('hex');
}

function parseFormat(value: string | undefined): StatementFormat {
  if (value === undefined) return 'exact';
  if (value === 'exact' || value === 'ids' || value === 'canonical') return value;
  throw new XapiError(400, 'format must be exact, ids or canonical.');
}

function parseBool(value: string | undefined, name: string): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new XapiError(400, `${name} must be true or false.`);
}

function parseLimit(value: string | undefined): number {
  if (value === undefined) return MAX_PAGE;
  if (!/^\d+$/.test(value)) throw new XapiError(400, 'limit must be a whole number.');
  const n = Number(value);
  return n === 0 || n > MAX_PAGE ? MAX_PAGE : n;
}

function parseFilter(query: Record<string, string>): q.StatementFilter {
  const filter: q.StatementFilter = {
    relatedAgents: parseBool(query.related_agents, 'related_agents'),
    relatedActivities: parseBool(query.related_activities, 'related_activities'),
    ascending: parseBool(query.ascending, 'ascending'),
  };
  if (query.agent !== undefined) {
    let agent: unknown;
    try {
      agent = JSON.parse(query.agent);
      validateActor(agent, 'agent');
    } catch (error) {
      throw new XapiError(400, error instanceof StatementError ? error.message : 'agent must be an Agent or identified Group in JSON.');
    }
    const key = agentKey(agent as Record<string, unknown>);
    if (!key) throw new XapiError(400, 'agent must be an Agent or an identified Group.');
    filter.agentKey = key;
  }
  if (query.verb !== undefined) filter.verbId = iriParam(query.verb, 'verb');
  if (query.activity !== undefined) filter.activityId = iriParam(query.activity, 'activity');
  if (query.registration !== undefined) {
    if (!isUuid(query.registration)) throw new XapiError(400, 'registration must be a UUID.');
    filter.registration = query.registration.toLowerCase();
  }
  if (query.since !== undefined) filter.since = timestampParam(query.since, 'since');
  if (query.until !== undefined) filter.until = timestampParam(query.until, 'until');
  return filter;
}

function iriParam(value: string, name: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\S*$/i.test(value)) throw new XapiError(400, `${name} must be an IRI.`);
  return value;
}

function timestampParam(value: string, name: string): Date {
  if (!isTimestamp(value)) throw new XapiError(400, `${name} must be an ISO 8601 timestamp with a time zone.`);
  return new Date(value);
}

function acceptLanguages(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const weight = params.map((p) => /^q=([\d.]+)$/.exec(p.trim())?.[1]).find(Boolean);
      return { tag: tag!.trim(), q: weight ? Number(weight) : 1 };
    })
    .filter((l) => l.tag && l.tag !== '*' && l.q > 0)
    .sort((a, b) => b.q - a.q)
    .map((l) => l.tag);
}
