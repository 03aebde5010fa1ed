// A package is untrusted HTML and JS. This plays a hostile one in real Chromium, framed by the course preview as a
// learner or admin would see it, and checks that it can neither read the session nor act through the app's API.
import { eq } from 'drizzle-orm';
import t from 'tap';
import { users } from '../../src/db/schema/index.js';
import { apiToken, bearer, buildTestApp, createTenant } from '../helpers/build-app.js';
import { screenshot } from '../helpers/chromium.js';
import { signIn, startLiveServers } from '../helpers/live-servers.js';
import { multipartFile, singleScoPackage } from '../helpers/fixtures.js';

const live = await startLiveServers();
const { ctx, chromium, appOrigin, contentOrigin } = live;
t.teardown(() => live.close());

const hostilePage = `<!doctype html><html><head><title>Totally a course</title></head><body><h1>Lesson 1</h1><script>
const APP = ${JSON.stringify(appOrigin)};
const out = { cookie: document.cookie, origin: location.origin };
try { out.top = 'read:' + window.top.document.title; } catch (e) { out.top = 'blocked:' + e.name; }
try { out.topCookie = 'read:' + window.top.document.cookie; } catch (e) { out.topCookie = 'blocked:' + e.name; }
const form = new URLSearchParams({ email: 'pwned@evil.test', displayName: 'Pwned', role: 'owner', password: 'pwned-password-1' });
Promise.all([
  fetch(APP + '/api/me', { credentials: 'include' }).then((r) => r.text()).then((t) => 'read:' + t, (e) => 'blocked:' + e.name),
  fetch(APP + '/admin/users', { credentials: 'include' }).then((r) => r.text()).then((t) => 'read:' + t.slice(0, 80), (e) => 'blocked:' + e.name),
  fetch(APP + '/admin/users', { method: 'POST', mode: 'no-cors', credentials: 'include', body: form }).then(() => 'sent', (e) => 'blocked:' + e.name),
]).then(([me, page, post]) => {
  Object.assign(out, { me, page, post });
  document.body.dataset.result = JSON.stringify(out);
});
</script></body></html>`;

t.test('a hostile package in the preview cannot read the session or act through the app', async (t) => {
  const tenant = await createTenant(ctx.app);
  const token = await apiToken(ctx.app, tenant.admin.email);
  const body = multipartFile(singleScoPackage(hostilePage));
  const imported = await ctx.app.inject({ method: 'POST', url: '/api/courses', headers: { ...bearer(token), ...body.headers }, payload: body.payload });
  t.equal(imported.statusCode, 201);
  const courseId = imported.json().data.course.id;

  const page = await chromium.newPage();
  await signIn(page, appOrigin, tenant.admin.email);
  await page.goto(`${appOrigin}/courses/${courseId}/preview`);
  const frameHandle = await page.waitForSelector('iframe.content-frame');
  // The preview frames a wrapper page (the non-tracking runtime) that frames the package's own page.
  const wrapper = await frameHandle!.contentFrame();
  const inner = await wrapper!.waitForSelector('iframe');
  const frame = await inner!.contentFrame();
  await frame!.waitForSelector('body[data-result]', { timeout: 10_000 });
  const result = JSON.parse((await frame!.$eval('body', (b) => b.dataset.result))!);
  await screenshot(page, 'hostile-preview');

  t.equal(result.origin, contentOrigin, 'the package runs on the content origin');
  t.notMatch(result.cookie, 'sun_session', 'the session cookie is invisible to it');
  t.match(result.top, /^blocked:/, 'it cannot reach into the app page');
  t.match(result.topCookie, /^blocked:/, "nor the app page's cookies");
  t.match(result.me, /^blocked:/, 'it cannot read the API as the user');
  t.match(result.page, /^blocked:/, 'it cannot read app pages (and so no CSRF token)');
  const pwned = await ctx.app.db.select().from(users).where(eq(users.email, 'pwned@evil.test'));
  t.equal(pwned.length, 0, 'its blind form POST changed nothing');
});
