// The organisation dashboard for owners and admins: overview, users and the audit log (pages), and the matching
// JSON API under /api. Every lookup goes through the caller's tenant id.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { TENANT_ROLES } from '../../db/schema/index.js';
import { ValidationError } from '../../lib/errors.js';
import { IdParams, Nullable, Open, Page, responses, Timestamp } from '../../lib/api-schema.js';
import { ok, pageNumber, redirectAfterPost } from '../../lib/http.js';
import { listUsers } from '../accounts/accounts.queries.js';
import { isTenantRole } from '../accounts/accounts.rules.js';
import * as accounts from '../accounts/accounts.service.js';
import { listAuditEvents } from '../audit/audit.queries.js';
import { organisationOverview } from './admin.service.js';

const PAGE_SIZE = 25;
const AUDIT_PAGE_SIZE = 50;

interface UserForm {
  email?: string;
  displayName?: string;
  role?: string;
  password?: string;
  isActive?: string;
}

const RoleSchema = Type.Union(TENANT_ROLES.map((role) => Type.Literal(role)));
const User = Open({
  id: Type.String(),
  email: Type.String(),
  displayName: Type.String(),
  role: Type.String(),
  isActive: Type.Boolean(),
  lastLoginAt: Type.Optional(Nullable(Timestamp)),
  createdAt: Type.Optional(Timestamp),
});
const AuditEvent = Open({
  id: Type.Integer(),
  actorId: Nullable(Type.String()),
  action: Type.String(),
  entityType: Type.String(),
  entityId: Nullable(Type.String()),
  metadata: Open({}),
  createdAt: Timestamp,
});

export default async function adminRoutes(app: FastifyInstance) {
  const adminOnly = { preHandler: app.requireRole('owner', 'admin') };

  app.get('/admin', adminOnly, async (request, reply) => {
    const overview = await organisationOverview(app.db, { tenantId: request.tenantId() });
    return reply.page('admin/overview', { title: 'Organisation overview', ...overview });
  });

  app.get<{ Querystring: { q?: string; role?: string; page?: string } }>('/admin/users', adminOnly, async (request, reply) => {
    const page = pageNumber(request.query.page);
    const search = request.query.q?.trim() || undefined;
    const role = isTenantRole(request.query.role) ? request.query.role : undefined;
    const { rows, total } = await listUsers(app.db, { tenantId: request.tenantId(), search, role, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
    const template = request.headers['hx-target'] === 'user-table' ? 'admin/_user-table' : 'admin/users';
    return reply.page(template, { title: 'Users', users: rows, total, page, pageSize: PAGE_SIZE, search: search ?? '', role: role ?? '', roles: TENANT_ROLES });
  });

  app.get('/admin/users/new', adminOnly, async (_request, reply) =>
    reply.page('admin/new-user', { title: 'Add a user', form: { role: 'learner' }, fields: {}, roles: TENANT_ROLES }),
  );

  app.post<{ Body: UserForm }>('/admin/users', adminOnly, async (request, reply) => {
    const form = request.body ?? {};
    try {
      const user = await accounts.createUser(app.db, request.user!, {
        email: form.email ?? '', displayName: form.displayName ?? '', role: form.role ?? '', password: form.password ?? '',
      });
      request.audit('user.created', { type: 'user', id: user.id }, { email: user.email, role: user.role });
      return redirectAfterPost(request, reply, `/admin/users/${user.id}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      reply.code(422);
      const { password: _omit, ...safeForm } = form;
      return reply.page('admin/new-user', { title: 'Add a user', form: safeForm, fields: error.fields, error: error.message, roles: TENANT_ROLES });
    }
  });

  app.get<{ Params: { id: string } }>('/admin/users/:id', adminOnly, async (request, reply) => {
    const user = await accounts.getUser(app.db, request.user!, request.params.id);
    const history = await listAuditEvents(app.db, { tenantId: request.tenantId(), entityType: 'user', entityId: user.id, limit: 20 });
    return reply.page('admin/user', { title: user.displayName, subject: user, history, fields: {}, roles: TENANT_ROLES });
  });

  app.post<{ Params: { id: string }; Body: UserForm }>('/admin/users/:id', adminOnly, async (request, reply) => {
    const form = request.body ?? {};
    try {
      const { user, changed } = await accounts.changeUser(app.db, request.user!, request.params.id, {
        displayName: form.displayName,
        role: form.role,
        isActive: form.isActive === undefined ? undefined : form.isActive === 'true',
      });
      if (Object.keys(changed).length > 0) request.audit(auditActionFor(changed), { type: 'user', id: user.id }, { changes: changed });
      return redirectAfterPost(request, reply, `/admin/users/${user.id}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const subject = await accounts.getUser(app.db, request.user!, request.params.id);
      const history = await listAuditEvents(app.db, { tenantId: request.tenantId(), entityType: 'user', entityId: subject.id, limit: 20 });
      reply.code(422);
      return reply.page('admin/user', { title: subject.displayName, subject, history, fields: error.fields, error: error.message, roles: TENANT_ROLES });
    }
  });

  app.get<{ Querystring: { before?: string } }>('/admin/audit', adminOnly, async (request, reply) => {
    const beforeId = pageNumber(request.query.before) > 1 ? Number(request.query.before) : undefined;
    const events = await listAuditEvents(app.db, { tenantId: request.tenantId(), beforeId, limit: AUDIT_PAGE_SIZE });
    const older = events.length === AUDIT_PAGE_SIZE ? events.at(-1)!.id : null;
    return reply.page('admin/audit', { title: 'Audit log', events, older });
  });

  // ---- JSON API ----
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get('/api/users', {
    ...adminOnly,
    schema: {
      summary: 'List the organisation\'s users',
      querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: 200 })), role: Type.Optional(RoleSchema), page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })) }),
      response: responses({ 200: Page(User) }),
    },
  }, async (request, reply) => {
    const page = request.query.page ?? 1;
    const { rows, total } = await listUsers(app.db, { tenantId: request.tenantId(), search: request.query.q, role: request.query.role, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
    return ok(reply, { items: rows, total, page, pageSize: PAGE_SIZE });
  });

  api.post('/api/users', {
    ...adminOnly,
    schema: {
      summary: 'Add a user',
      body: Type.Object({ email: Type.String({ maxLength: 254 }), displayName: Type.String({ maxLength: 200 }), role: RoleSchema, password: Type.String({ maxLength: 1000 }) }),
      response: responses({ 201: User }),
    },
  }, async (request, reply) => {
    const user = await accounts.createUser(app.db, request.user!, request.body);
    request.audit('user.created', { type: 'user', id: user.id }, { email: user.email, role: user.role });
    return ok(reply, user, 201);
  });

  api.get('/api/users/:id', { ...adminOnly, schema: { summary: 'One user', params: IdParams, response: responses({ 200: User }) } }, async (request, reply) =>
    ok(reply, await accounts.getUser(app.db, request.user!, request.params.id)),
  );

  api.patch('/api/users/:id', {
    ...adminOnly,
    schema: {
      summary: 'Rename, change the role of, deactivate or reactivate a user',
      params: IdParams,
      response: responses({ 200: User }),
      body: Type.Object({ displayName: Type.Optional(Type.String({ maxLength: 200 })), role: Type.Optional(RoleSchema), isActive: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
    },
  }, async (request, reply) => {
    const { user, changed } = await accounts.changeUser(app.db, request.user!, request.params.id, request.body);
    if (Object.keys(changed).length > 0) request.audit(auditActionFor(changed), { type: 'user', id: user.id }, { changes: changed });
    return ok(reply, user);
  });

  api.get('/api/audit-events', {
    ...adminOnly,
    schema: {
      summary: 'The audit log, newest first; pass `next` back as `before` for older events',
      querystring: Type.Object({ before: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })), action: Type.Optional(Type.String({ maxLength: 100 })) }),
      response: responses({ 200: Open({ items: Type.Array(AuditEvent), next: Nullable(Type.Integer()) }) }),
    },
  }, async (request, reply) => {
    const limit = request.query.limit ?? AUDIT_PAGE_SIZE;
    const events = await listAuditEvents(app.db, { tenantId: request.tenantId(), beforeId: request.query.before, action: request.query.action, limit });
    return ok(reply, { items: events, next: events.length === limit ? events.at(-1)!.id : null });
  });
}

/** Deactivation is the change people look for in an audit log, so it gets its own action name. */
function auditActionFor(changed: { isActive?: boolean; role?: string }): string {
  if (changed.isActive === false) return 'user.deactivated';
  if (changed.isActive === true) return 'user.reactivated';
  if (changed.role) return 'user.role_changed';
  return 'user.updated';
}
