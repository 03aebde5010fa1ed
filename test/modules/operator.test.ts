import t from 'tap';
import { apiToken, bearer, browser, buildTestApp, createOperator, PASSWORD, unique } from '../helpers/build-app.js';

const ctx = await buildTestApp();
t.teardown(() => ctx.close());
const { app } = ctx;
const operator = await createOperator(app);

t.test('the operator signs in to the tenant list and creates a tenant with its first owner', async (t) => {
  const op = await browser(app, { email: operator.email });
  const home = await op.get('/');
  t.equal(home.statusCode, 303);
  t.equal(home.headers.location, '/operator');
  const list = await op.get('/operator');
  t.equal(list.statusCode, 200);
  t.match(list.body, 'Organisations');

  const slug = unique('acme');
  const r = await op.post('/operator/tenants', { name: 'Acme Two', slug, domain: '', ownerEmail: `boss@${slug}.test`, ownerName: 'Boss', ownerPassword: 'boss-password-1' });
  t.equal(r.statusCode, 303);
  const after = await op.get(r.headers.location as string);
  t.match(after.body, 'Acme Two');
  t.match(after.body, 'Its owner can now sign in', 'the list confirms the new organisation');

  const owner = await browser(app, { email: `boss@${slug}.test`, password: 'boss-password-1' });
  t.equal(owner.loginResponse!.statusCode, 303, 'the new owner can sign in');
  const overview = await owner.get('/');
  t.match(overview.body, 'Acme Two');
  t.match(overview.body, 'Organisation overview');
});

t.test('bad or taken tenant details are a 422 with messages, and nothing is created', async (t) => {
  const op = await browser(app, { email: operator.email });
  const slug = unique('dup');
  const first = await op.post('/operator/tenants', { name: 'Dup', slug, ownerEmail: `a@${slug}.test`, ownerName: 'A', ownerPassword: PASSWORD });
  t.equal(first.statusCode, 303);
  const again = await op.post('/operator/tenants', { name: 'Dup again', slug, ownerEmail: `b@${slug}.test`, ownerName: 'B', ownerPassword: PASSWORD });
  t.equal(again.statusCode, 422);
  t.match(again.body, 'already uses this short name');
  const bad = await op.post('/operator/tenants', { name: '', slug: '-Bad Slug-', domain: 'not a host', ownerEmail: 'x', ownerName: '', ownerPassword: 'short' });
  t.equal(bad.statusCode, 422);
  for (const message of ['Enter the organisation', 'lower-case letters', 'Enter a host name', 'valid email', 'Enter a name', 'at least 10']) t.match(bad.body, message);
  const token = await apiToken(app, operator.email);
  const list = await app.inject({ method: 'GET', url: `/api/tenants?q=${slug}`, headers: bearer(token) });
  t.equal(list.json().data.total, 1, 'the refused tenant was not created');
  const ownerless = await (await browser(app)).post('/login', { email: `b@${slug}.test`, password: PASSWORD });
  t.equal(ownerless.statusCode, 401, 'nor its owner');
});

t.test('the tenant API lists with user counts and creates', async (t) => {
  const token = await apiToken(app, operator.email);
  const slug = unique('api');
  const created = await app.inject({ method: 'POST', url: '/api/tenants', headers: bearer(token), payload: { name: 'API Org', slug, domain: `${slug}.example.com`, ownerEmail: `o@${slug}.test`, ownerName: 'O', ownerPassword: PASSWORD } });
  t.equal(created.statusCode, 201);
  t.match(created.json().data, { tenant: { slug, domain: `${slug}.example.com` }, owner: { role: 'owner', email: `o@${slug}.test` } });
  t.notOk('passwordHash' in created.json().data.owner);
  const list = await app.inject({ method: 'GET', url: `/api/tenants?q=${slug}`, headers: bearer(token) });
  t.match(list.json().data.items[0], { slug, userCount: 1 });
  const sameDomain = await app.inject({ method: 'POST', url: '/api/tenants', headers: bearer(token), payload: { name: 'Other', slug: unique('other'), domain: `${slug}.EXAMPLE.com`, ownerEmail: 'o@o.test', ownerName: 'O', ownerPassword: PASSWORD } });
  t.equal(sameDomain.statusCode, 422);
  t.match(sameDomain.json().error.details.domain, 'already uses this domain');
});
