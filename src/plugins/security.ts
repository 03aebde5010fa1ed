// Browser-facing protections: cookies, form bodies, security headers with a strict CSP, and CSRF checks on every
// state change that a browser could make with its ambient cookie. Requests that carry their own Authorization
// header (API tokens, LRS credentials) are not ambient, so they skip the CSRF check; the auth plugin in turn
// ignores the session cookie on such requests.
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: this route takes no ambient cookie credentials, so it needs no CSRF token. */
    csrf?: boolean;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

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
    await app.register(fastifyCsrf, {
      sessionPlugin: '@fastify/cookie',
      cookieKey: 'sun_csrf',
      cookieOpts: { httpOnly: true, sameSite: 'lax', secure: config.cookieSecure, path: '/', signed: true },
      // Uploads are streamed, so their multipart body is not parsed before this check: a plain (no-JS) upload
      // form carries the token in its action URL instead; htmx sends the header.
      getToken: (request) => {
        const body = request.body as { _csrf?: string } | undefined;
        const fromHeader = request.headers['x-csrf-token'];
        const isMultipart = request.headers['content-type']?.startsWith('multipart/form-data');
        const fromQuery = isMultipart ? (request.query as { _csrf?: string } | undefined)?._csrf : undefined;
        return body?._csrf ?? (typeof fromHeader === 'string' ? fromHeader : undefined) ?? fromQuery ?? '';
      },
    });

    app.addHook('preHandler', (request: FastifyRequest, reply: FastifyReply, done) => {
      if (SAFE_METHODS.has(request.method)) return done();
      if (request.routeOptions.config?.csrf === false) return done();
      if (request.headers.authorization) return done();
      // A signed-out JSON API call has no session a forged request could ride on: let the route answer 401.
      if (!request.user && request.url.startsWith('/api/')) return done();
      app.csrfProtection(request, reply, done);
    });
  },
  { name: 'security' },
);
