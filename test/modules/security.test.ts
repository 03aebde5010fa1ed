import t from 'tap';
import { apiToken, bearer, browser, buildTestApp, createTenant, PASSWORD } from '../helpers/build-app.js';

const ctx = await buildTestApp({ bodyLimitBytes: 4096 }, {
  extend(app) {
    // A route that fails the way a bug would, to show that a 500 carries no internals.
    app.get('/api/test-explode', async () => {
      throw new Error('secret connection string postgres://admin:hunter2@db');
    });
    app.get('/test-explode', async () => {
      throw new Error('secret stack detail');
    });
  },
});
t.teardown(() => ctx.close());
const { app } = ctx;

t.test('a state change without a CSRF token is refused with 403 and changes nothing', async (t) => {
  const tenant = await createTenant(app);
  const admin = await browser(app, { email: tenant.admin.email });
  const missing = await admin.post('/admin/users', { email: `x@${tenant.slug}.test`, displayName: 'X', role: 'learner', password: PASSWORD }, { csrf: null });
  t.equal(missing.statusCode, 403);
  t.match(missing.body, 'Reload the page');
  const forged = await admin.post('/admin/users', { email: `y@${tenant.slug}.test`, displayName: 'Y', role: 'learner', password: PASSWORD }, { csrf: 'forged-token-value' });
  t.equal(forged.statusCode, 403);
  const list = await admin.get(`/admin/users?q=${tenant.slug}.test`);
  t.notMatch(list.body, `x@${tenant.slug}.test`, 'no user was created');
  t.notMatch(list.body, `y@${tenant.slug}.test`);
  const ok = await admin.post('/admin/users', { email: `z@${tenant.slug}.test`, displayName: 'Z', role: 'learner', password: PASSWORD });
  t.equal(ok.statusCode, 303, 'with the token it works');
});

t.test('the CSRF token is also accepted from the htmx header', async (t) => {
  const tenant = await createTenant(app);
  const admin = await browser(app, { email: tenant.admin.email });
  const r = await admin.post('/admin/users', { email: `h@${tenant.slug}.test`, displayName: 'H', role: 'learner', password: PASSWORD }, { csrf: null, headers: { 'x-csrf-token': admin.csrf, 'hx-request': 'true' } });
  t.equal(r.statusCode, 204);
  t.match(r.headers['hx-location'], /^\/admin\/users\/[0-9a-f-]{36}$/);
});

t.test('sign-in itself needs the CSRF token (no login CSRF)', async (t) => {
  const tenant = await createTenant(app);
  const b = await browser(app);
  const r = await b.post('/login', { email: tenant.learner.email, password: PASSWORD }, { csrf: null });
  t.equal(r.statusCode, 403);
});

t.test('Bearer-authenticated API calls need no CSRF token, and ignore any session cookie', async (t) => {
  const tenant = await createTenant(app);
  const token = await apiToken(app, tenant.admin.email);
  const r = await app.inject({ method: 'POST', url: '/api/users', headers: bearer(token), payload: { email: `api@${tenant.slug}.test`, displayName: 'Api', role: 'learner', password: PASSWORD } });
  t.equal(r.statusCode, 201);
  const learner = await browser(app, { email: tenant.learner.email });
  const mixed = await app.inject({ method: 'GET', url: '/api/me', headers: { authorization: 'Bearer not-a-token' }, cookies: learner.jar.header });
  t.equal(mixed.statusCode, 401, 'a bad Authorization header does not fall back to the cookie');
});

t.test('malformed JSON is a 400 with a message', async (t) => {
  const r = await app.inject({ method: 'POST', url: '/api/auth/token', headers: { 'content-type': 'application/json' }, payload: '{"email": "a@b.c", "password": ' });
  t.equal(r.statusCode, 400);
  const body = r.json();
  t.equal(body.success, false);
  t.equal(body.error.code, 'INVALID_JSON');
  t.match(body.error.message, /not valid JSON/);
});

t.test('a body that breaks the schema is a 400 naming the problem', async (t) => {
  const r = await app.inject({ method: 'POST', url: '/api/auth/token', payload: { email: 'a@b.c' } });
  t.equal(r.statusCode, 400);
  t.equal(r.json().error.code, 'VALIDATION_FAILED');
  t.match(r.json().error.message, /password/);
});

t.test('a body over the configured limit is a 413', async (t) => {
  const big = JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(5000) });
  const json = await app.inject({ method: 'POST', url: '/api/auth/token', headers: { 'content-type': 'application/json' }, payload: big });
  t.equal(json.statusCode, 413);
  t.equal(json.json().error.code, 'PAYLOAD_TOO_LARGE');
  const form = await app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `email=a&password=${'x'.repeat(5000)}` });
  t.equal(form.statusCode, 413);
  t.match(form.body, 'larger than this server accepts');
});

t.test('unknown routes: a 404 page for people, JSON under /api', async (t) => {
  const page = await app.inject({ method: 'GET', url: '/no/such/page' });
  t.equal(page.statusCode, 404);
  t.match(page.headers['content-type'], /text\/html/);
  t.match(page.body, 'There is no page at this address.');
  const api = await app.inject({ method: 'GET', url: '/api/no-such-thing' });
  t.equal(api.statusCode, 404);
  t.same(api.json(), { success: false, error: { code: 'NOT_FOUND', message: 'No API route GET /api/no-such-thing.' } });
});

t.test('a server error shows no internals', async (t) => {
  const api = await app.inject({ method: 'GET', url: '/api/test-explode' });
  t.equal(api.statusCode, 500);
  t.equal(api.json().error.code, 'INTERNAL_ERROR');
  t.notMatch(api.body, 'hunter2');
  const page = await app.inject({ method: 'GET', url: '/test-explode' });
  t.equal(page.statusCode, 500);
  t.notMatch(page.body, 'secret stack detail');
  t.match(page.body, 'Something went wrong');
});

t.test('pages carry a strict Content-Security-Policy and vary on HX-Request', async (t) => {
  const r = await app.inject({ method: 'GET', url: '/login' });
  const csp = String(r.headers['content-security-policy']);
  t.match(csp, "script-src 'self'");
  t.match(csp, "frame-ancestors 'none'");
  t.notMatch(csp, 'unsafe-inline');
  t.equal(r.headers['x-content-type-options'], 'nosniff');
  t.match(String(r.headers.vary), 'HX-Request');
  const htmx = await app.inject({ method: 'GET', url: '/static/vendor/htmx/htmx.min.js' });
  t.equal(htmx.statusCode, 200, 'htmx is served from its npm package');
  t.match(htmx.headers['content-type'], /javascript/);
});

t.test('an htmx request gets a fragment, a normal one the whole page', async (t) => {
  const tenant = await createTenant(app);
  const admin = await browser(app, { email: tenant.admin.email });
  const full = await admin.get('/admin/users');
  t.match(full.body, '<!doctype html>');
  const fragment = await admin.get('/admin/users?q=admin', { 'hx-request': 'true', 'hx-target': 'user-table' });
  t.notMatch(fragment.body, '<!doctype html>');
  t.match(fragment.body, '<table');
  t.match(fragment.body, tenant.admin.email);
});

t.test('signed-out people are sent to sign in, and brought back after', async (t) => {
  const r = await app.inject({ method: 'GET', url: '/admin/users?page=2' });
  t.equal(r.statusCode, 303);
  t.equal(r.headers.location, '/login?next=%2Fadmin%2Fusers%3Fpage%3D2');
  const htmx = await app.inject({ method: 'GET', url: '/admin/users', headers: { 'hx-request': 'true' } });
  t.equal(htmx.headers['hx-redirect'], '/login?next=%2Fadmin%2Fusers');
  const api = await app.inject({ method: 'GET', url: '/api/users' });
  t.equal(api.statusCode, 401);
  t.equal(api.json().error.code, 'UNAUTHORIZED');
});
