import { and, eq, isNotNull, sql } from 'drizzle-orm';
import t from 'tap';
import { sessions } from '../../../src/db/schema/index.js';
import { purgeDeadCredentials } from '../../../src/modules/accounts/accounts.queries.js';
import { apiToken, bearer, browser, buildTestApp, createTenant, PASSWORD, randomIp } from '../../helpers/build-app.js';

const ctx = await buildTestApp();
t.teardown(() => ctx.close());
const { app } = ctx;

t.test('each role signs in through the form and lands on its home page', async (t) => {
  const tenant = await createTenant(app);
  for (const [user, heading] of [
    [tenant.owner, 'Organisation overview'],
    [tenant.admin, 'Organisation overview'],
    [tenant.author, 'My learning'],
    [tenant.learner, 'My learning'],
  ] as const) {
    const b = await browser(app, { email: user.email });
    t.equal(b.loginResponse!.statusCode, 303, `${user.role} is redirected after sign-in`);
    t.equal(b.loginResponse!.headers.location, '/');
    const cookie = b.loginResponse!.cookies.find((c) => c.name === 'sun_session') as { httpOnly?: boolean; sameSite?: string } | undefined;
    t.ok(cookie?.httpOnly, 'session cookie is HttpOnly');
    t.equal(cookie?.sameSite, 'Lax', 'session cookie is SameSite=Lax');
    const home = await b.get('/');
    t.equal(home.statusCode, 200);
    t.match(home.body, heading, `${user.role} sees "${heading}"`);
  }
});

t.test('a wrong password gets the same answer whether or not the email exists', async (t) => {
  const tenant = await createTenant(app);
  const attempt = (email: string) =>
    app.inject({ method: 'POST', url: '/api/auth/token', payload: { email, password: 'not-the-password' }, remoteAddress: randomIp() });
  const known = await attempt(tenant.learner.email);
  const unknown = await attempt(`nobody-${tenant.slug}@example.test`);
  t.equal(known.statusCode, 401);
  t.equal(unknown.statusCode, known.statusCode);
  t.same(unknown.json(), known.json(), 'identical JSON bodies');
  t.same(known.json().error, { code: 'INVALID_CREDENTIALS', message: 'Email or password is incorrect.' });

  const formKnown = await (await browser(app)).post('/login', { email: tenant.learner.email, password: 'nope-nope-nope' });
  const formUnknown = await (await browser(app)).post('/login', { email: `ghost-${tenant.slug}@example.test`, password: 'nope-nope-nope' });
  t.equal(formKnown.statusCode, 401);
  t.equal(formUnknown.statusCode, 401);
  t.match(formKnown.body, 'Email or password is incorrect.');
  t.match(formUnknown.body, 'Email or password is incorrect.');
  t.notOk(formKnown.cookies.some((c) => c.name === 'sun_session'), 'no session cookie on failure');
});

t.test('10 failures a minute for one email lock it with 429 and Retry-After, from any IP', async (t) => {
  const tenant = await createTenant(app);
  const fail = (i: number) =>
    app.inject({ method: 'POST', url: '/api/auth/token', payload: { email: tenant.admin.email, password: `wrong-${i}` }, remoteAddress: randomIp() });
  for (let i = 0; i < 10; i++) t.equal((await fail(i)).statusCode, 401, `failure ${i + 1} is a 401`);
  const locked = await fail(11);
  t.equal(locked.statusCode, 429);
  t.equal(locked.json().error.code, 'RATE_LIMITED');
  const retryAfter = Number(locked.headers['retry-after']);
  t.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After is within the minute (${retryAfter})`);
  const right = await app.inject({ method: 'POST', url: '/api/auth/token', payload: { email: tenant.admin.email, password: PASSWORD }, remoteAddress: randomIp() });
  t.equal(right.statusCode, 429, 'even the right password waits out the lock');
  const other = await app.inject({ method: 'POST', url: '/api/auth/token', payload: { email: tenant.learner.email, password: PASSWORD }, remoteAddress: randomIp() });
  t.equal(other.statusCode, 200, 'other accounts are not affected');
});

t.test('10 failures a minute from one IP lock that IP, whatever the email', async (t) => {
  const tenant = await createTenant(app);
  const ip = randomIp();
  for (let i = 0; i < 10; i++) {
    const r = await app.inject({ method: 'POST', url: '/api/auth/token', payload: { email: `x${i}@${tenant.slug}.test`, password: 'wrong-wrong' }, remoteAddress: ip });
    t.equal(r.statusCode, 401);
  }
  const blocked = await app.inject({ method: 'POST', url: '/api/auth/token', payload: { email: tenant.owner.email, password: PASSWORD }, remoteAddress: ip });
  t.equal(blocked.statusCode, 429);
  t.ok(Number(blocked.headers['retry-after']) >= 1);
  const form = await (await browser(app)).post('/login', { email: tenant.owner.email, password: PASSWORD }, { headers: {} });
  t.equal(form.statusCode, 303, 'another IP signs in normally');
});

t.test('the sign-in form shows the lock as a page with Retry-After', async (t) => {
  const tenant = await createTenant(app);
  const b = await browser(app);
  for (let i = 0; i < 10; i++) await b.post('/login', { email: tenant.author.email, password: `bad-${i}-password` });
  const locked = await b.post('/login', { email: tenant.author.email, password: PASSWORD });
  t.equal(locked.statusCode, 429);
  t.ok(locked.headers['retry-after']);
  t.match(locked.body, 'Too many attempts');
});

t.test('a deactivated user cannot sign in and their open sessions and tokens stop at once', async (t) => {
  const tenant = await createTenant(app);
  const learner = await browser(app, { email: tenant.learner.email });
  const token = await apiToken(app, tenant.learner.email);
  t.equal((await learner.get('/')).statusCode, 200, 'signed in before');
  t.equal((await app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) })).statusCode, 200);

  const adminToken = await apiToken(app, tenant.admin.email);
  const patch = await app.inject({ method: 'PATCH', url: `/api/users/${tenant.learner.id}`, headers: bearer(adminToken), payload: { isActive: false } });
  t.equal(patch.statusCode, 200);
  t.equal(patch.json().data.isActive, false);

  const after = await learner.get('/');
  t.equal(after.statusCode, 303, 'the open browser session is sent to sign-in');
  t.match(after.headers.location, /^\/login/);
  const api = await app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) });
  t.equal(api.statusCode, 401, 'the API token no longer works');

  const again = await (await browser(app)).post('/login', { email: tenant.learner.email, password: PASSWORD });
  t.equal(again.statusCode, 403);
  t.match(again.body, 'deactivated');
  const tokenAgain = await app.inject({ method: 'POST', url: '/api/auth/token', payload: { email: tenant.learner.email, password: PASSWORD } });
  t.equal(tokenAgain.statusCode, 403);
  t.equal(tokenAgain.json().error.code, 'ACCOUNT_DEACTIVATED');
});

t.test('signing out ends the session on the server, not just in the browser', async (t) => {
  const tenant = await createTenant(app);
  const b = await browser(app, { email: tenant.learner.email });
  const stolen = { ...b.jar.header };
  const home = await b.get('/');
  const out = await b.post('/logout', {}, { csrf: (/name="_csrf" value="([^"]+)"/.exec(home.body) ?? [])[1]! });
  t.equal(out.statusCode, 303);
  t.equal(out.headers.location, '/login');
  const replay = await app.inject({ method: 'GET', url: '/', cookies: stolen });
  t.equal(replay.statusCode, 303, 'a copy of the old cookie no longer signs in');
});

t.test('a forged or garbage session cookie is treated as signed out', async (t) => {
  const r = await app.inject({ method: 'GET', url: '/api/me', cookies: { sun_session: 'eyJhbGciOiJIUzI1NiJ9.eyJzaWQiOiJ4In0.bad' } });
  t.equal(r.statusCode, 401);
  t.equal(r.json().error.code, 'UNAUTHORIZED');
});

t.test('after sign-in only same-site paths are followed', async (t) => {
  const tenant = await createTenant(app);
  const good = await browser(app);
  const r1 = await good.post('/login', { email: tenant.admin.email, password: PASSWORD, next: '/admin/users' });
  t.equal(r1.headers.location, '/admin/users');
  const evil = await browser(app);
  const r2 = await evil.post('/login', { email: tenant.admin.email, password: PASSWORD, next: '//evil.example/' });
  t.equal(r2.headers.location, '/');
});

t.test('an email used in two tenants asks which organisation, and the short name picks it', async (t) => {
  const a = await createTenant(app);
  const b = await createTenant(app);
  const adminToken = await apiToken(app, b.owner.email);
  const shared = a.learner.email;
  const created = await app.inject({ method: 'POST', url: '/api/users', headers: bearer(adminToken), payload: { email: shared, displayName: 'Twin', role: 'learner', password: PASSWORD } });
  t.equal(created.statusCode, 201);

  const ambiguous = await app.inject({ method: 'POST', url: '/api/auth/token', payload: { email: shared, password: PASSWORD } });
  t.equal(ambiguous.statusCode, 422);
  t.ok(ambiguous.json().error.details.organisation);
  const chosen = await app.inject({ method: 'POST', url: '/api/auth/token', payload: { email: shared, password: PASSWORD, organisation: b.slug } });
  t.equal(chosen.statusCode, 200);
  t.equal(chosen.json().data.user.tenant.slug, b.slug);
});

t.test('the token endpoint issues a Bearer token that works for the JSON API', async (t) => {
  const tenant = await createTenant(app);
  const r = await app.inject({ method: 'POST', url: '/api/auth/token', payload: { email: tenant.admin.email.toUpperCase(), password: PASSWORD } });
  t.equal(r.statusCode, 200);
  const body = r.json();
  t.equal(body.success, true);
  t.match(body.data, { tokenType: 'Bearer', user: { email: tenant.admin.email, role: 'admin', tenant: { id: tenant.id, slug: tenant.slug } } });
  t.match(body.data.token, /^sst_[A-Za-z0-9_-]{40,}$/);
  const me = await app.inject({ method: 'GET', url: '/api/me', headers: bearer(body.data.token) });
  t.equal(me.json().data.id, tenant.admin.id);
  const wrongScheme = await app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Basic ${body.data.token}` } });
  t.equal(wrongScheme.statusCode, 401);
});

t.test('the request rate limit answers 429 with Retry-After once an IP goes over it', async (t) => {
  const limited = await buildTestApp({ rateLimitPerMinute: 5 });
  t.teardown(() => limited.close());
  const ip = randomIp();
  const statuses = [];
  for (let i = 0; i < 6; i++) statuses.push((await limited.app.inject({ method: 'GET', url: '/login', remoteAddress: ip })).statusCode);
  t.same(statuses, [200, 200, 200, 200, 200, 429]);
  const over = await limited.app.inject({ method: 'GET', url: '/api/me', remoteAddress: ip });
  t.equal(over.statusCode, 429);
  t.equal(over.json().error.code, 'RATE_LIMITED');
  t.ok(Number(over.headers['retry-after']) >= 1);
  const health = await limited.app.inject({ method: 'GET', url: '/health', remoteAddress: ip });
  t.equal(health.statusCode, 200, 'health checks are never limited');
});

t.test('sessions and tokens that died more than a day ago are purged; live ones stay', async (t) => {
  const tenant = await createTenant(app);
  const live = await browser(app, { email: tenant.learner.email });
  const dead = await browser(app, { email: tenant.learner.email });
  const home = await dead.get('/');
  await dead.post('/logout', {}, { csrf: /name="_csrf" value="([^"]+)"/.exec(home.body)![1]! });
  await app.db.update(sessions).set({ revokedAt: sql`now() - interval '2 days'` }).where(and(eq(sessions.userId, tenant.learner.id), isNotNull(sessions.revokedAt)));
  const before = await app.db.select().from(sessions).where(eq(sessions.userId, tenant.learner.id));
  t.equal(before.length, 2);
  const purged = await purgeDeadCredentials(app.db, { graceHours: 24 });
  t.ok(purged.sessions >= 1);
  const after = await app.db.select().from(sessions).where(eq(sessions.userId, tenant.learner.id));
  t.equal(after.length, 1, 'only the live session is left');
  t.equal((await live.get('/')).statusCode, 200, 'and it still works');
});
