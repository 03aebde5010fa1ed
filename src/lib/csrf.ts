// CSRF tokens bound to what they protect. A token is an HMAC over its binding (the session id, or for a visitor
// who is not signed in, a random pre-session id kept in a cookie), with a fresh random mask per token so the same
// page never carries the same bytes twice (no BREACH-style guessing through compressed responses). A token minted
// for one session, or for none, never verifies for another session: an attacker who fetches the sign-in page
// anonymously and plants its cookie in a victim's browser gains nothing once the victim is signed in.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const MASK_BYTES = 12;

/** A key for CSRF tokens only, derived from the session secret, so no other signature can be replayed as one. */
export function csrfKey(sessionSecret: string): Buffer {
  return createHmac('sha256', sessionSecret).update('sun-scorm csrf token key v1').digest();
}

function mac(key: Buffer, binding: string, mask: string): Buffer {
  return createHmac('sha256', key).update(`${binding}\u0000${mask}`).digest();
}

export function createCsrfToken(key: Buffer, binding: string): string {
  const mask = randomBytes(MASK_BYTES).toString('base64url');
  return `${mask}.${mac(key, binding, mask).toString('base64url')}`;
}

export function verifyCsrfToken(key: Buffer, binding: string, token: string | undefined): boolean {
  if (!token || token.length > 200) return false;
  const dot = token.indexOf('.');
  if (dot <= 0) return false;
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = mac(key, binding, token.slice(0, dot));
  return given.length === expected.length && timingSafeEqual(given, expected);
}
