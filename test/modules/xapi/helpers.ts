// An LRS client for tests: a tenant, a key with the asked scope, and inject helpers that send xAPI headers.
import type { FastifyInstance } from 'fastify';
import { apiToken, bearer, createTenant } from '../../helpers/build-app.js';

export async function lrsClient(app: FastifyInstance, { scope = 'all', version = '2.0.0' }: { scope?: string; version?: string } = {}) {
  const tenant = await createTenant(app);
  const admin = await apiToken(app, tenant.admin.email);
  const created = await app.inject({ method: 'POST', url: '/api/lrs/credentials', headers: bearer(admin), payload: { name: 'test client', scope } });
  if (created.statusCode !== 201) throw new Error(`credential: ${created.statusCode} ${created.body}`);
  const { key, secret } = created.json().data as { key: string; secret: string };
  const auth = `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;
  const headers = (extra: Record<string, string> = {}) => ({ authorization: auth, 'x-experience-api-version': version, ...extra });
  return {
    tenant,
    key,
    secret,
    headers,
    get: (url: string, extra: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers: headers(extra) }),
    post: (url: string, body: unknown, extra: Record<string, string> = {}) =>
      app.inject({ method: 'POST', url, headers: headers({ 'content-type': 'application/json', ...extra }), payload: JSON.stringify(body) }),
    put: (url: string, body: unknown, extra: Record<string, string> = {}) =>
      app.inject({ method: 'PUT', url, headers: headers({ 'content-type': 'application/json', ...extra }), payload: JSON.stringify(body) }),
  };
}

let n = 0;
/** A valid statement; each call a different actor unless one is given. */
export function statement(overrides: Record<string, unknown> = {}) {
  n++;
  return {
    actor: { mbox: `mailto:learner${n}@example.com`, name: `Learner ${n}` },
    verb: { id: 'http://adlnet.gov/expapi/verbs/completed', display: { 'en-US': 'completed', 'fr-FR': 'a terminé' } },
    object: { id: 'http://example.com/activities/golf', definition: { name: { 'en-US': 'Golf', 'fr-FR': 'Le golf' } } },
    ...overrides,
  };
}
