// cmi5 test plumbing: the app on a real port (AU clients make real HTTP calls to the endpoint and fetch URL the
// launch gives them), a course imported from a CATAPULT fixture, learners who launch it, and an admin LRS key that
// reads what was recorded.
import type { FastifyInstance } from 'fastify';
import { apiToken, bearer, buildTestApp, createTenant, type TestTenant } from '../../helpers/build-app.js';
import { cmi5Fixture, multipartFile } from '../../helpers/fixtures.js';
import { freePort } from '../../helpers/ports.js';

export async function startCmi5App() {
  const port = await freePort();
  const appOrigin = `http://127.0.0.1:${port}`;
  const ctx = await buildTestApp({ appOrigin });
  await ctx.app.listen({ host: '127.0.0.1', port });
  return { ...ctx, appOrigin };
}

export async function importCmi5(app: FastifyInstance, tenant: TestTenant, fixture: string): Promise<string> {
  const body = multipartFile(cmi5Fixture(`catapult-lts/${fixture}`), fixture);
  const r = await app.inject({ method: 'POST', url: '/api/courses', headers: { ...bearer(await apiToken(app, tenant.author.email)), ...body.headers }, payload: body.payload });
  if (r.statusCode !== 201) throw new Error(`import of ${fixture} failed: ${r.statusCode} ${r.body}`);
  return r.json().data.course.id as string;
}

/** A tenant with an admin LRS key (to read what was recorded) and the admin's API token. */
export async function cmi5Tenant(app: FastifyInstance) {
  const tenant = await createTenant(app);
  const admin = await apiToken(app, tenant.admin.email);
  const created = await app.inject({ method: 'POST', url: '/api/lrs/credentials', headers: bearer(admin), payload: { name: 'reports', scope: 'all/read' } });
  const { key, secret } = created.json().data as { key: string; secret: string };
  const lrsAuth = `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;
  return {
    tenant,
    admin,
    lrsAuth,
    /** Every statement of a registration, oldest first, as an LMS report reads them. */
    async statements(registration: string): Promise<Statement[]> {
      const r = await app.inject({ method: 'GET', url: `/xapi/statements?registration=${registration}&ascending=true&limit=500`, headers: { authorization: lrsAuth, 'x-experience-api-version': '1.0.3' } });
      return r.json().statements;
    },
  };
}

export interface Statement {
  id: string;
  actor: Record<string, unknown>;
  verb: { id: string };
  object: { id: string; definition?: { type?: string } };
  result?: Record<string, unknown> & { extensions?: Record<string, unknown> };
  context: { registration: string; extensions: Record<string, unknown>; contextActivities: { category?: { id: string }[]; grouping?: { id: string }[] } };
}

export const verbsOf = (statements: Statement[]) => statements.map((s) => s.verb.id.split('/').pop());

/** The learner's registration for the course, then a launch of one AU through the API. */
export async function launch(app: FastifyInstance, learnerToken: string, courseId: string, { au = 0, launchMode }: { au?: number; launchMode?: string } = {}) {
  const reg = await app.inject({ method: 'POST', url: `/api/courses/${courseId}/registrations`, headers: bearer(learnerToken) });
  const registration = reg.json().data.id as string;
  const r = await app.inject({ method: 'POST', url: `/api/registrations/${registration}/cmi5/launch`, headers: bearer(learnerToken), payload: { au, ...(launchMode ? { launchMode } : {}) } });
  if (r.statusCode !== 201) throw new Error(`launch failed: ${r.statusCode} ${r.body}`);
  const data = r.json().data as { sessionId: string; launchUrl: string };
  const url = new URL(data.launchUrl);
  const param = (name: string) => url.searchParams.get(name)!;
  return {
    registration,
    sessionId: data.sessionId,
    launchUrl: data.launchUrl,
    url,
    params: { endpoint: param('endpoint'), fetch: param('fetch'), actor: JSON.parse(param('actor')), registration: param('registration'), activityId: param('activityId') },
  };
}
