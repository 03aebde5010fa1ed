// `more` links of statement queries (xAPI Communication 2.1.3): the query's state between pages, in the link
// itself so the LRS stays stateless. A link is signed (HMAC-SHA256 with a key derived from the session secret for
// this purpose alone) over the whole state, bound to the tenant and the credential that asked, and expires, so it
// cannot be altered, widened or handed to another client. Whoever follows it is still checked again for what its
// credential may read: the link carries the query, never the right to run it.
import type { Config } from '../../config.js';
import { deriveKey, signToken, verifyToken } from '../../lib/signed-token.js';
import type { StatementFormat } from './statements.service.js';
import type { StatementFilter } from './statements.queries.js';
import { XapiError } from './xapi-errors.js';

/** A leaked link stops working after a day; clients page through a result in minutes. */
const LIFETIME_SECONDS = 24 * 3600;

export interface PageState {
  filter: StatementFilter;
  limit: number;
  /** The highest seq when the first page was asked for, and the last seq already returned. */
  ceiling: number;
  after: number;
  format: StatementFormat;
  attachments: boolean;
}

/** Who a link is for: the tenant and the credential (an LRS key's id, or a cmi5 session's). */
export interface LinkOwner {
  tenantId: string;
  credentialId: string;
}

interface SignedState {
  t: string;
  k: string;
  f: Omit<StatementFilter, 'since' | 'until'> & { since?: string; until?: string };
  l: number;
  c: number;
  a: number;
  fm: StatementFormat;
  at: boolean;
  exp: number;
}

const keyOf = (config: Config) => deriveKey(config.sessionSecret, 'xapi-more-link');

/** The opaque token a `more` link carries. */
export function signPageState(config: Config, owner: LinkOwner, state: PageState, now = Date.now()): string {
  const { since, until, ...rest } = state.filter;
  const signed: SignedState = {
    t: owner.tenantId,
    k: owner.credentialId,
    f: { ...rest, ...(since ? { since: since.toISOString() } : {}), ...(until ? { until: until.toISOString() } : {}) },
    l: state.limit,
    c: state.ceiling,
    a: state.after,
    fm: state.format,
    at: state.attachments,
    exp: Math.floor(now / 1000) + LIFETIME_SECONDS,
  };
  return signToken(signed, keyOf(config));
}

/**
 * The state a `more` token carries, if this LRS signed it for this owner and it has not expired; otherwise a 400 (a link
 * that is not ours, altered, expired or someone else's says nothing we may act on). `maxLimit` caps the page again,
 * so a lower cap applies to links signed before it was lowered.
 */
export function readPageState(config: Config, owner: LinkOwner, token: unknown, maxLimit: number, now = Date.now()): PageState {
  const signed = typeof token === 'string' && token.length <= 4096 ? verifyToken<SignedState>(token, keyOf(config), now) : null;
  if (!signed || signed.t !== owner.tenantId || signed.k !== owner.credentialId || !wellFormed(signed)) {
    throw new XapiError(400, 'This more link is not valid for these credentials (it is altered, expired or was issued to another client): run the query again.');
  }
  const { since, until, ...rest } = signed.f;
  return {
    filter: { ...rest, ...(since ? { since: new Date(since) } : {}), ...(until ? { until: new Date(until) } : {}) },
    limit: Math.min(signed.l, maxLimit),
    ceiling: signed.c,
    after: signed.a,
    format: signed.fm,
    attachments: signed.at,
  };
}

/** Signed by us, but perhaps by an older release with another shape: checked before it reaches a query. */
function wellFormed(s: SignedState): boolean {
  const f = s.f as Record<string, unknown> | null;
  const dates = (v: unknown) => v === undefined || (typeof v === 'string' && !Number.isNaN(Date.parse(v)));
  return (
    Number.isSafeInteger(s.l) && s.l > 0 &&
    Number.isSafeInteger(s.c) && s.c >= 0 &&
    Number.isSafeInteger(s.a) &&
    ['exact', 'ids', 'canonical'].includes(s.fm) &&
    typeof s.at === 'boolean' &&
    typeof f === 'object' && f !== null && !Array.isArray(f) &&
    ['agentKey', 'verbId', 'activityId', 'registration'].every((k) => f[k] === undefined || typeof f[k] === 'string') &&
    ['relatedAgents', 'relatedActivities', 'ascending'].every((k) => f[k] === undefined || typeof f[k] === 'boolean') &&
    dates(f.since) && dates(f.until)
  );
}
