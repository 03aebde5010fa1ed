// The JSON API documents itself: every /api route declares its parameters, query, body and answers with TypeBox,
// /api/docs/json is an OpenAPI document listing them all, and input the schema refuses gets the usual envelope.
import t from 'tap';
import { apiToken, bearer, buildTestApp, createTenant } from '../helpers/build-app.js';
import { routesOf } from '../helpers/routes.js';

const ctx = await buildTestApp();
t.teardown(() => ctx.close());
const { app } = ctx;

interface Operation {
  parameters?: { in: string; name: string; required?: boolean; schema?: unknown }[];
  requestBody?: { content: Record<string, { schema?: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> }>;
  security?: unknown[];
}
type Document = { openapi: string; info: { title: string; version: string }; paths: Record<string, Record<string, Operation>> };

const docs = await app.inject({ url: '/api/docs/json' });
const document = docs.json() as Document;
const apiRoutes = routesOf(app).filter((r) => r.path.startsWith('/api/') && !r.path.startsWith('/api/docs'));
const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

t.test('/api/docs/json is an OpenAPI 3 document', async (t) => {
  t.equal(docs.statusCode, 200);
  t.match(docs.headers['content-type'], /application\/json/);
  t.match(document.openapi, /^3\.\d+\.\d+$/, 'an OpenAPI 3 version');
  t.match(document.info, { title: 'Sun-SCORM API', version: /^\d+\.\d+\.\d+/ });
  const problems: string[] = [];
  for (const [path, operations] of Object.entries(document.paths)) {
    if (!path.startsWith('/api/')) problems.push(`${path} is not part of the JSON API`);
    for (const [method, operation] of Object.entries(operations)) {
      const where = `${method.toUpperCase()} ${path}`;
      if (!['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(method)) problems.push(`${where}: not an HTTP method`);
      const statuses = Object.keys(operation.responses ?? {});
      if (statuses.length === 0) problems.push(`${where}: no responses`);
      for (const status of statuses) if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(status)) problems.push(`${where}: response key ${status}`);
      for (const status of statuses) if (typeof operation.responses[status]!.description !== 'string') problems.push(`${where}: ${status} has no description`);
      // OpenAPI: every {name} in the path template is a required path parameter.
      for (const [, name] of path.matchAll(/\{(\w+)\}/g)) {
        const parameter = operation.parameters?.find((p) => p.in === 'path' && p.name === name);
        if (!parameter?.required) problems.push(`${where}: path parameter ${name} is not declared as required`);
      }
    }
  }
  t.same(problems, [], 'structurally valid');
  t.notOk(Object.keys(document.paths).some((p) => p.startsWith('/xapi')), 'the LRS (specified by xAPI) is not in it');
});

t.test('every /api route declares its schema and is in the document', async (t) => {
  t.ok(apiRoutes.length >= 25, `${apiRoutes.length} API routes found`);
  const missing: string[] = [];
  for (const { method, path } of apiRoutes) {
    const where = `${method} ${path}`;
    const operation = document.paths[openApiPath(path)]?.[method.toLowerCase()];
    if (!operation) {
      missing.push(`${where}: not in /api/docs/json (no schema, or hidden)`);
      continue;
    }
    const handler = String(app.findRoute({ method: method as 'GET', url: path })?.handler ?? '');
    for (const [, name] of path.matchAll(/:(\w+)/g)) {
      if (!operation.parameters?.some((p) => p.in === 'path' && p.name === name && p.schema)) missing.push(`${where}: no params schema for :${name}`);
    }
    // A handler that reads the query string declares it.
    if (/\.query\b/.test(handler) && !operation.parameters?.some((p) => p.in === 'query')) missing.push(`${where}: reads the query but declares no querystring schema`);
    // One that reads a body (JSON, or a streamed upload) declares it.
    if (/\.body\b|\.file\(|importNow\(/.test(handler) && !operation.requestBody) missing.push(`${where}: reads a body but declares no body schema`);
    const success = Object.entries(operation.responses).filter(([status]) => /^2\d\d$/.test(status));
    if (success.length === 0) missing.push(`${where}: no success response schema`);
    for (const [status, response] of success) {
      if (status !== '204' && !response.content?.['application/json']?.schema?.properties?.data) missing.push(`${where}: ${status} is not the { success, data } envelope`);
    }
    if (!operation.responses['4XX']?.content?.['application/json']?.schema?.properties?.error) missing.push(`${where}: no error envelope for 4xx`);
  }
  t.same(missing, [], 'no route is missing a schema');
});

t.test('input the schema refuses gets the { success: false, error } envelope with what is wrong', async (t) => {
  const tenant = await createTenant(app);
  const owner = bearer(await apiToken(app, tenant.owner.email));
  const badRole = await app.inject({ method: 'POST', url: '/api/users', headers: owner, payload: { email: `x@${tenant.slug}.test`, displayName: 'X', role: 'wizard', password: 'long-enough-password' } });
  t.equal(badRole.statusCode, 400);
  t.match(badRole.json(), { success: false, error: { code: 'VALIDATION_FAILED', message: /not valid/, details: [{ path: '/role' }] } });
  const badQuery = await app.inject({ url: '/api/audit-events?limit=0', headers: owner });
  t.equal(badQuery.statusCode, 400);
  t.match(badQuery.json(), { success: false, error: { code: 'VALIDATION_FAILED', message: /limit/ } });
  const badAu = await app.inject({ method: 'POST', url: `/api/registrations/${'x'.repeat(65)}/cmi5/launch`, headers: owner, payload: { au: 0 } });
  t.equal(badAu.statusCode, 400);
  t.match(badAu.json(), { success: false, error: { code: 'VALIDATION_FAILED' } });
});

t.test('answers keep the fields the schema does not name', async (t) => {
  const tenant = await createTenant(app);
  const owner = bearer(await apiToken(app, tenant.owner.email));
  const me = await app.inject({ url: '/api/me', headers: owner });
  t.match(me.json(), { success: true, data: { id: tenant.owner.id, email: tenant.owner.email, tenant: { id: tenant.id, slug: tenant.slug } } });
  const users = await app.inject({ url: '/api/users', headers: owner });
  const listed = users.json().data.items.find((u: { id: string }) => u.id === tenant.owner.id);
  t.match(listed, { tenantId: tenant.id, createdAt: /^\d{4}-\d\d-\d\dT/, lastLoginAt: /^\d{4}-/ }, 'described and undescribed fields alike');
  const audit = await app.inject({ url: '/api/audit-events', headers: owner });
  t.match(audit.json().data.items[0], { actorEmail: tenant.owner.email, metadata: {} }, 'an audit event keeps its actor and metadata');
});
