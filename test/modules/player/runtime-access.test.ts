// Launch links do not outlive access (issue 10, finding 9): a runtime token or a learner's content link keeps
// working only while the learner is active and the course is open. Commits are refused with the SCORM error the
// runtime shows, the runtime page says the course is no longer available, and the package files stop.
import t from 'tap';
import { apiToken, bearer, browser, buildTestAppWithContent, createTenant, type TestTenant } from '../../helpers/build-app.js';
import { GOLF_12, GOLF_2004, importPackage, launchPlayer } from '../../helpers/player.js';

const ctx = await buildTestAppWithContent();
t.teardown(() => ctx.close());
const { app, config, content } = ctx;

const importGolf12 = (email: string) => importPackage(app, email, ...GOLF_12);
const importGolf2004 = (email: string) => importPackage(app, email, ...GOLF_2004);

/** Opens the player as the learner, then the runtime page as the browser would: its token and the content URL it seeds. */
async function launch(email: string, courseId: string) {
  const { registrationId, token, runtimeUrl } = await launchPlayer(app, config, email, courseId);
  const page = await content.inject({ method: 'GET', url: runtimeUrl });
  const seeded = JSON.parse(/<script type="application\/json" id="launch">(.*?)<\/script>/s.exec(page.body)![1]!);
  return { registrationId, token, runtimeUrl, contentPath: (seeded.contentUrl as string).slice(config.contentOrigin.length) };
}

const commit = (token: string, body: unknown, final = false) =>
  content.inject({ method: 'POST', url: `/r/${token}/commit${final ? '?final=true' : ''}`, payload: body as object });
const core = (values: Record<string, string>) => ({ runtimeData: { cmi: { core: values } } });

async function deactivate(tenant: TestTenant) {
  const admin = await apiToken(app, tenant.admin.email);
  const r = await app.inject({ method: 'PATCH', url: `/api/users/${tenant.learner.id}`, headers: bearer(admin), payload: { isActive: false } });
  if (r.statusCode !== 200) throw new Error(`deactivating answered ${r.statusCode}`);
}

async function archive(tenant: TestTenant, courseId: string) {
  const author = await apiToken(app, tenant.author.email);
  const r = await app.inject({ method: 'POST', url: `/api/courses/${courseId}/archive`, headers: bearer(author) });
  if (r.statusCode !== 200) throw new Error(`archiving answered ${r.statusCode}`);
}

async function storedLocation(tenant: TestTenant, id: string) {
  const owner = await apiToken(app, tenant.owner.email);
  return (await app.inject({ method: 'GET', url: `/api/registrations/${id}`, headers: bearer(owner) })).json().data.location as string | null;
}

t.test('a learner deactivated mid-session: commits, the runtime page and the package files are refused', async (t) => {
  const tenant = await createTenant(app);
  const courseId = await importGolf12(tenant.author.email);
  const { registrationId, token, runtimeUrl, contentPath } = await launch(tenant.learner.email, courseId);
  t.same((await commit(token, { ...core({ lesson_status: 'incomplete', lesson_location: '2' }), commitSequence: 1 })).json(), { result: true, errorCode: 0 }, 'the session is under way');

  await deactivate(tenant);

  const refused = await commit(token, { ...core({ lesson_status: 'passed', lesson_location: '3' }), commitSequence: 2 });
  t.equal(refused.statusCode, 403);
  t.same(refused.json(), { result: false, errorCode: 101 }, 'the runtime shows SCORM 1.2 General Exception');
  const final = await commit(token, { ...core({ lesson_status: 'passed', lesson_location: '4' }), commitSequence: 3 }, true);
  t.equal(final.statusCode, 403, 'the final commit too');
  t.equal(await storedLocation(tenant, registrationId), '2', 'nothing after the deactivation was stored');

  const page = await content.inject({ method: 'GET', url: runtimeUrl });
  t.equal(page.statusCode, 403);
  t.match(page.body, /no longer available to you/);
  t.notMatch(page.body, /id="launch"/, 'no runtime is seeded');

  const file = await content.inject({ method: 'GET', url: contentPath });
  t.equal(file.statusCode, 403, 'the launch’s content link no longer serves the package');
});

t.test('a course archived mid-session: its learners’ commits and launches are refused (SCORM 2004 error 391)', async (t) => {
  const tenant = await createTenant(app);
  const courseId = await importGolf2004(tenant.author.email);
  const { registrationId, token, runtimeUrl, contentPath } = await launch(tenant.learner.email, courseId);
  const cmi = (location: string) => ({ runtimeData: { cmi: { completion_status: 'incomplete', location } }, commitSequence: Number(location) });
  t.same((await commit(token, cmi('1'))).json(), { result: true, errorCode: 0 }, 'the session is under way');

  await archive(tenant, courseId);

  const refused = await commit(token, cmi('2'));
  t.equal(refused.statusCode, 403);
  t.same(refused.json(), { result: false, errorCode: 391 }, 'the runtime shows SCORM 2004 General Commit Failure');
  t.equal(await storedLocation(tenant, registrationId), '1', 'nothing after archiving was stored');

  const page = await content.inject({ method: 'GET', url: runtimeUrl });
  t.equal(page.statusCode, 403);
  t.match(page.body, /no longer available to you/);
  t.equal((await content.inject({ method: 'GET', url: contentPath })).statusCode, 403, 'the learner’s content link is closed');

  // An author's preview of the archived course (offered on its page today) still opens.
  const author = await browser(app, { email: tenant.author.email });
  const previewPage = await author.get(`/courses/${courseId}/preview`);
  t.equal(previewPage.statusCode, 200, 'the archived course still has its preview');
  const preview = new RegExp(`${config.contentOrigin}/p/([^"?]+)`).exec(previewPage.body);
  t.ok(preview, 'the preview frames the content origin');
  if (preview) {
    const previewed = await content.inject({ method: 'GET', url: `/c/${preview[1]!}` });
    t.equal(previewed.statusCode, 200, 'the author’s preview content is served');
  }
});

t.test('an active learner of an open course is not affected, and another learner’s deactivation changes nothing', async (t) => {
  const tenant = await createTenant(app);
  const courseId = await importGolf12(tenant.author.email);
  const { token, contentPath } = await launch(tenant.learner.email, courseId);
  const admin = await apiToken(app, tenant.admin.email);
  await app.inject({ method: 'PATCH', url: `/api/users/${tenant.author.id}`, headers: bearer(admin), payload: { isActive: false } });
  t.same((await commit(token, { ...core({ lesson_status: 'incomplete', lesson_location: '5' }), commitSequence: 1 })).json(), { result: true, errorCode: 0 });
  t.equal((await content.inject({ method: 'GET', url: contentPath })).statusCode, 200);
});
