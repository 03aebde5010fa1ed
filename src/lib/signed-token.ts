// Compact signed tokens (payload.signature, both base64url, HMAC-SHA256) for URLs that must carry their own
// authority: content URLs on the content origin today, launch links later. Stateless and expiring.
import { createHmac } from 'node:crypto';
import { safeEqual } from './ids.js';

export interface TokenPayload {
  /** Expiry, seconds since the epoch. */
  exp: number;
  [key: string]: unknown;
}

export function deriveKey(secret: string, purpose: string): string {
  return createHmac('sha256', secret).update(`sun-scorm:${purpose}`).digest('base64url');
}

export function signToken<T extends { exp: number }>(payload: T, key: string): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const signature = createHmac('sha256', key).update(body).digest('base64url');
  return `${body}.${signature}`;
}

/** The payload if the signature is right and the token has not expired; null otherwise. */
export function verifyToken<T extends { exp: number }>(token: string, key: string, now = Date.now()): T | null {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) return null;
  const expected = createHmac('sha256', key).update(body).digest('base64url');
  if (!safeEqual(signature, expected)) return null;
  try {
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as T;
    return typeof payload.exp === 'number' && payload.exp * 1000 > now ? payload : null;
  } catch {
    return null;
  }
}
