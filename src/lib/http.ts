// Small HTTP helpers shared by plugins and routes. Kept free of module logic.
import type { FastifyReply, FastifyRequest } from 'fastify';

/** JSON API routes live under /api; everything else is a page for people. */
export function wantsJson(request: FastifyRequest): boolean {
  return request.url.startsWith('/api/') || request.url === '/api';
}

/**
 * An htmx request that swaps a fragment into a named target. Boosted links and HX-Location navigations (which
 * replace the whole body and name no target) get the whole page.
 */
export function isHtmxFragment(request: FastifyRequest): boolean {
  return request.headers['hx-request'] === 'true' && request.headers['hx-boosted'] !== 'true' && Boolean(request.headers['hx-target']);
}

export function ok<T>(reply: FastifyReply, data: T, statusCode = 200) {
  return reply.code(statusCode).send({ success: true, data });
}

/** After a successful form post: htmx follows HX-Location, a plain browser follows the 303. */
export function redirectAfterPost(request: FastifyRequest, reply: FastifyReply, location: string) {
  if (request.headers['hx-request'] === 'true') return reply.header('HX-Location', location).code(204).send();
  return reply.redirect(location, 303);
}

/** Only same-site relative paths are followed after sign-in, so `next` cannot send people elsewhere. */
export function safeNextPath(next: unknown, fallback = '/'): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  return next;
}

export function pageNumber(raw: unknown): number {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= 100_000 ? n : 1;
}
