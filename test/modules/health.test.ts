import t from 'tap';
import { buildTestApp, createTenant } from '../helpers/build-app.js';

const ctx = await buildTestApp();
t.teardown(() => ctx.close());

t.test('GET /health reports status, version, uptime, database and counts', async (t) => {
  await createTenant(ctx.app);
  const response = await ctx.app.inject({ method: 'GET', url: '/health' });
  t.equal(response.statusCode, 200);
  t.equal(response.headers['cache-control'], 'no-store');
  const body = response.json();
  t.equal(body.status, 'ok');
  t.match(body.version, /^\d+\.\d+\.\d+/);
  t.type(body.uptimeSeconds, 'number');
  t.equal(body.database.status, 'ok');
  t.equal(body.database.driver, ctx.database.driver);
  t.type(body.database.latencyMs, 'number');
  t.ok(body.counts.tenants >= 1, 'counts the tenant just made');
  t.ok(body.counts.users >= 4, 'counts its four users');
});

t.test('GET /health answers 503 when the database is gone', async (t) => {
  const broken = await buildTestApp();
  await broken.database.close();
  const response = await broken.app.inject({ method: 'GET', url: '/health' });
  t.equal(response.statusCode, 503);
  t.equal(response.json().database.status, 'error');
  await broken.app.close();
});
