import t from 'tap';
import { loadConfig } from '../../src/config.js';
import { apiToken, bearer, browser, buildTestApp, createOperator, createTenant } from '../helpers/build-app.js';

const HEALTH_TOKEN = 'health-token-for-the-monitor-0123456789';
const ctx = await buildTestApp({ healthToken: HEALTH_TOKEN });
t.teardown(() => ctx.close());
const { app } = ctx;

t.test('GET /health tells anyone status, version, uptime and database status and latency, and nothing more', async (t) => {
  await createTenant(app);
  const response = await app.inject({ method: 'GET', url: '/health' });
  t.equal(response.statusCode, 200);
  t.equal(response.headers['cache-control'], 'no-store');
  const body = response.json();
  t.equal(body.status, 'ok');
  t.match(body.version, /^\d+\.\d+\.\d+/);
  t.type(body.uptimeSeconds, 'number');
  t.equal(body.database.status, 'ok');
  t.type(body.database.latencyMs, 'number');
  t.same(Object.keys(body).sort(), ['database', 'status', 'uptimeSeconds', 'version'], 'no tenant or user counts');
  t.same(Object.keys(body.database).sort(), ['latencyMs', 'status']);
});

t.test('signed-in people who are not the platform operator get the public answer', async (t) => {
  const tenant = await createTenant(app);
  const owner = await browser(app, { email: tenant.owner.email });
  t.notOk((await owner.get('/health')).json().counts, 'an owner’s session');
  const token = await apiToken(app, tenant.owner.email);
  t.notOk((await app.inject({ method: 'GET', url: '/health', headers: bearer(token) })).json().counts, 'an owner’s API token');
});

t.test('a wrong or malformed health token gets the public answer', async (t) => {
  for (const authorization of [
    `Bearer ${HEALTH_TOKEN.slice(0, -1)}x`,
    `Bearer ${HEALTH_TOKEN.slice(0, -1)}`,
    `Bearer ${HEALTH_TOKEN}x`,
    `Basic ${Buffer.from(`x:${HEALTH_TOKEN}`).toString('base64')}`,
    HEALTH_TOKEN,
    'Bearer',
  ]) {
    const response = await app.inject({ method: 'GET', url: '/health', headers: { authorization } });
    t.equal(response.statusCode, 200, `${authorization.slice(0, 12)}…: still answered`);
    t.notOk(response.json().counts, `${authorization.slice(0, 12)}…: no counts`);
  }
});

t.test('the monitor with HEALTH_TOKEN and the signed-in operator also get counts and the driver', async (t) => {
  await createTenant(app);
  const monitor = await app.inject({ method: 'GET', url: '/health', headers: bearer(HEALTH_TOKEN) });
  t.equal(monitor.statusCode, 200);
  const body = monitor.json();
  t.ok(body.counts.tenants >= 1, 'counts the tenant just made');
  t.ok(body.counts.users >= 4, 'counts its four users');
  t.equal(body.database.driver, ctx.database.driver);

  const operator = await createOperator(app);
  const session = await browser(app, { email: operator.email });
  t.ok((await session.get('/health')).json().counts.tenants >= 1, 'the operator’s session');
  const token = await apiToken(app, operator.email);
  t.ok((await app.inject({ method: 'GET', url: '/health', headers: bearer(token) })).json().counts.tenants >= 1, 'the operator’s API token');
});

t.test('without HEALTH_TOKEN configured no bearer value opens the counts', async (t) => {
  const plain = await buildTestApp();
  t.teardown(() => plain.close());
  t.equal(plain.config.healthToken, null);
  for (const value of ['', 'null', 'undefined', HEALTH_TOKEN]) {
    const response = await plain.app.inject({ method: 'GET', url: '/health', headers: { authorization: `Bearer ${value}` } });
    t.notOk(response.json().counts, `Bearer "${value}"`);
  }
});

t.test('HEALTH_TOKEN is read from the environment and must be long enough to be a secret', async (t) => {
  t.equal(loadConfig({ NODE_ENV: 'test', HEALTH_TOKEN: HEALTH_TOKEN }).healthToken, HEALTH_TOKEN);
  t.equal(loadConfig({ NODE_ENV: 'test' }).healthToken, null);
  t.throws(() => loadConfig({ NODE_ENV: 'test', HEALTH_TOKEN: 'short' }), /HEALTH_TOKEN must be at least 32 characters/);
});

t.test('GET /health answers 503 when the database is gone, to the monitor too', async (t) => {
  const broken = await buildTestApp({ healthToken: HEALTH_TOKEN });
  await broken.database.close();
  for (const headers of [{}, bearer(HEALTH_TOKEN), bearer('sst_not-a-real-token')]) {
    const response = await broken.app.inject({ method: 'GET', url: '/health', headers });
    t.equal(response.statusCode, 503);
    t.equal(response.json().database.status, 'error');
    t.notOk(response.json().counts);
  }
  await broken.app.close();
});
