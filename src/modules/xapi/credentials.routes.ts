// The LRS page for owners and admins (the endpoint, its keys, create and revoke) and the matching JSON API.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../../config.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { IdParams, Nullable, Open, responses, Timestamp } from '../../lib/api-schema.js';
import { ok } from '../../lib/http.js';
import { isUuid } from '../../lib/ids.js';
import * as q from './credentials.queries.js';
import { createCredential, LRS_SCOPES, LRS_VERSIONS } from './credentials.service.js';
import { scormToXapiEnabled, setScormToXapi } from './scorm-recording.service.js';

export default async function lrsCredentialsRoutes(app: FastifyInstance, { config }: { config: Config }) {
  const adminOnly = { preHandler: app.requireRole('owner', 'admin') };
  const endpoint = `${config.appOrigin}/xapi`;

  const renderPage = async (tenantId: string, extra: Record<string, unknown> = {}) => ({
    title: 'Learning Record Store',
    endpoint,
    scormToXapi: await scormToXapiEnabled(app.db, tenantId),
    credentials: await q.listCredentials(app.db, { tenantId }),
    scopes: LRS_SCOPES,
    versions: LRS_VERSIONS,
    form: { scope: 'all', xapiVersion: '2.0.0' },
    fields: {},
    ...extra,
  });

  app.get('/admin/lrs', adminOnly, async (request, reply) => reply.page('lrs/credentials', await renderPage(request.tenantId())));

  app.post<{ Body: { name?: string; scope?: string; xapiVersion?: string } }>('/admin/lrs/credentials', adminOnly, async (request, reply) => {
    try {
      const created = await createCredential(app.db, request.user!, request.body ?? {});
      request.audit('lrs.credential.created', { type: 'lrs_credential', id: created.id }, { name: created.name, scope: created.scope });
      return reply.page('lrs/credentials', await renderPage(request.tenantId(), { created }));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      reply.code(422);
      return reply.page('lrs/credentials', await renderPage(request.tenantId(), { form: request.body ?? {}, fields: error.fields }));
    }
  });

  app.post<{ Params: { id: string } }>('/admin/lrs/credentials/:id/revoke', adminOnly, async (request, reply) => {
    await revoke(request.tenantId(), request.params.id);
    request.audit('lrs.credential.revoked', { type: 'lrs_credential', id: request.params.id });
    return reply.page('lrs/credentials', await renderPage(request.tenantId(), { notice: 'The key was revoked: it no longer opens the LRS.' }));
  });

  app.post<{ Body: { scormToXapi?: string } }>('/admin/lrs/settings', adminOnly, async (request, reply) => {
    const enabled = request.body?.scormToXapi === 'on';
    await setScormToXapi(app.db, request.tenantId(), enabled);
    request.audit('lrs.settings.updated', { type: 'tenant', id: request.tenantId() }, { scormToXapi: enabled });
    return reply.page('lrs/credentials', await renderPage(request.tenantId(), {
      notice: enabled ? 'SCORM activity is now also recorded as xAPI statements.' : 'SCORM activity is no longer recorded as xAPI statements.',
    }));
  });

  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const Credential = Open({ id: Type.String(), name: Type.String(), key: Type.String(), scope: Type.String(), xapiVersion: Type.Optional(Type.String()), createdAt: Type.Optional(Timestamp), lastUsedAt: Type.Optional(Nullable(Timestamp)) });
  api.get('/api/lrs/credentials', {
    ...adminOnly,
    schema: { summary: 'The LRS endpoint and its active keys', response: responses({ 200: Open({ endpoint: Type.String(), items: Type.Array(Credential) }) }) },
  }, async (request, reply) => ok(reply, { endpoint, items: await q.listCredentials(app.db, { tenantId: request.tenantId() }) }));

  api.post('/api/lrs/credentials', {
    ...adminOnly,
    schema: {
      summary: 'Create an LRS key; its secret is shown in this answer only',
      body: Type.Object({ name: Type.Optional(Type.String({ maxLength: 200 })), scope: Type.Optional(Type.String({ maxLength: 40 })), xapiVersion: Type.Optional(Type.String({ maxLength: 10 })) }),
      response: responses({ 201: Open({ id: Type.String(), name: Type.String(), secret: Type.String(), endpoint: Type.String() }) }),
    },
  }, async (request, reply) => {
    const body = request.body ?? {};
    const created = await createCredential(app.db, request.user!, { name: body.name ?? 'API client', scope: body.scope ?? 'all', xapiVersion: body.xapiVersion });
    request.audit('lrs.credential.created', { type: 'lrs_credential', id: created.id }, { name: created.name, scope: created.scope });
    return ok(reply, { ...created, endpoint }, 201);
  });

  api.delete('/api/lrs/credentials/:id', {
    ...adminOnly,
    schema: { summary: 'Revoke an LRS key', params: IdParams, response: responses({ 204: Type.Null() }) },
  }, async (request, reply) => {
    await revoke(request.tenantId(), request.params.id);
    request.audit('lrs.credential.revoked', { type: 'lrs_credential', id: request.params.id });
    return reply.code(204).send();
  });

  async function revoke(tenantId: string, id: string) {
    const revoked = isUuid(id) ? await q.revokeCredential(app.db, { tenantId, id }) : null;
    if (!revoked) throw new NotFoundError('No such active key.');
  }
}
