// Signed URLs for package content on the content origin. The main app mints one after checking that the user may
// see the course; the content origin trusts only the signature, never a cookie. A token covers one version's whole
// file tree (relative links inside the package keep working) for a few hours. A learner's launch also names its
// registration, so that the link closes when the learner's access does; previews for authors and admins do not.
import type { Config } from '../config.js';
import { deriveKey, signToken, verifyToken } from '../lib/signed-token.js';

export interface ContentGrant {
  /** Course version id. */
  v: string;
  /** Tenant id, checked again against the version's row. */
  t: string;
  /** User the grant was made for (kept for the access log). */
  u: string | null;
  /** A learner's launch: the registration whose access the link lasts for. */
  r?: string;
  exp: number;
}

const DEFAULT_TTL_SECONDS = 8 * 3600;

export function contentKey(config: Config): string {
  return deriveKey(config.sessionSecret, 'content-url');
}

export function contentBaseUrl(
  config: Config,
  grant: { versionId: string; tenantId: string; userId: string | null; registrationId?: string },
  ttlSeconds = DEFAULT_TTL_SECONDS,
): string {
  const claims: ContentGrant = { v: grant.versionId, t: grant.tenantId, u: grant.userId, exp: Math.floor(Date.now() / 1000) + ttlSeconds };
  if (grant.registrationId) claims.r = grant.registrationId;
  const token = signToken(claims, contentKey(config));
  return `${config.contentOrigin}/c/${token}/`;
}

export function readContentGrant(config: Config, token: string): ContentGrant | null {
  return verifyToken<ContentGrant>(token, contentKey(config));
}
