// Cross-site request forgery, layer by layer (the browser attack itself is test/e2e/csrf-from-package.test.ts):
// tokens are bound to the session they were minted for, every cookie-authenticated state change must come from the
// app's own origin, and over https the cookies the app reads carry the __Host- prefix.
import { and, eq } from 'drizzle-orm';
import t from 'tap';
import { users } from '../../src/db/schema/index.js';
import { loadConfig } from '../../src/config.js';
import { browser, buildTestApp, createTenant, csrfFrom, PASSWORD, unique } from '../helpers/build-app.js';

const ctx = await buildTestApp();
t.teardown(() => ctx.close());
const { app, config } = ctx;

const newLearner = (slug: string) => ({ email: `${unique('u')}@${slug}.test`, displayName: 'New', role: 'learner', password: PASSWORD });

async function userExists(tenantId: string, email: string) {
  const rows = await app.db.select().from(users).where(and(eq(users.tenantId, tenantId), eq(users.email, email)));
  return rows.length > 0;
}

t.test('a token minted for no session (the sign-in page) is refused once signed in, even with its cookie planted', async (t) => {
  const tenant = await createTenant(app);
  // The attacker's own visit to the sign-in page: a visitor cookie and a token bound to it.
  const attacker = await browser(app);
  const planted = attacker.jar.header;
  const owner = await browser(app, { email: tenant.owner.email });
  const form = newLearner(tenant.slug);
  const r = await app.inject({
    method: 'POST', url: '/admin/users',
    cookies: { ...owner.jar.header, ...planted },
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ ...form, _csrf: attacker.csrf }).toString(),
  });
  t.equal(r.statusCode, 403);
  t.match(r.body, 'Reload the page');
  t.notOk(await userExists(tenant.id, form.email), 'nothing was created');
});

t.test("a token minted for one session is refused for another, and dies with its session", async (t) => {
  const tenant = await createTenant(app);
  const first = await browser(app, { email: tenant.owner.email });
  const second = await browser(app, { email: tenant.admin.email });
  const form = newLearner(tenant.slug);
  const crossed = await second.post('/admin/users', form, { csrf: first.csrf });
  t.equal(crossed.statusCode, 403, "another session's token is refused");
  t.notOk(await userExists(tenant.id, form.email));

  const own = await first.post('/admin/users', form);
  t.equal(own.statusCode, 303, 'the session accepts its own token');
  const oldToken = first.csrf;
  t.equal((await first.post('/logout', {})).statusCode, 303, 'signing out');
  const again = await browser(app, { email: tenant.owner.email });
  const stale = await again.post('/admin/users', newLearner(tenant.slug), { csrf: oldToken });
  t.equal(stale.statusCode, 403, 'a token from an ended session is refused in the next one');
});

t.test('tokens differ on every page but all verify for their session', async (t) => {
  const tenant = await createTenant(app);
  const admin = await browser(app, { email: tenant.admin.email });
  const a = csrfFrom((await admin.get('/admin/users/new')).body);
  const b = csrfFrom((await admin.get('/admin/users/new')).body);
  t.not(a, b, 'each token is masked afresh');
  t.equal((await admin.post('/admin/users', newLearner(tenant.slug), { csrf: a })).statusCode, 303);
  t.equal((await admin.post('/admin/users', newLearner(tenant.slug), { csrf: b })).statusCode, 303);
  for (const forged of ['', '.', 'x.y', `${a}x`, `${a.split('.')[0]}.${'A'.repeat(43)}`, 'a'.repeat(500)]) {
    t.equal((await admin.post('/admin/users', newLearner(tenant.slug), { csrf: forged })).statusCode, 403, `forged token ${JSON.stringify(forged.slice(0, 20))}`);
  }
});

t.test('a state change from another origin is refused even with a valid token', async (t) => {
  const tenant = await createTenant(app);
  const admin = await browser(app, { email: tenant.admin.email });
  const cases: [string, Record<string, string>][] = [
    ['the content origin', { origin: config.contentOrigin }],
    ['another site', { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }],
    ['a same-site origin (another port)', { origin: 'http://127.0.0.1:1', 'sec-fetch-site': 'same-site' }],
    ['Sec-Fetch-Site alone', { 'sec-fetch-site': 'same-site' }],
    ['Origin null without same-origin', { origin: 'null' }],
    ['Origin null from a sandboxed frame elsewhere', { origin: 'null', 'sec-fetch-site': 'cross-site' }],
  ];
  for (const [name, headers] of cases) {
    const form = newLearner(tenant.slug);
    const r = await admin.post('/admin/users', form, { headers });
    t.equal(r.statusCode, 403, name);
    t.match(r.body, 'came from another site', `${name}: says why`);
    t.notOk(await userExists(tenant.id, form.email), `${name}: nothing was created`);
  }
  const signIn = await (await browser(app)).post('/login', { email: tenant.learner.email, password: PASSWORD }, { headers: { origin: 'https://evil.example' } });
  t.equal(signIn.statusCode, 403, 'a sign-in form posted from another site is refused too (no login CSRF)');
});

t.test("a state change from the app's own origin is accepted, however the browser says so", async (t) => {
  const tenant = await createTenant(app);
  const admin = await browser(app, { email: tenant.admin.email });
  const cases: [string, Record<string, string>][] = [
    ['Origin is the configured app origin', { origin: config.appOrigin, 'sec-fetch-site': 'same-origin' }],
    ['Origin is the host the request reached', { origin: 'http://sun.example:8080', host: 'sun.example:8080' }],
    ['Origin null with Sec-Fetch-Site: same-origin (no-referrer forms)', { origin: 'null', 'sec-fetch-site': 'same-origin' }],
    ['no Origin at all (not a browser)', {}],
  ];
  for (const [name, headers] of cases) {
    const r = await admin.post('/admin/users', newLearner(tenant.slug), { headers });
    t.equal(r.statusCode, 303, name);
  }
});

t.test('API calls with their own credentials are not subject to the Origin check', async (t) => {
  const tenant = await createTenant(app);
  const token = (await app.inject({ method: 'POST', url: '/api/auth/token', payload: { email: tenant.admin.email, password: PASSWORD }, headers: { origin: 'https://tool.example' } })).json().data.token;
  const r = await app.inject({ method: 'POST', url: '/api/users', headers: { authorization: `Bearer ${token}`, origin: 'https://tool.example' }, payload: newLearner(tenant.slug) });
  t.equal(r.statusCode, 201);
});

t.test('over https the cookies the app reads carry the __Host- prefix', async (t) => {
  const secure = await buildTestApp({ cookieSecure: true });
  t.teardown(() => secure.close());
  const tenant = await createTenant(secure.app);
  const page = await secure.app.inject({ method: 'GET', url: '/login' });
  type Cookie = { name: string; value: string; secure?: boolean; path?: string; domain?: string; httpOnly?: boolean };
  const visitor = (page.cookies as Cookie[]).find((c) => c.name === '__Host-sun_csrf');
  t.ok(visitor, 'the visitor cookie is __Host-sun_csrf');
  t.ok(visitor?.secure && visitor.path === '/' && !visitor.domain && visitor.httpOnly, 'Secure, Path=/, no Domain, HttpOnly');
  const login = await secure.app.inject({
    method: 'POST', url: '/login', cookies: { '__Host-sun_csrf': visitor!.value },
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ email: tenant.owner.email, password: PASSWORD, _csrf: csrfFrom(page.body) }).toString(),
  });
  t.equal(login.statusCode, 303, 'signing in works over https');
  const session = (login.cookies as Cookie[]).find((c) => c.name === '__Host-sun_session');
  t.ok(session?.secure && session.path === '/' && !session.domain, 'the session cookie is __Host-sun_session, Secure, Path=/, no Domain');
  const planted = await secure.app.inject({ method: 'GET', url: '/api/me', cookies: { sun_session: session!.value } });
  t.equal(planted.statusCode, 401, 'a cookie without the prefix (which a sub-domain could set) is not read');
});

t.test('package content defaults to another site than the app', async (t) => {
  const local = loadConfig({ NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '3000' });
  t.equal(local.appOrigin, 'http://127.0.0.1:3000');
  t.equal(local.contentOrigin, 'http://localhost:3001', '127.0.0.1 and localhost are two sites to a browser');
  t.equal(loadConfig({ NODE_ENV: 'test', HOST: 'localhost', PORT: '3000' }).contentOrigin, 'http://127.0.0.1:3001');
  t.equal(loadConfig({ NODE_ENV: 'test', HOST: '0.0.0.0', PORT: '8080' }).contentOrigin, 'http://localhost:8081');
  t.throws(() => loadConfig({ NODE_ENV: 'test', PUBLIC_URL: 'https://learn.example.com', CONTENT_ORIGIN: 'https://learn.example.com' }), /CONTENT_ORIGIN must not be the app's own origin/);
});
