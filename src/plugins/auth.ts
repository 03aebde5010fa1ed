// Who is calling. Browsers carry a session cookie: a JWT (signed with @fastify/jwt) naming a session row, checked
// on every request so that sign-out or deactivation ends access at once. API clients carry `Authorization: Bearer`
// with an opaque token whose SHA-256 is looked up. A request with an Authorization header never falls back to the
// cookie. `requireUser` and `requireRole` guard routes. Sessions and tokens belong to the accounts module: app.ts
// passes its functions in (`accounts`), so this plugin imports no module.
import fastifyJwt from '@fastify/jwt';
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { UserRole } from '../db/schema/index.js';
import { ForbiddenError, UnauthorizedError } from '../lib/errors.js';
import type { Principal } from '../lib/principal.js';
import { cookieName } from './security.js';

/** What this plugin needs from the accounts module (app.ts passes accounts.service). */
export interface AuthAccounts {
  principalFromSession(db: Db, sessionId: string): Promise<Principal | null>;
  principalFromToken(db: Db, token: string): Promise<Principal | null>;
  startSession(
    db: Db,
    account: { userId: string; tenantId: string | null },
    meta: { ip: string; userAgent: string | null; ttlHours: number },
  ): Promise<{ sessionId: string }>;
  purgeDeadCredentials(db: Db, options: { graceHours: number }): Promise<unknown>;
}

declare module '@fastify/jwt' {
  // request.user is declared (and decorated with null) by @fastify/jwt; we fill it with our principal.
  interface FastifyJWT {
    payload: { sid: string };
    user: Principal | null;
  }
}

declare module 'fastify' {
  interface FastifyReply {
    signIn(account: { userId: string; tenantId: string | null }): Promise<string>;
    clearSessionCookie(): void;
  }
  interface FastifyInstance {
    requireUser: preHandlerAsyncHookHandler;
    requireRole(...roles: UserRole[]): preHandlerAsyncHookHandler;
    /** Looks the caller up (and fills request.user) for a skipAuth route that wants to know, when it wants to. */
    identify(request: FastifyRequest, reply: FastifyReply): Promise<Principal | null>;
  }
  interface FastifyContextConfig {
    /** true: do not look up the caller before the route (health checks call app.identify themselves). */
    skipAuth?: boolean;
  }
}

export default fp<{ config: Config; accounts: AuthAccounts }>(
  async (app, { config, accounts }) => {
    const { principalFromSession, principalFromToken, startSession, purgeDeadCredentials } = accounts;
    await app.register(fastifyJwt, { secret: config.sessionSecret });
    const cookieOptions = { httpOnly: true, sameSite: 'lax' as const, secure: config.cookieSecure, path: '/' };
    // `sun_session`, or `__Host-sun_session` over https (no other origin, not even a sub-domain, can set it).
    const SESSION_COOKIE = cookieName(config, 'sun_session');

    async function identify(request: FastifyRequest, reply: FastifyReply): Promise<Principal | null> {
      const authorization = request.headers.authorization;
      if (authorization) {
        const bearer = /^Bearer\s+(\S+)$/i.exec(authorization);
        if (bearer) request.user = await principalFromToken(app.db, bearer[1]!);
        return request.user ?? null;
      }
      const cookie = request.cookies[SESSION_COOKIE];
      if (!cookie) return null;
      let sessionId: string | undefined;
      try {
        sessionId = app.jwt.verify<{ sid: string }>(cookie).sid;
      } catch {
        // Forged, expired or signed with an old secret: the same as no cookie.
      }
      request.user = sessionId ? await principalFromSession(app.db, sessionId) : null;
      if (!request.user) reply.clearCookie(SESSION_COOKIE, cookieOptions);
      return request.user;
    }
    app.decorate('identify', identify);

    app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.routeOptions.config?.skipAuth || request.url.startsWith('/static/')) return;
      await identify(request, reply);
    });

    app.decorateReply('signIn', async function (this: FastifyReply, account: { userId: string; tenantId: string | null }) {
      const { sessionId } = await startSession(app.db, account, {
        ip: this.request.ip,
        userAgent: this.request.headers['user-agent'] ?? null,
        ttlHours: config.sessionTtlHours,
      });
      const token = app.jwt.sign({ sid: sessionId }, { expiresIn: `${config.sessionTtlHours}h` });
      this.setCookie(SESSION_COOKIE, token, { ...cookieOptions, maxAge: config.sessionTtlHours * 3600 });
      return sessionId;
    });

    app.decorateReply('clearSessionCookie', function (this: FastifyReply) {
      this.clearCookie(SESSION_COOKIE, cookieOptions);
    });

    // Dead sessions and tokens are useless rows in the table every request reads: purge them hourly (harmless
    // if several processes do it).
    const purge = () =>
      purgeDeadCredentials(app.db, { graceHours: 24 }).catch((err) => app.log.error({ err }, 'could not purge dead sessions'));
    let purgeTimer: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      purgeTimer = setInterval(purge, 3600_000).unref();
    });
    app.addHook('onClose', async () => clearInterval(purgeTimer));

    const requireUser: preHandlerAsyncHookHandler = async (request) => {
      if (!request.user) throw new UnauthorizedError();
    };
    app.decorate('requireUser', requireUser);
    app.decorate('requireRole', (...roles: UserRole[]): preHandlerAsyncHookHandler => async (request) => {
      if (!request.user) throw new UnauthorizedError();
      if (!roles.includes(request.user.role)) throw new ForbiddenError();
    });
  },
  { name: 'auth', dependencies: ['db', 'security'] },
);
