// Sign-in, sign-out, password change (pages) and the JSON API's token exchange. HTTP only: parsing, rendering and
// audit calls; the rules are in accounts.service.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../../config.js';
import { DomainError, RateLimitedError, ValidationError } from '../../lib/errors.js';
import { Nullable, Open, responses, Timestamp } from '../../lib/api-schema.js';
import { ok, safeNextPath } from '../../lib/http.js';
import type { Principal } from './accounts.queries.js';
import * as accounts from './accounts.service.js';

const TokenRequest = Type.Object({
  email: Type.String({ maxLength: 254 }),
  password: Type.String({ maxLength: 1000 }),
  organisation: Type.Optional(Type.String({ maxLength: 100 })),
});

/** Who the caller is: what `describe` returns. */
const Me = Open({
  id: Type.String(),
  email: Type.String(),
  displayName: Type.String(),
  role: Type.String({ description: 'owner, admin, author or learner; operator for the platform operator.' }),
  tenant: Nullable(Open({ id: Type.String(), name: Type.Optional(Nullable(Type.String())), slug: Type.Optional(Nullable(Type.String())) })),
});

interface LoginForm {
  email?: string;
  password?: string;
  organisation?: string;
  next?: string;
}

interface PasswordForm {
  currentPassword?: string;
  newPassword?: string;
  confirmPassword?: string;
}

export default async function accountsRoutes(app: FastifyInstance, { config }: { config: Config }) {
  const limits = () => ({ counter: app.attempts, maxFailuresPerMinute: config.loginMaxFailuresPerMinute });

  /** Sign-in with a failure recorded in the audit log (attempted email only, never the password). */
  async function authenticate(request: FastifyRequest, input: { email?: string; password?: string; organisation?: string }) {
    try {
      return await accounts.authenticate(app.db, limits(), {
        email: input.email ?? '',
        password: input.password ?? '',
        organisation: input.organisation,
        ip: request.ip,
      });
    } catch (error) {
      if (error instanceof DomainError && error.statusCode !== 422) {
        await request.auditNow('auth.login_failed', { type: 'user' }, { email: (input.email ?? '').slice(0, 254), reason: error.code }, { tenantId: null, actorId: null });
      }
      throw error;
    }
  }

  app.get<{ Querystring: { next?: string } }>('/login', async (request, reply) => {
    const next = safeNextPath(request.query.next, config.appOrigin);
    if (request.user) return reply.redirect(next, 303);
    // Only a path we would follow is carried through the form.
    return reply.page('accounts/login', { title: 'Sign in', form: { next: next === '/' ? '' : next } });
  });

  app.post<{ Body: LoginForm }>('/login', async (request, reply) => {
    const form = request.body ?? {};
    try {
      const account = await authenticate(request, form);
      await reply.signIn(account);
      request.audit('auth.login', { type: 'user', id: account.userId }, { method: 'password' }, { tenantId: account.tenantId, actorId: account.userId });
      return reply.redirect(safeNextPath(form.next, config.appOrigin), 303);
    } catch (error) {
      if (!(error instanceof DomainError) || error.statusCode >= 500) throw error;
      if (error instanceof RateLimitedError) reply.header('Retry-After', String(error.retryAfterSeconds));
      const fields = error instanceof ValidationError ? error.fields : {};
      reply.code(error.statusCode);
      return reply.page('accounts/login', {
        title: 'Sign in',
        error: error.message,
        fields,
        askOrganisation: Boolean(fields.organisation) || Boolean(form.organisation),
        form: { email: form.email ?? '', organisation: form.organisation ?? '', next: safeNextPath(form.next, config.appOrigin, '') },
      });
    }
  });

  app.post('/logout', async (request, reply) => {
    if (request.user) {
      await accounts.signOut(app.db, request.user);
      request.audit('auth.logout', { type: 'user', id: request.user.userId });
    }
    reply.clearSessionCookie();
    return reply.redirect('/login', 303);
  });

  app.get('/account/password', { preHandler: app.requireUser }, async (_request, reply) =>
    reply.page('accounts/password', { title: 'Change password', fields: {} }),
  );

  app.post<{ Body: PasswordForm }>('/account/password', { preHandler: app.requireUser }, async (request, reply) => {
    const form = request.body ?? {};
    try {
      await accounts.changePassword(app.db, request.user!, {
        currentPassword: form.currentPassword ?? '',
        newPassword: form.newPassword ?? '',
        confirmPassword: form.confirmPassword ?? '',
      });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      reply.code(422);
      return reply.page('accounts/password', { title: 'Change password', fields: error.fields, error: error.message });
    }
    request.audit('user.password_changed', { type: 'user', id: request.user!.userId });
    return reply.page('accounts/password', { title: 'Change password', fields: {}, saved: true });
  });

  // ---- JSON API ----

  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.post('/api/auth/token', {
    schema: {
      summary: 'Exchange an email and password for a Bearer token',
      security: [],
      body: TokenRequest,
      response: responses({ 200: Open({ token: Type.String(), tokenType: Type.Literal('Bearer'), expiresAt: Timestamp, user: Me }) }),
    },
    config: { csrf: false },
  }, async (request, reply) => {
    const account = await authenticate(request, request.body);
    const issued = await accounts.issueApiToken(app.db, account, { ttlHours: config.apiTokenTtlHours });
    request.audit('auth.token_issued', { type: 'api_token', id: issued.tokenId }, {}, { tenantId: account.tenantId, actorId: account.userId });
    const principal = await accounts.principalFromToken(app.db, issued.token);
    return ok(reply, { token: issued.token, tokenType: 'Bearer', expiresAt: issued.expiresAt.toISOString(), user: describe(principal!) });
  });

  api.get('/api/me', { preHandler: app.requireUser, schema: { summary: 'The signed-in caller', response: responses({ 200: Me }) } }, async (request, reply: FastifyReply) => ok(reply, describe(request.user!)));
}

export function describe(principal: Principal) {
  return {
    id: principal.userId,
    email: principal.email,
    displayName: principal.displayName,
    role: principal.role,
    tenant: principal.tenantId ? { id: principal.tenantId, name: principal.tenantName, slug: principal.tenantSlug } : null,
  };
}
