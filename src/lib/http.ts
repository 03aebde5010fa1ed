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

/** Longer is no link of ours, and would make an oversized Location header. */
const MAX_NEXT_PATH_LENGTH = 2048;

/**
 * Where to go after sign-in: a plain path of the app's own origin, re-serialised, else `fallback`. Browsers strip
 * tabs and newlines inside URLs (`/\t/host` becomes `//host`) and read `\` as `/`, and a header cannot carry
 * control or non-ASCII characters, so anything but printable ASCII without a backslash is refused first. Then the
 * value must resolve to our origin and serialise back to a path that does not start with `//` (`/.//host`
 * resolves to the path `//host`, which as a Location would be another host).
 */
export function safeNextPath(next: unknown, appOrigin: string, fallback = '/'): string {
  if (typeof next !== 'string' || next.length > MAX_NEXT_PATH_LENGTH || !/^\/[!-\[\]-~]*$/.test(next)) return fallback;
  let url: URL;
  try {
    url = new URL(next, appOrigin);
  } catch {
    return fallback;
  }
  if (url.origin !== new URL(appOrigin).origin) return fallback;
  const path = url.pathname + url.search + url.hash;
  return /^\/(?![/\\])/.test(path) ? path : fallback;
}

export function pageNumber(raw: unknown): number {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= 100_000 ? n : 1;
}
