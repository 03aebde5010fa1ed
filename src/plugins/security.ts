// Browser-facing protections: cookies, form bodies, security headers with a strict CSP, and two checks on every
// state change a browser could make with its ambient cookie (learned from an attack on our own server, where a
// package on the content origin made an owner's browser create an owner):
// - Origin: a cookie-authenticated POST must come from the app's own origin. `Sec-Fetch-Site` other than
//   same-origin, or an `Origin` that is not ours, is refused; `Origin: null` only counts with Sec-Fetch-Site:
//   same-origin (Chromium sends null for our own forms under Referrer-Policy: no-referrer, DESIGN.md 5).
// - A CSRF token bound to the session (src/lib/csrf.ts): a token minted for one session or for none is refused for
//   another, so a token fetched anonymously and a cookie planted from a same-site origin are worth nothing.
// Requests that carry their own Authorization header (API tokens, LRS credentials) are not ambient, so they skip
// both; the auth plugin in turn ignores the session cookie on such requests. Over https every cookie the app reads
// has the `__Host-` prefix, which no other origin (not even a sub-domain) can set.
import { randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { createCsrfToken, csrfKey, verifyCsrfToken } from '../lib/csrf.js';
import { DomainError } from '../lib/errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: this route takes no ambient cookie credentials, so it needs no CSRF token or Origin check. */
    csrf?: boolean;
  }
  interface FastifyReply {
    /** A CSRF token for the forms of this page, bound to the caller's session (or visitor cookie). */
    generateCsrf(): string;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A cookie's name: `__Host-` over https, so only this exact origin can ever set it. */
export function cookieName(config: Pick<Config, 'cookieSecure'>, name: string): string {
  return config.cookieSecure ? `__Host-${name}` : name;
}

export class CrossSiteRequestError extends DomainError {
  constructor() {
    super(403, 'CROSS_SITE_REQUEST', 'This request came from another site, so it was refused. If you sent it from this site, reload the page and try again.');
  }
}

export class CsrfTokenError extends DomainError {
  constructor() {
    super(403, 'CSRF_FAILED', 'Your form expired or came from another site. Reload the page and try again.');
  }
}

/** Why a state-changing request is not from the app's own origin, or null when it is (or does not say). */
function crossOriginReason(request: FastifyRequest, appOrigin: string): string | null {
  const fetchSite = request.headers['sec-fetch-site'];
  if (typeof fetchSite === 'string' && fetchSite !== 'same-origin' && fetchSite !== 'none') return `Sec-Fetch-Site: ${fetchSite}`;
  const origin = request.headers.origin;
  // No Origin and no Sec-Fetch-Site: not a browser that says where a request comes from (curl, old clients);
  // the session-bound token still has to match.
  if (origin === undefined) return null;
  if (origin === 'null') return fetchSite === 'same-origin' ? null : 'Origin: null';
  // Our origin as configured (PUBLIC_URL), or as this request reached us: a browser always sends the real Host,
  // so a page of another origin cannot pass as ours.
  if (origin === appOrigin || origin === `${request.protocol}://${request.host}`) return null;
  return `Origin: ${origin}`;
}

export default fp<{ config: Config }>(
  async (app, { config }) => {
    await app.register(fastifyCookie, { secret: config.sessionSecret });
    await app.register(fastifyFormbody, { bodyLimit: config.bodyLimitBytes });
    await app.register(fastifyHelmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          // Package content plays in frames from its own origin (src/content/content-app.ts).
          frameSrc: ["'self'", config.contentOrigin],
          frameAncestors: ["'none'"],
          formAction: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          upgradeInsecureRequests: config.cookieSecure ? [] : null,
        },
      },
      // Content packages embed third-party media; COEP would break them for no gain here.
      crossOriginEmbedderPolicy: false,
      hsts: config.cookieSecure ? { maxAge: 31536000, includeSubDomains: true } : false,
    });

    const key = csrfKey(config.sessionSecret);
    // A visitor who is not signed in (the sign-in form) gets a random id to bind tokens to.
    const visitorCookie = cookieName(config, 'sun_csrf');
    const visitorCookieOptions = { httpOnly: true, sameSite: 'lax' as const, secure: config.cookieSecure, path: '/' };

    const bindingOf = (request: FastifyRequest): string | null => {
      if (request.user?.via === 'session') return `session:${request.user.credentialId}`;
      const visitor = request.cookies[visitorCookie];
      return visitor ? `visitor:${visitor}` : null;
    };

    app.decorateReply('generateCsrf', function (this: FastifyReply) {
      let binding = bindingOf(this.request);
      if (!binding) {
        const visitor = randomBytes(18).toString('base64url');
        this.setCookie(visitorCookie, visitor, visitorCookieOptions);
        binding = `visitor:${visitor}`;
      }
      return createCsrfToken(key, binding);
    });

    const tokenOf = (request: FastifyRequest): string | undefined => {
      const body = request.body as { _csrf?: unknown } | undefined;
      if (typeof body?._csrf === 'string') return body._csrf;
      const fromHeader = request.headers['x-csrf-token'];
      if (typeof fromHeader === 'string') return fromHeader;
      // Uploads are streamed, so their multipart body is not parsed before this check: a plain (no-JS) upload
      // form carries the token in its action URL instead; htmx sends the header.
      if (request.headers['content-type']?.startsWith('multipart/form-data')) {
        const fromQuery = (request.query as { _csrf?: unknown } | undefined)?._csrf;
        if (typeof fromQuery === 'string') return fromQuery;
      }
      return undefined;
    };

    app.addHook('preHandler', async (request: FastifyRequest) => {
      if (SAFE_METHODS.has(request.method)) return;
      if (request.routeOptions.config?.csrf === false) return;
      if (request.headers.authorization) return;
      // A signed-out JSON API call has no session a forged request could ride on: let the route answer 401.
      if (!request.user && request.url.startsWith('/api/')) return;
      const crossOrigin = crossOriginReason(request, config.appOrigin);
      if (crossOrigin) {
        request.log.warn({ reason: crossOrigin, url: request.url }, 'refused a cross-origin state change');
        throw new CrossSiteRequestError();
      }
      const binding = bindingOf(request);
      if (!binding || !verifyCsrfToken(key, binding, tokenOf(request))) throw new CsrfTokenError();
    });
  },
  { name: 'security' },
);
