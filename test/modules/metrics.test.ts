import { randomUUID } from 'node:crypto';
import t from 'tap';
import { loadConfig } from '../../src/config.js';
import { buildContentApp } from '../../src/content/content-app.js';
import { ValidationError } from '../../src/lib/errors.js';
import { apiToken, bearer, browser, buildTestApp, createOperator, createTenant, unique } from '../helpers/build-app.js';

const METRICS_TOKEN = 'metrics-token-for-the-scraper-0123456789';
// A job kind of this test's own, run by the app's real job runner: one run succeeds, one fails.
const KIND = 'test.metrics';
const ctx = await buildTestApp(
  { metricsToken: METRICS_TOKEN },
  {
    extend: (app) =>
      app.jobs.register(KIND, async (job) => {
        if (job.input.fail) throw new ValidationError({}, 'the test asked this run to fail');
        return { ok: true };
      }),
  },
);
t.teardown(() => ctx.close());
const { app } = ctx;

const scrape = async () => {
  const response = await app.inject({ method: 'GET', url: '/metrics', headers: bearer(METRICS_TOKEN) });
  if (response.statusCode !== 200) throw new Error(`scrape failed: ${response.statusCode}`);
  return response.body;
};

/** The value of one sample line, found by name and labels (in any order), or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

t.test('/metrics is a 404 to anyone without the token or an operator’s session, like any unknown URL', async (t) => {
  const unknown = await app.inject({ method: 'GET', url: `/${unique('nothing-here')}` });
  const anonymous = await app.inject({ method: 'GET', url: '/metrics' });
  t.equal(anonymous.statusCode, 404, 'anonymous');
  // The same page (its per-request CSRF token aside) and the same headers (date and cookie aside).
  const page = (body: string) => body.replace(/"x-csrf-token": "[^"]+"/, '');
  t.equal(page(anonymous.body), page(unknown.body), 'the same page as a URL that does not exist');
  const headers = (response: typeof unknown) => Object.keys(response.headers).filter((name) => name !== 'date').sort();
  t.same(headers(anonymous), headers(unknown), 'the same headers');
  t.notMatch(anonymous.body, /# TYPE/);

  for (const authorization of [`Bearer ${METRICS_TOKEN.slice(0, -1)}x`, `Bearer ${METRICS_TOKEN}x`, METRICS_TOKEN, 'Bearer']) {
    const response = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization } });
    t.equal(response.statusCode, 404, `${authorization.slice(0, 12)}…`);
  }

  const tenant = await createTenant(app);
  const owner = await browser(app, { email: tenant.owner.email });
  t.equal((await owner.get('/metrics')).statusCode, 404, 'a tenant owner’s session');
  const token = await apiToken(app, tenant.owner.email);
  t.equal((await app.inject({ method: 'GET', url: '/metrics', headers: bearer(token) })).statusCode, 404, 'a tenant owner’s API token');
});

t.test('the scraper with METRICS_TOKEN and the signed-in operator get Prometheus text', async (t) => {
  const response = await app.inject({ method: 'GET', url: '/metrics', headers: bearer(METRICS_TOKEN) });
  t.equal(response.statusCode, 200, 'the token');
  t.match(response.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  t.equal(response.headers['cache-control'], 'no-store');

  const operator = await createOperator(app);
  const session = await browser(app, { email: operator.email });
  const viaSession = await session.get('/metrics');
  t.equal(viaSession.statusCode, 200, 'the operator’s session');
  t.match(viaSession.body, /# TYPE sunscorm_http_requests_total counter/);
  const token = await apiToken(app, operator.email);
  t.equal((await app.inject({ method: 'GET', url: '/metrics', headers: bearer(token) })).statusCode, 200, 'the operator’s API token');
});

t.test('the text parses: every sample belongs to a metric with # HELP and # TYPE; process metrics are there', async (t) => {
  const text = await scrape();
  const declared = new Map<string, string>();
  const helped = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const help = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$/.exec(line);
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (help) helped.add(help[1]!);
    else if (type) declared.set(type[1]!, type[2]!);
    else {
      // prom-client writes NaN as `Nan`; Prometheus reads NaN in any case (Go's ParseFloat).
      const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.e+-]+|[Nn]a[Nn]|[+-]Inf)$/.exec(line);
      t.ok(sampleLine, `a well-formed sample line: ${line}`);
      if (!sampleLine) continue;
      const family = sampleLine[1]!.replace(/_(bucket|sum|count)$/, '');
      t.ok(declared.has(sampleLine[1]!) || declared.has(family), `${sampleLine[1]} has a # TYPE line`);
    }
  }
  for (const name of declared.keys()) t.ok(helped.has(name), `${name} has a # HELP line`);
  for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'sunscorm_http_request_duration_seconds', 'sunscorm_db_pool_max_connections']) {
    t.ok(declared.has(name), `has ${name}`);
  }
  t.equal(sample(text, 'sunscorm_db_pool_max_connections', { driver: ctx.database.driver }), ctx.database.driver === 'pglite' ? 1 : ctx.database.poolSize);
});

t.test('requests are counted by route pattern, method and status class, never by raw URL', async (t) => {
  const tenant = await createTenant(app);
  const token = await apiToken(app, tenant.owner.email);
  const ids = [randomUUID(), randomUUID()];
  for (const id of ids) {
    const response = await app.inject({ method: 'GET', url: `/api/courses/${id}?x=${id}`, headers: bearer(token) });
    t.equal(response.statusCode, 404);
  }
  const stray = `/${unique('no-such-page')}/${ids[0]}`;
  t.equal((await app.inject({ method: 'GET', url: stray })).statusCode, 404);

  const text = await scrape();
  const labels = { origin: 'app', method: 'GET', route: '/api/courses/:id', status_class: '4xx' };
  t.ok((sample(text, 'sunscorm_http_requests_total', labels) ?? 0) >= 2, 'the course lookups, under their pattern');
  t.ok((sample(text, 'sunscorm_http_request_duration_seconds_count', labels) ?? 0) >= 2, 'and their latency');
  t.ok(sample(text, 'sunscorm_http_request_duration_seconds_bucket', { ...labels, le: '+Inf' }), 'latency buckets');
  t.ok((sample(text, 'sunscorm_http_requests_total', { origin: 'app', method: 'GET', route: 'unmatched', status_class: '4xx' }) ?? 0) >= 1, 'a URL matching no route');
  for (const id of ids) t.notMatch(text, id, 'no raw id in any label');
  t.notMatch(text, 'no-such-page', 'no raw unknown path');
});

t.test('the content origin’s requests are counted too, under origin="content"', async (t) => {
  const content = await buildContentApp(ctx.config, { database: ctx.database, countRequests: app.metrics.countRequests });
  t.teardown(() => content.close());
  const token = unique('forged');
  t.equal((await content.inject({ method: 'GET', url: `/c/${token}/index.html` })).statusCode, 403);

  const text = await scrape();
  t.ok((sample(text, 'sunscorm_http_requests_total', { origin: 'content', method: 'GET', route: '/c/:token/*', status_class: '4xx' }) ?? 0) >= 1);
  t.notOk(sample(text, 'sunscorm_http_requests_total', { origin: 'app', route: '/c/:token/*' }), 'not mixed with the app’s');
  t.notMatch(text, token, 'no raw token in any label');
});

t.test('job runs, failures and durations are counted by kind', async (t) => {
  const tenant = await createTenant(app);
  const before = await scrape();
  const runs = (text: string) => sample(text, 'sunscorm_job_runs_total', { kind: KIND }) ?? 0;
  const failures = (text: string) => sample(text, 'sunscorm_job_failures_total', { kind: KIND }) ?? 0;
  await app.jobs.enqueue({ tenantId: tenant.id, kind: KIND, input: {}, createdBy: null });
  await app.jobs.enqueue({ tenantId: tenant.id, kind: KIND, input: { fail: true }, createdBy: null });
  await app.jobs.idle();

  const after = await scrape();
  t.equal(runs(after) - runs(before), 2, 'two runs');
  t.equal(failures(after) - failures(before), 1, 'one of them failed');
  t.ok((sample(after, 'sunscorm_job_duration_seconds_count', { kind: KIND }) ?? 0) >= 2, 'their durations');
});

t.test('the database pool is described for the driver in use', async (t) => {
  const text = await scrape();
  if (ctx.database.driver === 'pglite') {
    t.match(text, /# HELP sunscorm_db_pool_max_connections .*PGlite/, 'PGlite says it is one connection');
    t.notMatch(text, /sunscorm_db_connections/, 'PGlite has no pool to look into');
  } else {
    const active = sample(text, 'sunscorm_db_connections', { state: 'active' }) ?? 0;
    t.ok(active >= 1, 'at least the connection that answered the scrape is active');
    t.ok(active <= ctx.database.poolSize, 'no more than this pool can hold: another pool’s connections are not counted');
  }
});

t.test('METRICS_TOKEN is read from the environment and must be long enough to be a secret', async (t) => {
  t.equal(loadConfig({ NODE_ENV: 'test', METRICS_TOKEN }).metricsToken, METRICS_TOKEN);
  t.equal(loadConfig({ NODE_ENV: 'test' }).metricsToken, null);
  t.throws(() => loadConfig({ NODE_ENV: 'test', METRICS_TOKEN: 'short' }), /METRICS_TOKEN must be at least 32 characters/);
});

t.test('without METRICS_TOKEN configured no bearer value opens /metrics', async (t) => {
  const plain = await buildTestApp();
  t.teardown(() => plain.close());
  for (const value of ['', 'null', 'undefined', METRICS_TOKEN]) {
    const response = await plain.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${value}` } });
    t.equal(response.statusCode, 404, `Bearer "${value}"`);
  }
});
