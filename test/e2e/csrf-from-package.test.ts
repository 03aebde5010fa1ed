// The attack an outside review made work: an owner previews a package written by an author of *another* tenant,
// and the package makes the owner's browser create an owner account in the owner's tenant. It did so by planting a
// CSRF cookie (whose token it had fetched anonymously beforehand) from the content origin, which shared the app's
// site, and posting forms and credentialed fetches that carried the owner's SameSite=Lax session cookie.
// Three layers stop it now, and each is tested on its own here: the content origin is another site by default
// (so nothing is planted and no session cookie rides along), every cookie-authenticated state change checks Origin,
// and CSRF tokens are bound to the session they were minted for.
import { and, eq, like } from 'drizzle-orm';
import t, { type Test } from 'tap';
import { auditEvents, users } from '../../src/db/schema/index.js';
import { apiToken, bearer, createTenant, type TestContext } from '../helpers/build-app.js';
import { launchChromium, screenshot } from '../helpers/chromium.js';
import { multipartFile, singleScoPackage } from '../helpers/fixtures.js';
import { signIn, startLiveServers } from '../helpers/live-servers.js';

const chromium = await launchChromium();
t.teardown(() => chromium.close());

/** A cookie and token pair as an attacker gets it: an anonymous GET of the sign-in page from their own machine. */
async function anonymousCsrfPair(appOrigin: string) {
  const response = await fetch(`${appOrigin}/login`);
  const cookie = response.headers.getSetCookie().map((c) => c.split(';')[0]!).find((c) => /sun_csrf=/.test(c));
  const token = /name="_csrf" value="([^"]+)"/.exec(await response.text())?.[1];
  if (!cookie || !token) throw new Error('the sign-in page gave no CSRF cookie and token');
  return { cookie, token };
}

function hostilePackage(appOrigin: string, pair: { cookie: string; token: string }, victimUserId: string) {
  const page = `<!doctype html><html><head><title>Lesson</title></head><body><h1>Lesson 1</h1>
<iframe name="sink" style="display:none"></iframe><script>
const APP = ${JSON.stringify(appOrigin)};
const PAIR = ${JSON.stringify(pair)};
// Plant the attacker's CSRF cookie where the app would read it (works only if this origin shares the app's site).
for (const path of ['/', '/admin', '/admin/users', '/admin/users/${victimUserId}']) document.cookie = PAIR.cookie + '; path=' + path;
const owner = { email: 'planted-owner@evil.test', displayName: 'Planted', role: 'owner', password: 'planted-password-1', _csrf: PAIR.token };
const promote = { displayName: 'Promoted', role: 'owner', isActive: 'true', _csrf: PAIR.token };
function formPost(action, fields) {
  return new Promise((resolve) => {
    const form = document.createElement('form');
    form.method = 'post'; form.action = APP + action; form.target = 'sink';
    for (const [k, v] of Object.entries(fields)) { const i = document.createElement('input'); i.name = k; i.value = v; form.appendChild(i); }
    document.body.appendChild(form);
    const sink = document.querySelector('iframe[name=sink]');
    sink.addEventListener('load', () => resolve('loaded'), { once: true });
    setTimeout(() => resolve('timeout'), 4000);
    form.submit();
  });
}
function fetchPost(action, fields, extra) {
  return fetch(APP + action, { method: 'POST', mode: 'no-cors', credentials: 'include', body: new URLSearchParams(fields), ...extra })
    .then(() => 'sent', (e) => 'blocked:' + e.name);
}
(async () => {
  const out = { cookie: document.cookie };
  out.form = await formPost('/admin/users', owner);
  out.fetch = await fetchPost('/admin/users', { ...owner, email: 'fetched-owner@evil.test' });
  out.noReferrer = await fetchPost('/admin/users', { ...owner, email: 'noref-owner@evil.test' }, { referrerPolicy: 'no-referrer' });
  out.promote = await formPost('/admin/users/${victimUserId}', promote);
  out.promoteFetch = await fetchPost('/admin/users/${victimUserId}', promote);
  document.body.dataset.result = JSON.stringify(out);
})();
</script></body></html>`;
  return singleScoPackage(page);
}

/** Imports the hostile package into the victim tenant, plays it in the owner's preview, and says what changed. */
async function playAsOwner(t: Test, live: { ctx: TestContext; appOrigin: string }, name: string) {
  const { ctx, appOrigin } = live;
  const tenant = await createTenant(ctx.app);
  const token = await apiToken(ctx.app, tenant.admin.email);
  const pair = await anonymousCsrfPair(appOrigin);
  const body = multipartFile(hostilePackage(appOrigin, pair, tenant.learner.id));
  const imported = await ctx.app.inject({ method: 'POST', url: '/api/courses', headers: { ...bearer(token), ...body.headers }, payload: body.payload });
  t.equal(imported.statusCode, 201, 'the package imports');
  const courseId = imported.json().data.course.id;

  const context = await chromium.createBrowserContext();
  try {
    const page = await context.newPage();
    await signIn(page, appOrigin, tenant.owner.email);
    t.match(page.url(), appOrigin, 'the owner is signed in');
    const before = await ctx.app.db.select().from(auditEvents).where(eq(auditEvents.tenantId, tenant.id));
    const [learnerBefore] = await ctx.app.db.select().from(users).where(eq(users.id, tenant.learner.id));
    await page.goto(`${appOrigin}/courses/${courseId}/preview`);
    const wrapper = await (await page.waitForSelector('iframe.content-frame'))!.contentFrame();
    const frame = await (await wrapper!.waitForSelector('iframe'))!.contentFrame();
    await frame!.waitForSelector('body[data-result]', { timeout: 30_000 });
    const result = JSON.parse((await frame!.$eval('body', (b) => b.dataset.result))!);
    await screenshot(page, `csrf-from-package-${name}`);
    t.comment(`${name}: ${JSON.stringify(result)}`);

    const planted = await ctx.app.db.select().from(users).where(and(eq(users.tenantId, tenant.id), like(users.email, '%@evil.test')));
    t.same(planted.map((u) => u.email), [], 'no account was created');
    const [learner] = await ctx.app.db.select().from(users).where(eq(users.id, tenant.learner.id));
    t.equal(learner!.role, 'learner', 'no role was changed');
    t.equal(learner!.displayName, learnerBefore!.displayName, 'nothing about the user was changed');
    const after = await ctx.app.db.select().from(auditEvents).where(eq(auditEvents.tenantId, tenant.id));
    t.same(after.filter((e) => !before.some((b) => b.id === e.id)).map((e) => e.action), [], 'no audit row was written');
  } finally {
    await context.close();
  }
}

t.test('by default the package plays on another site: nothing is planted and no session cookie rides along', async (t) => {
  const live = await startLiveServers({ chromium });
  t.teardown(() => live.close());
  t.not(new URL(live.contentOrigin).hostname, new URL(live.appOrigin).hostname, 'the content origin is another site');
  await playAsOwner(t, live, 'default');
});

t.test('with content misconfigured on the same site, the Origin check and session-bound tokens still stop it', async (t) => {
  const live = await startLiveServers({ chromium, contentHost: '127.0.0.1' });
  t.teardown(() => live.close());
  t.equal(new URL(live.contentOrigin).hostname, new URL(live.appOrigin).hostname, 'the content origin shares the site');
  await playAsOwner(t, live, 'same-site');
});
