// After sign-in the app follows `next` only to a path of its own origin (issue 10, finding 4: `/%09/host` became
// `//host` in Chromium, which strips tabs and newlines from URLs, and `%0a` or `%E3%80%82` gave a 500).
import type { LightMyRequestResponse } from 'fastify';
import t, { type Test } from 'tap';
import { browser, buildTestApp, createTenant, PASSWORD } from '../../helpers/build-app.js';

const ctx = await buildTestApp();
t.teardown(() => ctx.close());
const { app } = ctx;

/** `next` values as the server sees them once the query string or form body is decoded. */
const hostile: Record<string, string> = {
  'protocol-relative': '//evil.example/phish',
  'backslash host': '/\\evil.example/phish',
  'tab between slashes': '/\t/evil.example/phish',
  'newline between slashes': '/\n/evil.example/phish',
  'carriage return between slashes': '/\r/evil.example/phish',
  'leading tab': '\t//evil.example/phish',
  'leading space': ' //evil.example/phish',
  'absolute URL': 'https://evil.example/phish',
  'scheme-relative with backslashes': '\\\\evil.example/phish',
  'ideographic full stop': '/\u3002evil.example',
  'ideographic full stop host': '//evil\u3002example',
  'javascript URL': 'javascript:alert(document.domain)',
  'dot segment to protocol-relative': '/.//evil.example/phish',
  'dot-dot segment to protocol-relative': '/..//evil.example/phish',
  'encoded dot segment': '/%2e//evil.example/phish',
  'NUL byte': '/\u0000',
  'NUL before a host': '/\u0000/evil.example',
  'lone surrogate': '/\ud800',
  'very long': '/' + 'a'.repeat(20_000),
  'empty': '',
};

const APP = 'http://app.invalid';

/**
 * What a browser would do with the Location: it strips ASCII tab and newline and leading/trailing spaces and
 * controls first (WHATWG URL), then resolves it against our page. It must stay on our origin, as a plain path.
 */
function assertSameOriginPath(t: Test, location: unknown, label: string) {
  t.type(location, 'string', `${label}: a Location is sent`);
  const value = String(location);
  t.match(value, /^\/(?![/\\])[!-[\]-~]*$/, `${label}: a plain path with no control characters or backslashes (${JSON.stringify(value.slice(0, 60))})`);
  const asBrowser = value.replace(/[\t\n\r]/g, '').replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
  t.equal(new URL(asBrowser, `${APP}/login`).origin, APP, `${label}: the browser stays on our origin`);
}

/** A redirect to one of our paths, or (for input no route accepts, such as a NUL byte) a plain 400. */
function assertSafeAnswer(t: Test, r: LightMyRequestResponse, label: string) {
  t.ok(r.statusCode === 303 || r.statusCode === 400, `${label}: redirected, or refused as bad input (${r.statusCode})`);
  if (r.statusCode === 303) assertSameOriginPath(t, r.headers.location, label);
  else t.notOk(r.headers.location, `${label}: no Location with the refusal`);
}

t.test('a signed-in visitor sent to /login?next=... is only ever redirected to our own paths', async (t) => {
  const tenant = await createTenant(app);
  const signedIn = await browser(app, { email: tenant.learner.email });
  for (const [label, next] of Object.entries(hostile)) {
    const r = await signedIn.get(`/login?${new URLSearchParams({ next })}`);
    assertSafeAnswer(t, r, label);
  }
  // The exact link from the report, with the tab still percent-encoded in the raw query string.
  const reported = await signedIn.get('/login?next=/%09/example.invalid/phish');
  t.equal(reported.headers.location, '/');
  for (const raw of ['/%0a/example.invalid', '/%E3%80%82evil.example', '/%00', '%5C%5Cevil.example', '/%ZZ']) {
    const r = await signedIn.get(`/login?next=${raw}`);
    assertSafeAnswer(t, r, `raw ${raw}`);
  }
});

t.test('signing in with a hostile next lands on our home page, never elsewhere and never a 500', async (t) => {
  const tenant = await createTenant(app);
  for (const [label, next] of Object.entries(hostile)) {
    const visitor = await browser(app);
    const r = await visitor.post('/login', { email: tenant.learner.email, password: PASSWORD, next });
    assertSafeAnswer(t, r, label);
    if (r.statusCode === 303) t.equal(r.headers.location, '/', `${label}: to the home page`);
  }
});

t.test('our own paths, with their query and fragment, are still followed', async (t) => {
  const tenant = await createTenant(app);
  const cases: [string, string][] = [
    ['/admin/users', '/admin/users'],
    ['/admin/users?page=2&q=a%20b#top', '/admin/users?page=2&q=a%20b#top'],
    ['/courses/./x/../y', '/courses/y'],
    ['/xapi/statements?activity=https%3A%2F%2Fexample.com%2Fa', '/xapi/statements?activity=https%3A%2F%2Fexample.com%2Fa'],
  ];
  for (const [next, expected] of cases) {
    const visitor = await browser(app);
    const r = await visitor.post('/login', { email: tenant.admin.email, password: PASSWORD, next });
    t.equal(r.headers.location, expected, `${next} is followed`);
    const again = await visitor.get(`/login?next=${encodeURIComponent(next)}`);
    t.equal(again.headers.location, expected, `${next} is followed when already signed in`);
  }
});

t.test('a page that needs sign-in sends the visitor back to it afterwards', async (t) => {
  const tenant = await createTenant(app);
  const visitor = await browser(app);
  const bounced = await visitor.get('/admin/users?page=1');
  t.equal(bounced.statusCode, 303);
  const login = await visitor.get(bounced.headers.location as string);
  t.match(login.body, 'name="next" value="/admin/users?page=1"');
  const r = await visitor.post('/login', { email: tenant.admin.email, password: PASSWORD, next: '/admin/users?page=1' });
  t.equal(r.headers.location, '/admin/users?page=1');
});
