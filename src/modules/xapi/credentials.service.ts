// LRS client credentials: an admin creates a key/secret pair with a scope (the secret is shown once and stored
// only as its SHA-256), and revokes it; the LRS checks Basic credentials against them on every request.
import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/client.js';
import { ValidationError } from '../../lib/errors.js';
import { hashSecret, safeEqual } from '../../lib/ids.js';
import type { Principal } from '../accounts/accounts.queries.js';
import * as q from './credentials.queries.js';

/** xAPI's OAuth scope names (xAPI 1.0.3 / 2.0 Communication, 4.1 "OAuth 1.0 Authorization Scope"), the useful ones. */
export const LRS_SCOPES = ['all', 'all/read', 'statements/write', 'statements/read'] as const;
export type LrsScope = (typeof LRS_SCOPES)[number];

export const isLrsScope = (value: unknown): value is LrsScope => (LRS_SCOPES as readonly unknown[]).includes(value);

/** The versions a client may say it speaks; 2.0.0 unless it is set up as a 1.0.3 client. */
export const LRS_VERSIONS = ['2.0.0', '1.0.3'] as const;
export type LrsVersion = (typeof LRS_VERSIONS)[number];

export interface LrsClient {
  credentialId: string;
  tenantId: string;
  scope: LrsScope;
  /** The version the client speaks, for answers to requests that do not name one. */
  xapiVersion: LrsVersion;
  /** Set for a cmi5 AU's session token: the session's rules apply on top of the scope. */
  session?: SessionRules;
}

type Json = Record<string, unknown>;

/** A document request as session rules see it (after the xAPI checks, so its agent is known to be valid). */
export interface DocumentAccess {
  kind: 'state' | 'activity-profile' | 'agent-profile';
  write: boolean;
  agentKey: string;
  documentId: string | undefined;
  body?: Buffer;
  contentType?: string;
  merge?: boolean;
}

/** What a launched AU may do with its token (cmi5 9 and 10); each method throws a 403 XapiError to refuse. */
export interface SessionRules {
  /** Checks the AU's new statements in the storing transaction; answers the statements the LMS stores after them. */
  beforeStore(tx: Db, statements: Json[]): Promise<Json[]>;
  checkDocument(access: DocumentAccess): Promise<void>;
  /**
   * Checks what a statement query would read, from its parsed filter: on a first page and again on every page a
   * `more` link continues (a lookup by id passes {}). Never from the raw request, so no spelling of it slips by.
   */
  checkStatementQuery(filter: { agentKey?: string; registration?: string }): void;
}

/** Checks Basic credentials that are not an LRS key (a cmi5 session's auth token); null when they are not one. */
export type TokenAuthenticator = (db: Db, user: string, secret: string) => Promise<LrsClient | null>;

export async function createCredential(db: Db, actor: Principal, input: { name?: unknown; scope?: unknown; xapiVersion?: unknown }) {
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  const fields: Record<string, string> = {};
  if (!name || name.length > 100) fields.name = 'Give the key a name of 1 to 100 characters, e.g. the tool that will use it.';
  if (!isLrsScope(input.scope)) fields.scope = `Choose a scope: ${LRS_SCOPES.join(', ')}.`;
  const xapiVersion = input.xapiVersion === undefined || input.xapiVersion === '' ? '2.0.0' : input.xapiVersion;
  if (!(LRS_VERSIONS as readonly unknown[]).includes(xapiVersion)) fields.xapiVersion = `Choose the xAPI version the client speaks: ${LRS_VERSIONS.join(' or ')}.`;
  if (Object.keys(fields).length) throw new ValidationError(fields);
  const key = randomBytes(15).toString('base64url');
  const secret = randomBytes(32).toString('base64url');
  const row = await q.insertCredential(db, {
    tenantId: actor.tenantId!, name, key, secretHash: hashSecret(secret), scope: input.scope as LrsScope, xapiVersion: xapiVersion as LrsVersion, createdBy: actor.userId,
  });
  return { id: row.id, name: row.name, key, secret, scope: row.scope as LrsScope, xapiVersion: row.xapiVersion as LrsVersion, createdAt: row.createdAt };
}

/** Last use is recorded at most once a minute per key, so busy clients do not write on every request. */
const TOUCH_INTERVAL_MS = 60_000;

/** The client behind an `Authorization: Basic` header, or null when it is missing, malformed, wrong or revoked. */
export async function authenticateBasic(db: Db, authorization: string | undefined, tokens?: TokenAuthenticator): Promise<LrsClient | null> {
  const match = authorization ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization) : null;
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return null;
  const key = decoded.slice(0, colon);
  const secret = decoded.slice(colon + 1);
  if (key.length > 100 || secret.length > 200) return null;
  if (tokens) {
    const client = await tokens(db, key, secret);
    if (client) return client;
  }
  const row = await q.findActiveCredential(db, key);
  if (!row || !safeEqual(row.secretHash, hashSecret(secret))) return null;
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) await q.touchCredential(db, row.id);
  return { credentialId: row.id, tenantId: row.tenantId, scope: row.scope as LrsScope, xapiVersion: row.xapiVersion as LrsVersion };
}

/** May this client read (GET/HEAD) the resource? Statement-only scopes do not reach documents. */
export function canRead(client: LrsClient, resource: 'statements' | 'documents'): boolean {
  return client.scope === 'all' || client.scope === 'all/read' || (resource === 'statements' && client.scope === 'statements/read');
}

export function canWrite(client: LrsClient, resource: 'statements' | 'documents'): boolean {
  return client.scope === 'all' || (resource === 'statements' && client.scope === 'statements/write');
}
