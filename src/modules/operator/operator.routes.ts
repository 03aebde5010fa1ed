// The platform operator's pages and API: the tenant list and creating a tenant with its first owner.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ValidationError } from '../../lib/errors.js';
import { Open, Page, responses } from '../../lib/api-schema.js';
import { ok, pageNumber, redirectAfterPost } from '../../lib/http.js';
import { listTenants } from './operator.queries.js';
import { createTenant, type NewTenantInput } from './operator.service.js';

const PAGE_SIZE = 25;

const NewTenantBody = Type.Object({
  name: Type.String({ maxLength: 200 }),
  slug: Type.Optional(Type.String({ maxLength: 50 })),
  domain: Type.Optional(Type.String({ maxLength: 253 })),
  ownerEmail: Type.String({ maxLength: 254 }),
  ownerName: Type.String({ maxLength: 200 }),
  ownerPassword: Type.String({ maxLength: 1000 }),
});

export default async function operatorRoutes(app: FastifyInstance) {
  const operatorOnly = { preHandler: app.requireRole('operator') };

  app.get<{ Querystring: { q?: string; page?: string; created?: string } }>('/operator', operatorOnly, async (request, reply) => {
    const page = pageNumber(request.query.page);
    const search = request.query.q?.trim() || undefined;
    const { rows, total } = await listTenants(app.db, { search, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
    const template = request.headers['hx-target'] === 'tenant-table' ? 'operator/_tenant-table' : 'operator/tenants';
    const created = request.query.created ? rows.find((t) => t.slug === request.query.created) ?? null : null;
    return reply.page(template, { title: 'Organisations', tenants: rows, total, page, pageSize: PAGE_SIZE, search: search ?? '', created });
  });

  app.get('/operator/tenants/new', operatorOnly, async (_request, reply) =>
    reply.page('operator/new-tenant', { title: 'New organisation', form: {}, fields: {} }),
  );

  app.post<{ Body: Partial<NewTenantInput> }>('/operator/tenants', operatorOnly, async (request, reply) => {
    const form = request.body ?? {};
    try {
      const { tenant, owner } = await createTenant(app.db, form as NewTenantInput);
      request.audit('tenant.created', { type: 'tenant', id: tenant.id }, { name: tenant.name, slug: tenant.slug, ownerEmail: owner.email }, { tenantId: tenant.id });
      return redirectAfterPost(request, reply, `/operator?created=${encodeURIComponent(tenant.slug)}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      reply.code(422);
      const { ownerPassword: _omit, ...safeForm } = form;
      return reply.page('operator/new-tenant', { title: 'New organisation', form: safeForm, fields: error.fields, error: error.message });
    }
  });

  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const Tenant = Open({ id: Type.String(), name: Type.String(), slug: Type.String() });

  api.get('/api/tenants', {
    ...operatorOnly,
    schema: {
      summary: 'List organisations (platform operator only)',
      querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: 200 })), page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })) }),
      response: responses({ 200: Page(Tenant) }),
    },
  }, async (request, reply) => {
    const page = request.query.page ?? 1;
    const { rows, total } = await listTenants(app.db, { search: request.query.q, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
    return ok(reply, { items: rows, total, page, pageSize: PAGE_SIZE });
  });

  api.post('/api/tenants', {
    ...operatorOnly,
    schema: {
      summary: 'Create an organisation and its first owner (platform operator only)',
      body: NewTenantBody,
      response: responses({ 201: Open({ tenant: Tenant, owner: Open({ id: Type.String(), email: Type.String() }) }) }),
    },
  }, async (request, reply) => {
    const { tenant, owner } = await createTenant(app.db, request.body);
    request.audit('tenant.created', { type: 'tenant', id: tenant.id }, { name: tenant.name, slug: tenant.slug, ownerEmail: owner.email }, { tenantId: tenant.id });
    return ok(reply, { tenant, owner }, 201);
  });
}
