// A configured secret that a machine (a health monitor, a metrics scraper) shows as `Authorization: Bearer <secret>`.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Whether a request carries `secret` as its bearer token; always false when no secret is configured. Compares
 * SHA-256 digests in constant time, so the time taken says nothing about how much of the token was right, nor its
 * length.
 */
export function bearerSecretCheck(secret: string | null): (request: FastifyRequest) => boolean {
  const expected = secret ? digest(secret) : null;
  return (request) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    return Boolean(expected && bearer && timingSafeEqual(digest(bearer[1]!), expected));
  };
}
