import { sql } from 'drizzle-orm';
import t from 'tap';
import { auditEvents } from '../../src/db/schema/index.js';
import { listAuditEvents } from '../../src/modules/audit/audit.queries.js';
import { apiToken, bearer, browser, buildTestApp, createOperator, createTenant, PASSWORD, unique } from '../helpers/build-app.js';

const ctx = await buildTestApp({}, {
  extend(app) {
    app.get('/api/test-audit-breaks', { preHandler: app.requireUser }, async (request) => {
      // BigInt cannot be stored as JSON: the audit write fails, the action must not.
      request.audit('test.unserialisable', { type: 'test' }, { big: 10n as unknown as number });
      return { success: true, data: 'done' };
    });
  },
});
t.teardown(() => ctx.close());
const { app } = ctx;

const events = (tenantId: string) => listAuditEvents(app.db, { tenantId, limit: 100 });

t.test('sign-in, sign-in failures and sign-out are audited with actor, IP and user agent', async (t) => {
  const tenant = await createTenant(app);
  const b = await browser(app, { email: tenant.learner.email });
  await (await browser(app)).post('/login', { email: tenant.learner.email, password: 'wrong-password!' });
  const home = await b.get('/');
  await b.post('/logout', {}, { csrf: /name="_csrf" value="([^"]+)"/.exec(home.body)![1]! });

  const rows = await events(tenant.id);
  const login = rows.find((e) => e.action === 'auth.login');
  t.ok(login, 'auth.login recorded');
  t.equal(login!.actorId, tenant.learner.id);
  t.match(login!.ip, /^10\./);
  t.ok(rows.find((e) => e.action === 'auth.logout' && e.actorId === tenant.learner.id), 'auth.logout recorded');

  const failures = await app.db.select().from(auditEvents).where(sql`${auditEvents.action} = 'auth.login_failed' and ${auditEvents.metadata}->>'email' = ${tenant.learner.email}`);
  t.equal(failures.length, 1, 'the failed sign-in is recorded once');
  t.equal(failures[0]!.metadata.reason, 'INVALID_CREDENTIALS');
  t.notOk(JSON.stringify(failures[0]!.metadata).includes('wrong-password!'), 'the attempted password is never stored');
});

t.test('admin writes are audited: create, role change, deactivation, password change', async (t) => {
  const tenant = await createTenant(app);
  const token = await apiToken(app, tenant.owner.email);
  const created = await app.inject({ method: 'POST', url: '/api/users', headers: { ...bearer(token), 'user-agent': 'audit-test/1.0' }, payload: { email: `new@${tenant.slug}.test`, displayName: 'New', role: 'learner', password: PASSWORD } });
  const id = created.json().data.id;
  await app.inject({ method: 'PATCH', url: `/api/users/${id}`, headers: bearer(token), payload: { role: 'author' } });
  await app.inject({ method: 'PATCH', url: `/api/users/${id}`, headers: bearer(token), payload: { isActive: false } });
  const learner = await browser(app, { email: tenant.learner.email });
  await learner.post('/account/password', { currentPassword: PASSWORD, newPassword: 'a-brand-new-password', confirmPassword: 'a-brand-new-password' });

  const rows = await events(tenant.id);
  const create = rows.find((e) => e.action === 'user.created')!;
  t.match(create, { entityType: 'user', entityId: id, actorId: tenant.owner.id, metadata: { email: `new@${tenant.slug}.test`, role: 'learner' } });
  const createRow = await app.db.select().from(auditEvents).where(sql`${auditEvents.id} = ${create.id}`);
  t.equal(createRow[0]!.userAgent, 'audit-test/1.0');
  t.match(rows.find((e) => e.action === 'user.role_changed'), { entityId: id, metadata: { changes: { role: 'author' } } });
  t.match(rows.find((e) => e.action === 'user.deactivated'), { entityId: id, actorId: tenant.owner.id });
  t.match(rows.find((e) => e.action === 'user.password_changed'), { entityId: tenant.learner.id, actorId: tenant.learner.id });
});

t.test('a refused action leaves no audit row', async (t) => {
  const tenant = await createTenant(app);
  const token = await apiToken(app, tenant.admin.email);
  const r = await app.inject({ method: 'POST', url: '/api/users', headers: bearer(token), payload: { email: 'not-an-email', displayName: 'X', role: 'learner', password: PASSWORD } });
  t.equal(r.statusCode, 422);
  t.notOk((await events(tenant.id)).some((e) => e.action === 'user.created'));
});

t.test('the operator creating a tenant is audited in that tenant', async (t) => {
  const operator = await createOperator(app);
  const token = await apiToken(app, operator.email);
  const slug = unique('new');
  const r = await app.inject({ method: 'POST', url: '/api/tenants', headers: bearer(token), payload: { name: 'New Org', slug, ownerEmail: `boss@${slug}.test`, ownerName: 'Boss', ownerPassword: PASSWORD } });
  t.equal(r.statusCode, 201);
  const rows = await events(r.json().data.tenant.id);
  t.match(rows.find((e) => e.action === 'tenant.created'), { actorId: operator.id, metadata: { slug, ownerEmail: `boss@${slug}.test` } });
});

t.test('audit rows cannot be changed or deleted, even with raw SQL', async (t) => {
  const tenant = await createTenant(app);
  await browser(app, { email: tenant.admin.email });
  const [row] = await events(tenant.id);
  t.ok(row);
  // drizzle wraps the driver's error; the database's own message is its cause.
  const refusal = (query: Promise<unknown>) => query.then(() => 'accepted', (error) => String(error.cause?.message ?? error.message));
  t.match(await refusal(app.db.execute(sql`update audit_events set action = 'forged' where id = ${row!.id}`)), /append-only \(UPDATE refused\)/);
  t.match(await refusal(app.db.execute(sql`delete from audit_events where id = ${row!.id}`)), /append-only \(DELETE refused\)/);
  t.equal((await events(tenant.id))[0]!.action, row!.action);
});

t.test('a failing audit write never breaks the user’s action', async (t) => {
  const tenant = await createTenant(app);
  const token = await apiToken(app, tenant.admin.email);
  const r = await app.inject({ method: 'GET', url: '/api/test-audit-breaks', headers: bearer(token) });
  t.equal(r.statusCode, 200);
  t.same(r.json(), { success: true, data: 'done' });
});

t.test('admins read the audit log as a page and through the API, newest first, paged', async (t) => {
  const tenant = await createTenant(app);
  const token = await apiToken(app, tenant.admin.email);
  for (let i = 0; i < 3; i++) await apiToken(app, tenant.admin.email);
  const first = await app.inject({ method: 'GET', url: '/api/audit-events?limit=2', headers: bearer(token) });
  const body = first.json().data;
  t.equal(body.items.length, 2);
  t.ok(body.items[0].id > body.items[1].id, 'newest first');
  const next = await app.inject({ method: 'GET', url: `/api/audit-events?limit=2&before=${body.next}`, headers: bearer(token) });
  t.ok(next.json().data.items.every((e: { id: number }) => e.id < body.next));
  const admin = await browser(app, { email: tenant.admin.email });
  const page = await admin.get('/admin/audit');
  t.equal(page.statusCode, 200);
  t.match(page.body, 'auth.token_issued');
});
