import t from 'tap';
import { apiToken, bearer, browser, buildTestApp, createTenant } from '../helpers/build-app.js';

const ctx = await buildTestApp();
t.teardown(() => ctx.close());
const { app } = ctx;

const a = await createTenant(app);
const b = await createTenant(app);
const tokenA = await apiToken(app, a.admin.email);

t.test("a user id from another tenant is a 404, not a leak", async (t) => {
  const api = await app.inject({ method: 'GET', url: `/api/users/${b.learner.id}`, headers: bearer(tokenA) });
  t.equal(api.statusCode, 404);
  t.equal(api.json().error.code, 'NOT_FOUND');
  t.notMatch(api.body, b.learner.email);

  const own = await app.inject({ method: 'GET', url: `/api/users/${a.learner.id}`, headers: bearer(tokenA) });
  t.equal(own.statusCode, 200);
  t.equal(own.json().data.email, a.learner.email);
  t.notOk('passwordHash' in own.json().data, 'never returns the password hash');

  const admin = await browser(app, { email: a.admin.email });
  const page = await admin.get(`/admin/users/${b.learner.id}`);
  t.equal(page.statusCode, 404);
  t.notMatch(page.body, b.learner.email);
});

t.test("another tenant's user cannot be changed", async (t) => {
  const r = await app.inject({ method: 'PATCH', url: `/api/users/${b.learner.id}`, headers: bearer(tokenA), payload: { isActive: false } });
  t.equal(r.statusCode, 404);
  const tokenB = await apiToken(app, b.admin.email);
  const still = await app.inject({ method: 'GET', url: `/api/users/${b.learner.id}`, headers: bearer(tokenB) });
  t.equal(still.json().data.isActive, true, 'the user in tenant B is untouched');
  const admin = await browser(app, { email: a.admin.email });
  const form = await admin.post(`/admin/users/${b.learner.id}`, { isActive: 'false' });
  t.equal(form.statusCode, 404);
});

t.test('lists show only the caller’s tenant', async (t) => {
  const r = await app.inject({ method: 'GET', url: '/api/users', headers: bearer(tokenA) });
  const emails = r.json().data.items.map((u: { email: string }) => u.email);
  t.same(emails.sort(), [a.admin.email, a.author.email, a.learner.email, a.owner.email].sort());
  const audit = await app.inject({ method: 'GET', url: '/api/audit-events', headers: bearer(tokenA) });
  t.ok(audit.json().data.items.every((e: { actorEmail: string | null }) => e.actorEmail === null || e.actorEmail.endsWith(`@${a.slug}.test`)));
});

t.test('a malformed id is a 404 too', async (t) => {
  const r = await app.inject({ method: 'GET', url: '/api/users/not-a-uuid', headers: bearer(tokenA) });
  t.equal(r.statusCode, 404);
});

t.test('roles: learners and authors cannot reach the admin pages or API', async (t) => {
  for (const user of [a.learner, a.author]) {
    const token = await apiToken(app, user.email);
    const api = await app.inject({ method: 'GET', url: '/api/users', headers: bearer(token) });
    t.equal(api.statusCode, 403, `${user.role}: /api/users is 403`);
    t.equal(api.json().error.code, 'FORBIDDEN');
    const b = await browser(app, { email: user.email });
    const page = await b.get('/admin/users');
    t.equal(page.statusCode, 403, `${user.role}: /admin/users is 403`);
    t.match(page.body, 'permission');
  }
});

t.test('tenant users cannot reach the operator pages; operators have no tenant pages', async (t) => {
  const owner = await browser(app, { email: a.owner.email });
  t.equal((await owner.get('/operator')).statusCode, 403);
  const token = await apiToken(app, a.owner.email);
  const r = await app.inject({ method: 'POST', url: '/api/tenants', headers: bearer(token), payload: { name: 'X', ownerEmail: 'x@x.test', ownerName: 'X', ownerPassword: 'long-enough-pw' } });
  t.equal(r.statusCode, 403);
});
