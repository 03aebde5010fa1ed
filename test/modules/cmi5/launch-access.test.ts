// A cmi5 launch lives only as long as the access that opened it (issue 10, finding 9): once the learner is
// deactivated or the course archived, the AU's auth token no longer reaches the LRS, its content link stops serving,
// and a new launch is refused. The learner's records stay.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import t from 'tap';
import { buildContentApp } from '../../../src/content/content-app.js';
import { users } from '../../../src/db/schema/index.js';
import { apiToken, bearer, createTenant, withContentApp } from '../../helpers/build-app.js';
import { importCmi5, launch, startCmi5App } from './helpers.js';

const ctx = await withContentApp(await startCmi5App());
t.teardown(() => ctx.close());
const { app, content } = ctx;

/** A launched AU with its auth token, and a way to send one statement as it. */
async function launchedAu(tenant: Awaited<ReturnType<typeof createTenant>>, courseId: string) {
  const learner = await apiToken(app, tenant.learner.email);
  const l = await launch(app, learner, courseId);
  const token = (await app.inject({ method: 'POST', url: l.params.fetch.slice(ctx.appOrigin.length) })).json()['auth-token'] as string;
  const headers = { authorization: `Basic ${token}`, 'x-experience-api-version': '1.0.3' };
  const readPreferences = () =>
    app.inject({ method: 'GET', url: `/xapi/agents/profile?${new URLSearchParams({ profileId: 'cmi5LearnerPreferences', agent: JSON.stringify(l.params.actor) })}`, headers });
  const contentFile = () => content.inject({ method: 'GET', url: l.url.pathname.replace(/[^/]*$/, '') + 'cmi5.xml' });
  return { ...l, learner, headers, readPreferences, contentFile };
}

t.test('deactivating the learner ends their open AU session at the LRS', async (t) => {
  const tenant = await createTenant(app);
  const courseId = await importCmi5(app, tenant, '001-essentials.zip');
  const au = await launchedAu(tenant, courseId);
  t.equal((await au.readPreferences()).statusCode, 404, 'the token works while the learner is active (no preferences yet)');
  const admin = await apiToken(app, tenant.admin.email);
  const off = await app.inject({ method: 'PATCH', url: `/api/users/${tenant.learner.id}`, headers: bearer(admin), payload: { isActive: false } });
  t.equal(off.statusCode, 200, 'the admin deactivates the learner');
  t.equal((await au.readPreferences()).statusCode, 401, 'the AU token is refused at the LRS');
  const statement = { id: randomUUID(), actor: au.params.actor, verb: { id: 'http://adlnet.gov/expapi/verbs/initialized' }, object: { id: au.params.activityId } };
  const sent = await app.inject({ method: 'POST', url: '/xapi/statements', headers: { ...au.headers, 'content-type': 'application/json' }, payload: JSON.stringify(statement) });
  t.equal(sent.statusCode, 401, 'and it stores nothing');
  const [row] = await app.db.select({ isActive: users.isActive }).from(users).where(eq(users.id, tenant.learner.id));
  t.equal(row!.isActive, false);
});

t.test('archiving the course refuses new launches and closes open ones', async (t) => {
  const tenant = await createTenant(app);
  const courseId = await importCmi5(app, tenant, '001-essentials.zip');
  const au = await launchedAu(tenant, courseId);
  t.equal((await au.readPreferences()).statusCode, 404, 'the token works while the course is open');
  t.not((await au.contentFile()).statusCode, 403, 'and so does the content link');
  const admin = await apiToken(app, tenant.admin.email);
  t.equal((await app.inject({ method: 'POST', url: `/api/courses/${courseId}/archive`, headers: bearer(admin) })).statusCode, 200, 'the admin archives the course');
  t.equal((await au.readPreferences()).statusCode, 401, 'the AU token is refused at the LRS');
  // Content answers are cached briefly (15 s); a fresh content app shows the state a minute later shows.
  const fresh = await buildContentApp(ctx.config, { database: ctx.database });
  t.teardown(() => fresh.close());
  const file = await fresh.inject({ method: 'GET', url: au.url.pathname.replace(/[^/]*$/, '') + 'cmi5.xml' });
  t.equal(file.statusCode, 403, 'the content link names the registration and is refused');
  const again = await app.inject({ method: 'POST', url: `/api/registrations/${au.registration}/cmi5/launch`, headers: bearer(au.learner), payload: { au: 0 } });
  t.equal(again.statusCode, 403, 'a new launch is refused');
  t.match(again.json().error.message, 'no longer available');
});
