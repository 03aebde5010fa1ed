// Odd input is the caller's mistake, never the server's: a NUL byte, a lone UTF-16 surrogate, a number beyond any
// column or a date Postgres cannot hold (year 0) gets a clear 4xx on every route family (app, LRS, content origin),
// never a 500 and never SQL text. First the cases an outside review found, then a sweep of every route the app has.
import { sql } from 'drizzle-orm';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import t, { type Test } from 'tap';
import { apiToken, bearer, browser, buildTestAppWithContent, createOperator, createTenant, type Browser } from '../helpers/build-app.js';
import { importPackage, learnerSession } from '../helpers/player.js';
import { routesOf } from '../helpers/routes.js';
import { importCmi5 } from './cmi5/helpers.js';
import { lrsClient, statement } from './xapi/helpers.js';

const NUL = 'a\u0000b';
const SURROGATE = 'a\ud800b';
const HUGE = '99999999999999999999999';
const YEAR_ZERO = '0000-01-01T00:00:00Z';
const CANNOT_STORE = /cannot store/i;

const ctx = await buildTestAppWithContent({}, {
  // A route that hands its query straight to the database, standing for any path a future check forgets: the
  // error handler's last line of defence must still answer 400 without internals.
  extend: (app) => {
    app.get<{ Querystring: { cast: string; value: string } }>('/api/test/odd-sql', async (request) => {
      const { cast, value } = request.query;
      const query = cast === 'bigint' ? sql`select ${value}::bigint` : cast === 'timestamptz' ? sql`select ${value}::timestamptz` : sql`select ${value}::uuid`;
      await app.db.execute(query);
      return { ok: true };
    });
  },
});
const { content } = ctx;
content.get<{ Querystring: { value: string } }>('/test/odd-sql', async (request) => {
  await ctx.database.db.execute(sql`select ${request.query.value}::timestamptz`);
  return { ok: true };
});
t.teardown(() => ctx.close());
const { app, config } = ctx;

/** No 5xx, and nothing of the database in the answer. */
function assertClean(t: Test, response: LightMyRequestResponse, what: string) {
  t.ok(response.statusCode < 500, `${what}: ${response.statusCode} is not a server error`, { body: response.body.slice(0, 300) });
  t.notMatch(response.body, /Failed query|params:|invalid byte sequence|out of range for type|Unicode escape|violates \S+ constraint|insert into "|from "\w+"/i, `${what}: no SQL in the answer`);
}

function assertRefused(t: Test, response: LightMyRequestResponse, what: string, message: RegExp = CANNOT_STORE) {
  assertClean(t, response, what);
  t.equal(response.statusCode, 400, `${what}: 400`, { body: response.body.slice(0, 300) });
  t.match(response.body, message, `${what}: says what is wrong`);
}

/** JSON text with the string escapes JSON.stringify would not write for a lone surrogate or NUL. */
const jsonWith = (value: unknown) => JSON.stringify(value).replace(/\\\\u(0000|d800)/g, '\\u$1');

t.test('NUL bytes and lone surrogates in the app: accounts, users, search boxes', async (t) => {
  const tenant = await createTenant(app);
  const owner = await apiToken(app, tenant.owner.email);

  const created = await app.inject({ method: 'POST', url: '/api/users', headers: bearer(owner), payload: { email: `x@${tenant.slug}.test`, displayName: NUL, role: 'learner', password: 'long-enough-password' } });
  assertRefused(t, created, 'a display name with NUL');
  t.match(created.json(), { success: false, error: { code: 'UNSTORABLE_CHARACTER' } });
  const surrogate = await app.inject({ method: 'POST', url: '/api/users', headers: { ...bearer(owner), 'content-type': 'application/json' }, payload: jsonWith({ email: `y@${tenant.slug}.test`, displayName: 'a\\ud800b', role: 'learner', password: 'long-enough-password' }) });
  assertRefused(t, surrogate, 'a display name with a lone surrogate');
  const patched = await app.inject({ method: 'PATCH', url: `/api/users/${tenant.learner.id}`, headers: bearer(owner), payload: { displayName: NUL } });
  assertRefused(t, patched, 'renaming to NUL');
  const users = await app.inject({ method: 'GET', url: `/api/users?q=${encodeURIComponent(NUL)}`, headers: bearer(owner) });
  assertRefused(t, users, 'a user search with NUL');
  const list = (await app.inject({ method: 'GET', url: '/api/users', headers: bearer(owner) })).json().data.items as { email: string }[];
  t.notOk(list.some((u) => u.email.startsWith('x@') || u.email.startsWith('y@')), 'nobody was created');

  const signIn = await app.inject({ method: 'POST', url: '/api/auth/token', payload: { email: `owner${NUL}@${tenant.slug}.test`, password: 'whatever-password' } });
  assertRefused(t, signIn, 'a token request with NUL in the email');

  const page = await browser(app, { email: tenant.owner.email });
  const form = await page.post('/admin/users', { email: `z@${tenant.slug}.test`, displayName: NUL, role: 'learner', password: 'long-enough-password' });
  assertRefused(t, form, 'the add-user form with NUL');
  t.match(form.headers['content-type'], /text\/html/, 'a person gets a page');
  const login = await (await browser(app)).post('/login', { email: `a${NUL}@example.com`, password: 'x' });
  assertRefused(t, login, 'signing in with NUL in the email');
  const search = await page.get(`/admin/users?q=${encodeURIComponent(NUL)}`);
  assertRefused(t, search, 'the user search page with NUL');
  const param = await page.get('/admin/users/%00');
  assertRefused(t, param, 'NUL in a route parameter');
});

t.test('numbers beyond any column are a 400, not a 500', async (t) => {
  const tenant = await createTenant(app);
  const owner = await apiToken(app, tenant.owner.email);
  for (const url of [`/api/audit-events?before=${HUGE}`, `/api/audit-events?limit=${HUGE}`, `/api/users?page=${HUGE}`, `/api/courses?page=${HUGE}`]) {
    assertRefused(t, await app.inject({ method: 'GET', url, headers: bearer(owner) }), url, /not valid|must be/);
  }
  const page = await browser(app, { email: tenant.owner.email });
  for (const url of [`/admin/audit?before=${HUGE}`, `/admin/lrs/statements?before=${HUGE}`, `/courses?page=${HUGE}`]) {
    const response = await page.get(url);
    assertClean(t, response, url);
    t.equal(response.statusCode, 200, `${url}: an impossible page is just the first one`);
  }
  const operator = await createOperator(app);
  const opToken = await apiToken(app, operator.email);
  assertRefused(t, await app.inject({ method: 'GET', url: `/api/tenants?page=${HUGE}`, headers: bearer(opToken) }), 'a huge tenant page', /not valid|must be/);
});

t.test('the LRS answers odd input with the xAPI 400 (Communication 3.2), and stores any bytes in documents', async (t) => {
  const lrs = await lrsClient(app);
  const xapiError = (response: LightMyRequestResponse, what: string, message: RegExp = CANNOT_STORE) => {
    assertRefused(t, response, what, message);
    t.type(response.json().error, 'string', `${what}: the LRS error shape`);
  };
  xapiError(await lrs.post('/xapi/statements', statement({ actor: { mbox: 'mailto:nul@example.com', name: NUL } })), 'NUL in an actor name');
  xapiError(await lrs.post('/xapi/statements', statement({ result: { extensions: { 'http://example.com/ext': { deep: [NUL] } } } })), 'NUL deep in an extension');
  xapiError(await lrs.post('/xapi/statements', statement({ result: { extensions: { [`http://example.com/${NUL}`]: 1 } } })), 'NUL in a key', /cannot store|IRI/);
  const raw = jsonWith(statement({ actor: { mbox: 'mailto:sur@example.com', name: 'a\\ud800b' } }));
  xapiError(await app.inject({ method: 'POST', url: '/xapi/statements', headers: lrs.headers({ 'content-type': 'application/json' }), payload: raw }), 'a lone surrogate in a statement');
  const rawNul = jsonWith(statement({ verb: { id: 'http://example.com/verbs/x', display: { 'en-US': 'a\\u0000b' } } }));
  xapiError(await app.inject({ method: 'POST', url: '/xapi/statements', headers: lrs.headers({ 'content-type': 'application/json' }), payload: rawNul }), 'an escaped NUL in a statement');
  xapiError(await lrs.post('/xapi/statements', statement({ timestamp: YEAR_ZERO })), 'a timestamp in year 0', /timestamp/);
  xapiError(await lrs.post('/xapi/statements', statement({ timestamp: '0001-01-01T00:00:00+01:00' })), 'a timestamp that is year 0 in UTC', /timestamp/);
  xapiError(await lrs.get(`/xapi/statements?since=${YEAR_ZERO}`), 'since in year 0', /since/);
  xapiError(await lrs.get(`/xapi/statements?until=${YEAR_ZERO}`), 'until in year 0', /until/);
  xapiError(await lrs.get(`/xapi/statements?verb=${encodeURIComponent(`http://example.com/${NUL}`)}`), 'NUL in a verb filter');

  const agent = encodeURIComponent(JSON.stringify({ mbox: 'mailto:learner@example.com' }));
  const activity = encodeURIComponent('http://example.com/activities/golf');
  const state = (extra: string) => `/xapi/activities/state?activityId=${activity}&agent=${agent}&${extra}`;
  xapiError(await lrs.put(state('stateId=a%00b'), { page: 1 }), 'NUL in a stateId');
  xapiError(await lrs.get(state(`since=${YEAR_ZERO}`)), 'a state list since year 0', /since/);
  xapiError(await lrs.get(`/xapi/agents?agent=${encodeURIComponent(JSON.stringify({ mbox: `mailto:a${NUL}@example.com` }))}`), 'NUL in an agent');
  xapiError(await lrs.get(`/xapi/activities?activityId=${encodeURIComponent(`http://example.com/${NUL}`)}`), 'NUL in an activity id');

  const bytes = Buffer.from([0, 0xd8, 0, 0xff, 0x00, 0x41]);
  const put = await app.inject({ method: 'PUT', url: state('stateId=binary'), headers: lrs.headers({ 'content-type': 'application/octet-stream' }), payload: bytes });
  t.equal(put.statusCode, 204, 'a document may hold any bytes, NUL included');
  const got = await lrs.get(state('stateId=binary'));
  t.same(got.rawPayload, bytes, 'and comes back byte for byte');
  const json = await app.inject({ method: 'PUT', url: state('stateId=json-nul'), headers: lrs.headers({ 'content-type': 'application/json' }), payload: '{"text":"a\\u0000b"}' });
  t.equal(json.statusCode, 204, 'a JSON document with an escaped NUL is stored as sent');
});

t.test('dates Postgres cannot hold, and dates at the edges it can', async (t) => {
  const lrs = await lrsClient(app);
  const stored = await lrs.post('/xapi/statements', statement({ timestamp: '0001-01-01T00:00:00Z' }));
  t.equal(stored.statusCode, 200, 'year 1 is a real year');
  const late = await lrs.post('/xapi/statements', statement({ timestamp: '9999-12-31T23:59:59.999Z' }));
  t.equal(late.statusCode, 200, 'and so is 9999');
  const found = await lrs.get(`/xapi/statements?since=0001-01-01T00:00:00Z&until=9999-12-31T23:59:59Z&limit=1`);
  t.equal(found.statusCode, 200);
});

t.test('the content origin: NUL in CMI data is a runtime error answer, not SQL', async (t) => {
  const tenant = await createTenant(app);
  const courseId = await importPackage(app, tenant.author.email, 'scorm12-single-sco-basic-runtime-golf', 'singlescobasic.zip');
  const session = await learnerSession(app, content, config, tenant.learner.email, courseId);
  const launch = await session.open();
  const token = launch.token!;
  const commit = await session.commit(token, { runtimeData: { cmi: { core: { lesson_location: NUL } } } });
  assertClean(t, commit, 'NUL in lesson_location');
  t.equal(commit.statusCode, 400, 'NUL in lesson_location: 400');
  t.same(commit.json(), { result: false, errorCode: 101 }, 'the answer the runtime reads: SCORM 1.2 general exception');
  const beacon = await content.inject({ method: 'POST', url: `/r/${token}/commit`, headers: { 'content-type': 'text/plain;charset=UTF-8' }, payload: '{"runtimeData":{"cmi":{"suspend_data":"a\\u0000b"}}}' });
  assertClean(t, beacon, 'an escaped NUL in a beacon commit');
  t.equal(beacon.statusCode, 400);
  t.same(beacon.json(), { result: false, errorCode: 101 });
  const surrogate = await content.inject({ method: 'POST', url: `/r/${token}/commit`, headers: { 'content-type': 'application/json' }, payload: '{"runtimeData":{"cmi":{"suspend_data":"a\\ud800b"}}}' });
  assertClean(t, surrogate, 'a lone surrogate in a commit');
  t.equal(surrogate.statusCode, 400);
  t.same(surrogate.json(), { result: false, errorCode: 101 });
  const fine = await session.commit(token, { runtimeData: { cmi: { core: { lesson_location: 'page-2' } } } });
  t.match(fine.json(), { result: true }, 'the same attempt still commits good data');

  for (const url of ['/c/a%00b/index.html', `/c/${token}/a%00b.html`, '/p/a%00b/x', '/run/a%00b', '/r/a%00b/commit?final=a%00b']) {
    const response = await content.inject({ method: url.startsWith('/r/') ? 'POST' : 'GET', url, payload: url.startsWith('/r/') ? {} : undefined });
    assertClean(t, response, `content ${url}`);
    t.ok(response.statusCode >= 400, `content ${url}: refused`);
  }
});

t.test('last line of defence: a database data error is a generic 400 on both drivers, in the app and on the content origin', async (t) => {
  const tenant = await createTenant(app);
  const owner = await apiToken(app, tenant.owner.email);
  for (const [cast, value] of [['bigint', HUGE], ['timestamptz', YEAR_ZERO], ['uuid', 'not-a-uuid']] as const) {
    const response = await app.inject({ method: 'GET', url: `/api/test/odd-sql?cast=${cast}&value=${encodeURIComponent(value)}`, headers: bearer(owner) });
    assertRefused(t, response, `${ctx.database.driver} ${cast} error`, /could not be stored or read|not valid/);
    t.match(response.json(), { success: false, error: { code: 'INVALID_VALUE' } });
    t.notMatch(response.body, value, 'the value is not echoed back from SQL');
  }
  const onContent = await content.inject({ method: 'GET', url: `/test/odd-sql?value=${YEAR_ZERO}` });
  assertRefused(t, onContent, `${ctx.database.driver} error on the content origin`, /could not be stored or read|not valid/);
});

t.test('cmi5: odd AU numbers, reasons and fetch keys', async (t) => {
  const tenant = await createTenant(app);
  const courseId = await importCmi5(app, tenant, '001-essentials.zip');
  const learner = await apiToken(app, tenant.learner.email);
  const owner = await apiToken(app, tenant.owner.email);
  const registration = (await app.inject({ method: 'POST', url: `/api/courses/${courseId}/registrations`, headers: bearer(learner) })).json().data.id as string;
  const launch = await app.inject({ method: 'POST', url: `/api/registrations/${registration}/cmi5/launch`, headers: bearer(learner), payload: { au: Number(HUGE) } });
  assertClean(t, launch, 'launching AU 1e23');
  t.ok(launch.statusCode >= 400 && launch.statusCode < 500);
  const waive = await app.inject({ method: 'POST', url: `/api/registrations/${registration}/cmi5/waive`, headers: bearer(owner), payload: { au: 0, reason: NUL } });
  assertRefused(t, waive, 'a waiver reason with NUL');
  const fetch = await app.inject({ method: 'POST', url: `/cmi5/fetch/${registration}?k=${encodeURIComponent(NUL)}` });
  assertRefused(t, fetch, 'a fetch key with NUL');
});

// ---- every route, with odd values in its parameters, query and body ----

const ODD = [
  { name: 'NUL', text: NUL, inUrl: 'a%00b' },
  { name: 'lone surrogate', text: SURROGATE, inUrl: 'a%ED%A0%80b' },
  { name: 'huge number', text: HUGE, inUrl: HUGE },
  { name: 'year 0', text: YEAR_ZERO, inUrl: encodeURIComponent(YEAR_ZERO) },
  { name: 'negative', text: '-1', inUrl: '-1' },
];
const QUERY_NAMES = ['q', 'page', 'before', 'limit', 'role', 'action', 'status', 'format', 'item', 'mode', 'notice', 'next', 'created', 'k', 'learner', 'verb', 'activity', 'registration', 'since', 'until', 'final'];
const BODY_NAMES = ['email', 'displayName', 'name', 'title', 'password', 'currentPassword', 'newPassword', 'role', 'isActive', 'reason', 'au', 'mode', 'launchMode', 'request', 'target', 'slug', 'domain', 'ownerEmail', 'ownerName', 'ownerPassword', 'scope', 'xapiVersion', 'scormToXapi', 'next', 'confirm'];
// Routes that end the session or remove what later requests use go last.
const LAST = /logout|delete|archive|revoke|abandon/;

t.test('every route answers odd values with a 4xx, never a 5xx', async (t) => {
  const tenant = await createTenant(app);
  const scormCourse = await importPackage(app, tenant.author.email, 'scorm12-single-sco-basic-runtime-golf', 'singlescobasic.zip');
  const cmi5Course = await importCmi5(app, tenant, '001-essentials.zip');
  const learnerToken = await apiToken(app, tenant.learner.email);
  const registration = (await app.inject({ method: 'POST', url: `/api/courses/${scormCourse}/registrations`, headers: bearer(learnerToken) })).json().data.id as string;
  await app.inject({ method: 'POST', url: `/api/courses/${cmi5Course}/registrations`, headers: bearer(learnerToken) });
  const owner = await browser(app, { email: tenant.owner.email });
  const ownerToken = await apiToken(app, tenant.owner.email);
  const operator = await createOperator(app);
  const operatorBrowser = await browser(app, { email: operator.email });
  const operatorToken = await apiToken(app, operator.email);
  const lrs = await lrsClient(app);

  /** Real ids where a route names one, so the odd query and body reach the code behind the lookup. */
  const realId = (path: string) =>
    /^\/(api\/)?courses\/:id/.test(path) ? scormCourse
      : /registrations\/:id|^\/player\/:id/.test(path) ? registration
        : /users\/:id/.test(path) ? tenant.learner.id
          : '00000000-0000-4000-8000-000000000000';

  const routes = routesOf(app).filter((r) => !r.path.startsWith('/api/test/')).sort((a, b) => Number(LAST.test(a.path)) - Number(LAST.test(b.path)));
  t.ok(routes.length > 50, `${routes.length} routes found`);
  let sent = 0;
  for (const route of routes) {
    const isOperator = route.path.startsWith('/operator') || route.path.startsWith('/api/tenants');
    const asBrowser: Browser = isOperator ? operatorBrowser : owner;
    for (const odd of ODD) {
      const variants = [
        // odd values in the path's parameters
        { url: route.path.replace(/:\w+|\*/g, odd.inUrl), query: '' },
        // a real id, with the odd value in every query parameter a route of ours reads
        { url: route.path.replace(/:\w+/g, realId(route.path)).replace('*', 'index.html'), query: QUERY_NAMES.map((name) => `${name}=${odd.inUrl}`).join('&') },
      ];
      for (const { url, query } of variants) {
        const full = query ? `${url}?${query}` : url;
        const body = Object.fromEntries(BODY_NAMES.map((name) => [name, odd.text]));
        let response: LightMyRequestResponse;
        if (route.path.startsWith('/xapi')) {
          response = await app.inject({ method: route.method as 'GET', url: full, headers: lrs.headers({ 'content-type': 'application/json' }), ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { payload: JSON.stringify(body) }) });
        } else if (route.path.startsWith('/api/')) {
          const token = isOperator ? operatorToken : ownerToken;
          const withBody = route.method !== 'GET' && route.method !== 'DELETE';
          response = await app.inject({ method: route.method as 'GET', url: full, headers: bearer(token), ...(withBody ? { payload: body } : {}) });
        } else if (route.method === 'GET') {
          response = await asBrowser.get(full);
        } else {
          response = await asBrowser.post(full, body);
        }
        sent++;
        assertClean(t, response, `${route.method} ${route.path} with ${odd.name} (${full.slice(0, 80)})`);
      }
    }
  }
  t.ok(sent > 400, `${sent} odd requests sent`);
});

t.test('every LRS resource answers an odd value in any one parameter with a 400, never a 5xx', async (t) => {
  const lrs = await lrsClient(app);
  const activityId = 'http://example.com/activities/golf';
  const agent = JSON.stringify({ mbox: 'mailto:learner@example.com' });
  // The parameters each resource needs, so that one odd value replaces a valid one and reaches the code behind it.
  const base: Record<string, Record<string, string>> = {
    '/xapi/activities/state': { activityId, agent, stateId: 'bookmark' },
    '/xapi/activities/profile': { activityId, profileId: 'p1' },
    '/xapi/agents/profile': { agent, profileId: 'p1' },
    '/xapi/activities': { activityId },
    '/xapi/agents': { agent },
  };
  const extra = ['since', 'until', 'registration', 'verb', 'activity', 'limit', 'statementId', 'voidedStatementId', 'more', 'format'];
  const routes = routesOf(app).filter((r) => r.path.startsWith('/xapi/') && !r.path.includes('*'));
  for (const route of routes) {
    const valid = base[route.path] ?? {};
    for (const name of [...Object.keys(valid), ...extra.filter((n) => route.path === '/xapi/statements' || (n === 'since' && route.method === 'GET') || (n === 'registration' && route.path.endsWith('/state')))]) {
      for (const odd of ODD) {
        const query = new URLSearchParams({ ...valid, [name]: name === 'agent' ? JSON.stringify({ mbox: `mailto:${odd.text}@example.com` }) : odd.text }).toString();
        const url = `${route.path}?${query}`;
        const payload = route.method === 'GET' || route.method === 'DELETE' ? undefined : JSON.stringify(route.path === '/xapi/statements' ? statement() : { page: odd.text });
        const response = await app.inject({ method: route.method as 'GET', url, headers: lrs.headers({ 'content-type': 'application/json' }), ...(payload ? { payload } : {}) });
        assertClean(t, response, `${route.method} ${route.path} with ${odd.name} in ${name}`);
      }
    }
  }
});

t.test('every route of the content origin answers odd values with a 4xx, never a 5xx', async (t) => {
  const tenant = await createTenant(app);
  const courseId = await importPackage(app, tenant.author.email, 'scorm12-single-sco-basic-runtime-golf', 'singlescobasic.zip');
  const session = await learnerSession(app, content, config, tenant.learner.email, courseId);
  const runtimeToken = (await session.open()).token!;
  const routes = routesOf(content).filter((r) => !r.path.startsWith('/test/'));
  t.ok(routes.length >= 5, `${routes.length} routes found`);
  for (const route of routes) {
    for (const odd of ODD) {
      const body = { runtimeData: { cmi: { core: { lesson_location: odd.text }, suspend_data: odd.text } }, commitSequence: Number(odd.text) };
      for (const url of [route.path.replace(/:\w+|\*/g, odd.inUrl), `${route.path.replace(/:\w+/g, runtimeToken).replace('*', 'index.html')}?final=${odd.inUrl}&item=${odd.inUrl}`]) {
        const response = await content.inject({ method: route.method as 'GET', url, ...(route.method === 'POST' ? { payload: body } : {}) });
        assertClean(t, response, `${route.method} ${route.path} with ${odd.name} (${url.slice(0, 80)})`);
      }
    }
  }
});
