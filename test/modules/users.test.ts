import t from 'tap';
import { apiToken, bearer, browser, buildTestApp, createTenant, PASSWORD } from '../helpers/build-app.js';

const ctx = await buildTestApp();
t.teardown(() => ctx.close());
const { app } = ctx;

t.test('an admin adds a user through the form; the new user can sign in', async (t) => {
  const tenant = await createTenant(app);
  const admin = await browser(app, { email: tenant.admin.email });
  const form = await admin.get('/admin/users/new');
  t.equal(form.statusCode, 200);
  const email = `Mia.New@${tenant.slug}.test`;
  const r = await admin.post('/admin/users', { email, displayName: 'Mia New', role: 'author', password: 'mia-password-1' });
  t.equal(r.statusCode, 303);
  const page = await admin.get(r.headers.location as string);
  t.match(page.body, 'Mia New');
  t.match(page.body, email.toLowerCase(), 'emails are stored lower-case');
  const mia = await browser(app, { email, password: 'mia-password-1' });
  t.equal(mia.loginResponse!.statusCode, 303);
});

t.test('bad input re-renders the form with a message per field (422), keeping what was typed', async (t) => {
  const tenant = await createTenant(app);
  const admin = await browser(app, { email: tenant.admin.email });
  const r = await admin.post('/admin/users', { email: 'nope', displayName: 'Kept Name', role: 'wizard', password: 'short' });
  t.equal(r.statusCode, 422);
  t.match(r.body, 'Enter a valid email address');
  t.match(r.body, 'Choose a role');
  t.match(r.body, 'Use at least 10 characters');
  t.match(r.body, 'value="Kept Name"');
  t.notMatch(r.body, 'value="short"', 'the password is not echoed back');
  const dup = await admin.post('/admin/users', { email: tenant.learner.email, displayName: 'Dup', role: 'learner', password: PASSWORD });
  t.equal(dup.statusCode, 422);
  t.match(dup.body, 'already uses this email');
});

t.test('the API validates too, with field details', async (t) => {
  const tenant = await createTenant(app);
  const token = await apiToken(app, tenant.admin.email);
  const r = await app.inject({ method: 'POST', url: '/api/users', headers: bearer(token), payload: { email: tenant.learner.email.toUpperCase(), displayName: 'Dup', role: 'learner', password: PASSWORD } });
  t.equal(r.statusCode, 422);
  t.same(r.json().error, { code: 'VALIDATION_FAILED', message: 'Some fields need attention.', details: { email: 'Someone in your organisation already uses this email.' } });
  const badRole = await app.inject({ method: 'POST', url: '/api/users', headers: bearer(token), payload: { email: 'a@b.test', displayName: 'A', role: 'operator', password: PASSWORD } });
  t.equal(badRole.statusCode, 400, 'operator is not a tenant role');
});

t.test('admins cannot create or change owners; owners can', async (t) => {
  const tenant = await createTenant(app);
  const adminToken = await apiToken(app, tenant.admin.email);
  const r = await app.inject({ method: 'POST', url: '/api/users', headers: bearer(adminToken), payload: { email: `o2@${tenant.slug}.test`, displayName: 'O2', role: 'owner', password: PASSWORD } });
  t.equal(r.statusCode, 422);
  const demote = await app.inject({ method: 'PATCH', url: `/api/users/${tenant.owner.id}`, headers: bearer(adminToken), payload: { role: 'learner' } });
  t.equal(demote.statusCode, 403);
  const ownerToken = await apiToken(app, tenant.owner.email);
  const promote = await app.inject({ method: 'PATCH', url: `/api/users/${tenant.admin.id}`, headers: bearer(ownerToken), payload: { role: 'owner' } });
  t.equal(promote.statusCode, 200);
  t.equal(promote.json().data.role, 'owner');
});

t.test('nobody can deactivate themselves or change their own role; the last owner stays', async (t) => {
  const tenant = await createTenant(app);
  const ownerToken = await apiToken(app, tenant.owner.email);
  const self = await app.inject({ method: 'PATCH', url: `/api/users/${tenant.owner.id}`, headers: bearer(ownerToken), payload: { isActive: false } });
  t.equal(self.statusCode, 422);
  t.match(self.json().error.details.isActive, 'cannot deactivate yourself');
  const selfRole = await app.inject({ method: 'PATCH', url: `/api/users/${tenant.owner.id}`, headers: bearer(ownerToken), payload: { role: 'learner' } });
  t.equal(selfRole.statusCode, 422);

  // Make the admin an owner, then let them try to remove the original owner and themselves.
  await app.inject({ method: 'PATCH', url: `/api/users/${tenant.admin.id}`, headers: bearer(ownerToken), payload: { role: 'owner' } });
  const secondOwnerToken = await apiToken(app, tenant.admin.email);
  const first = await app.inject({ method: 'PATCH', url: `/api/users/${tenant.owner.id}`, headers: bearer(secondOwnerToken), payload: { isActive: false } });
  t.equal(first.statusCode, 200, 'one of two owners can be deactivated');
  const count = await app.inject({ method: 'GET', url: '/api/users?role=owner', headers: bearer(secondOwnerToken) });
  t.equal(count.json().data.items.filter((u: { isActive: boolean }) => u.isActive).length, 1, 'one active owner remains');
});

t.test('the users page lists, searches and filters', async (t) => {
  const tenant = await createTenant(app);
  const admin = await browser(app, { email: tenant.admin.email });
  const all = await admin.get('/admin/users');
  for (const u of [tenant.owner, tenant.admin, tenant.author, tenant.learner]) t.match(all.body, u.email);
  const learners = await admin.get('/admin/users?role=learner');
  t.match(learners.body, tenant.learner.email);
  t.notMatch(learners.body, tenant.author.email);
  const search = await admin.get(`/admin/users?q=${encodeURIComponent('author@')}`);
  t.match(search.body, tenant.author.email);
  t.notMatch(search.body, tenant.learner.email);
  const wild = await admin.get('/admin/users?q=%25');
  t.equal(wild.statusCode, 200, 'a % in the search is matched literally, not as a wildcard');
  t.notMatch(wild.body, tenant.learner.email);
});

t.test('changing a password checks the current one and ends other sign-ins', async (t) => {
  const tenant = await createTenant(app);
  const here = await browser(app, { email: tenant.learner.email });
  const elsewhere = await browser(app, { email: tenant.learner.email });
  const token = await apiToken(app, tenant.learner.email);

  const wrong = await here.post('/account/password', { currentPassword: 'not-it-at-all', newPassword: 'next-password-1', confirmPassword: 'next-password-1' });
  t.equal(wrong.statusCode, 422);
  t.match(wrong.body, 'current password is not correct');
  const mismatch = await here.post('/account/password', { currentPassword: PASSWORD, newPassword: 'next-password-1', confirmPassword: 'next-password-2' });
  t.equal(mismatch.statusCode, 422);
  t.match(mismatch.body, 'do not match');

  const ok = await here.post('/account/password', { currentPassword: PASSWORD, newPassword: 'next-password-1', confirmPassword: 'next-password-1' });
  t.equal(ok.statusCode, 200);
  t.match(ok.body, 'Your password has been changed');
  t.equal((await here.get('/')).statusCode, 200, 'this session stays signed in');
  t.equal((await elsewhere.get('/')).statusCode, 303, 'the other browser is signed out');
  t.equal((await app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) })).statusCode, 401, 'old API tokens stop');
  const old = await (await browser(app)).post('/login', { email: tenant.learner.email, password: PASSWORD });
  t.equal(old.statusCode, 401);
  const fresh = await browser(app, { email: tenant.learner.email, password: 'next-password-1' });
  t.equal(fresh.loginResponse!.statusCode, 303);
});
