// LRS keys: created and revoked by owners and admins (page and API), audited, shown once, scoped to their tenant.
import { and, eq } from 'drizzle-orm';
import t from 'tap';
import { auditEvents, lrsCredentials } from '../../../src/db/schema/index.js';
import { apiToken, bearer, browser, buildTestApp, createTenant } from '../../helpers/build-app.js';

const ctx = await buildTestApp();
t.teardown(() => ctx.close());
const { app } = ctx;

const basic = (key: string, secret: string) => `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;
const statements = (authorization: string) =>
  app.inject({ method: 'GET', url: '/xapi/statements', headers: { authorization, 'x-experience-api-version': '2.0.0' } });

t.test('the API creates a key (secret shown once, stored hashed), lists and revokes it; revocation is immediate', async (t) => {
  const tenant = await createTenant(app);
  const admin = await apiToken(app, tenant.admin.email);
  const created = await app.inject({ method: 'POST', url: '/api/lrs/credentials', headers: bearer(admin), payload: { name: 'Authoring tool', scope: 'statements/write' } });
  t.equal(created.statusCode, 201);
  const { id, key, secret, scope, endpoint } = created.json().data;
  t.equal(scope, 'statements/write');
  t.match(endpoint, /\/xapi$/);
  const [row] = await app.db.select().from(lrsCredentials).where(eq(lrsCredentials.id, id));
  t.not(row!.secretHash, secret, 'the secret itself is not stored');
  const list = (await app.inject({ method: 'GET', url: '/api/lrs/credentials', headers: bearer(admin) })).json().data.items;
  t.equal(list.length, 1);
  t.notOk('secret' in list[0] || 'secretHash' in list[0], 'the list never shows secrets');

  const writer = await app.inject({ method: 'POST', url: '/xapi/statements', headers: { authorization: basic(key, secret), 'x-experience-api-version': '2.0.0', 'content-type': 'application/json' }, payload: JSON.stringify({ actor: { mbox: 'mailto:a@example.com' }, verb: { id: 'http://example.com/v' }, object: { id: 'http://example.com/a' } }) });
  t.equal(writer.statusCode, 200, 'the key works');
  t.equal((await app.inject({ method: 'DELETE', url: `/api/lrs/credentials/${id}`, headers: bearer(admin) })).statusCode, 204);
  t.equal((await statements(basic(key, secret))).statusCode, 401, 'a revoked key stops at once');
  t.equal((await app.inject({ method: 'DELETE', url: `/api/lrs/credentials/${id}`, headers: bearer(admin) })).statusCode, 404, 'revoking twice: nothing left to revoke');
  const audited = await app.db.select({ action: auditEvents.action }).from(auditEvents).where(and(eq(auditEvents.tenantId, tenant.id), eq(auditEvents.entityId, id)));
  t.same(audited.map((a) => a.action).sort(), ['lrs.credential.created', 'lrs.credential.revoked']);
});

t.test('bad input, roles and tenants', async (t) => {
  const tenant = await createTenant(app);
  const admin = await apiToken(app, tenant.admin.email);
  const badScope = await app.inject({ method: 'POST', url: '/api/lrs/credentials', headers: bearer(admin), payload: { name: 'x', scope: 'everything' } });
  t.equal(badScope.statusCode, 422);
  t.match(badScope.json().error.details, { scope: /Choose a scope/ });
  t.equal((await app.inject({ method: 'POST', url: '/api/lrs/credentials', headers: bearer(admin), payload: { name: '', scope: 'all' } })).statusCode, 422, 'a name is needed');
  const learner = await apiToken(app, tenant.learner.email);
  t.equal((await app.inject({ method: 'POST', url: '/api/lrs/credentials', headers: bearer(learner), payload: { name: 'x', scope: 'all' } })).statusCode, 403, 'learners cannot make keys');
  t.equal((await app.inject({ method: 'POST', url: '/api/lrs/credentials', payload: { name: 'x', scope: 'all' } })).statusCode, 401);
  const { id } = (await app.inject({ method: 'POST', url: '/api/lrs/credentials', headers: bearer(admin), payload: { name: 'x', scope: 'all' } })).json().data;
  const other = await createTenant(app);
  const stranger = await apiToken(app, other.admin.email);
  t.equal((await app.inject({ method: 'DELETE', url: `/api/lrs/credentials/${id}`, headers: bearer(stranger) })).statusCode, 404, 'another tenant cannot revoke it');
  t.equal((await app.inject({ method: 'GET', url: '/api/lrs/credentials', headers: bearer(stranger) })).json().data.items.length, 0, 'nor see it');
  t.equal((await statements('Basic Og==')).statusCode, 401, 'a malformed Basic header');
  t.equal((await statements(basic('nobody', 'nothing'))).statusCode, 401, 'an unknown key');
});

t.test('the admin page creates a key, shows the secret once, and revokes it', async (t) => {
  const tenant = await createTenant(app);
  const admin = await browser(app, { email: tenant.admin.email });
  const page = await admin.get('/admin/lrs');
  t.equal(page.statusCode, 200);
  t.match(page.body, /\/xapi<\/code>/, 'the endpoint is shown');
  const created = await admin.post('/admin/lrs/credentials', { name: 'Analytics export', scope: 'all/read' });
  t.equal(created.statusCode, 200);
  t.match(created.body, /copy the secret now/);
  const secret = /<dt>Secret<\/dt><dd><code class="secret-value">([^<]+)<\/code>/.exec(created.body)![1]!;
  const key = /<dt>Key<\/dt><dd><code class="secret-value">([^<]+)<\/code>/.exec(created.body)![1]!;
  t.equal((await statements(basic(key, secret))).statusCode, 200, 'the key shown works');
  const again = await admin.get('/admin/lrs');
  t.notMatch(again.body, secret, 'the secret is never shown again');
  const invalid = await admin.post('/admin/lrs/credentials', { name: '', scope: 'all' });
  t.equal(invalid.statusCode, 422);
  t.match(invalid.body, /Give the key a name/);
  const id = /action="\/admin\/lrs\/credentials\/([0-9a-f-]+)\/revoke"/.exec(again.body)![1]!;
  const revoked = await admin.post(`/admin/lrs/credentials/${id}/revoke`, {});
  t.match(revoked.body, /revoked/);
  t.equal((await statements(basic(key, secret))).statusCode, 401);
  const learner = await browser(app, { email: tenant.learner.email });
  t.equal((await learner.get('/admin/lrs')).statusCode, 403, 'learners do not see the page');
});

t.test('a key says which xAPI version its client speaks: the answer to a request that names none carries it', async (t) => {
  const tenant = await createTenant(app);
  const admin = await apiToken(app, tenant.admin.email);
  const make = async (xapiVersion?: string) => app.inject({ method: 'POST', url: '/api/lrs/credentials', headers: bearer(admin), payload: { name: 'client', scope: 'all', ...(xapiVersion ? { xapiVersion } : {}) } });
  const unversioned = (authorization: string) => app.inject({ method: 'GET', url: '/xapi/statements', headers: { authorization } });
  const legacy = (await make('1.0.3')).json().data;
  t.equal(legacy.xapiVersion, '1.0.3');
  const modern = (await make()).json().data;
  t.equal(modern.xapiVersion, '2.0.0', '2.0.0 unless asked');
  const fromLegacy = await unversioned(basic(legacy.key, legacy.secret));
  t.equal(fromLegacy.statusCode, 400, 'a request without the header is still refused');
  t.equal(fromLegacy.headers['x-experience-api-version'], '1.0.3');
  t.equal((await unversioned(basic(modern.key, modern.secret))).headers['x-experience-api-version'], '2.0.0');
  t.equal((await unversioned(basic(legacy.key, 'wrong'))).headers['x-experience-api-version'], '2.0.0', 'wrong credentials get the LRS\'s own version');
  const versioned = await app.inject({ method: 'GET', url: '/xapi/statements', headers: { authorization: basic(legacy.key, legacy.secret), 'x-experience-api-version': '2.0.0' } });
  t.equal(versioned.headers['x-experience-api-version'], '2.0.0', 'a request that names its version is answered in it, whatever the key');
  const bad = await make('0.95');
  t.equal(bad.statusCode, 422, 'only 2.0.0 or 1.0.3');
  t.match(bad.json().error.details, { xapiVersion: /2.0.0 or 1.0.3/ });
});
