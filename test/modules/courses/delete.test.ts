// Deleting a course must never take learners' results with it: they are the customer's compliance evidence.
// Deleting removes the content and takes the course out of every list; the learner records stay and stay
// reportable. Only an owner may purge them, in a separate action with a typed confirmation.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import t from 'tap';
import { auditEvents, cmi5Sessions, courses, registrations, scoAttempts, scoInteractions, xapiDocuments, xapiStatements } from '../../../src/db/schema/index.js';
import { apiToken, bearer, browser, buildTestAppWithContent, createTenant, csrfFrom, type TestTenant } from '../../helpers/build-app.js';
import { cmi5Fixture, fixtureZip, multipartFile } from '../../helpers/fixtures.js';
import { GOLF_12, launchPlayer } from '../../helpers/player.js';

const ctx = await buildTestAppWithContent();
t.teardown(() => ctx.close());
const { app, config, content } = ctx;

/** A signed-in browser whose CSRF token is the one its session's pages carry (tokens are bound to the session). */
async function signedIn(email: string) {
  const b = await browser(app, { email });
  b.csrf = csrfFrom((await b.get('/')).body);
  return b;
}

const api = async (email: string, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: Record<string, unknown>) =>
  app.inject({ method, url, headers: bearer(await apiToken(app, email)), ...(payload ? { payload } : {}) });

/** A SCORM 1.2 course the author uploaded, which the learner took and passed (with an answered question). */
async function courseWithResults(tenant: TestTenant) {
  const body = multipartFile(fixtureZip(...GOLF_12));
  const imported = await app.inject({ method: 'POST', url: '/api/courses', headers: { ...bearer(await apiToken(app, tenant.author.email)), ...body.headers }, payload: body.payload });
  const { course, version } = imported.json().data as { course: { id: string; title: string }; version: { id: string } };
  const { learner, registrationId, token: runtime } = await launchPlayer(app, config, tenant.learner.email, course.id);
  const cmi = {
    core: { lesson_status: 'passed', lesson_location: '11', score: { raw: '90', min: '0', max: '100' } },
    interactions: { '0': { id: 'q1', type: 'choice', student_response: 'b', result: 'correct' } },
  };
  const commit = await content.inject({ method: 'POST', url: `/r/${runtime}/commit`, payload: { runtimeData: { cmi }, commitSequence: 1 } });
  if (commit.statusCode !== 200) throw new Error(`commit failed: ${commit.statusCode} ${commit.body}`);
  return { courseId: course.id, title: course.title, versionId: version.id, registrationId, learner };
}

const registrationRows = (registrationId: string) => app.db.select().from(registrations).where(eq(registrations.id, registrationId));
const archive = (email: string, courseId: string) => api(email, 'POST', `/api/courses/${courseId}/archive`);

t.test('an author cannot erase learners’ results: archive then delete of a course with a completed registration is refused', async (t) => {
  const tenant = await createTenant(app);
  const { courseId, title, registrationId } = await courseWithResults(tenant);
  t.equal((await archive(tenant.author.email, courseId)).statusCode, 200, 'authors may still archive');

  const refused = await api(tenant.author.email, 'DELETE', `/api/courses/${courseId}`, { confirm: title });
  t.equal(refused.statusCode, 403, 'the author is refused, even with the confirmation');
  t.match(refused.json().error.message, /owner or an admin/);
  const page = await signedIn(tenant.author.email);
  const confirmPage = await page.get(`/courses/${courseId}/delete`);
  t.match(confirmPage.body, /owner or an admin/, 'the page tells the author who can delete it');
  t.equal((await page.post(`/courses/${courseId}/delete`, { confirm: title })).statusCode, 403, 'and the form post is refused too');

  const [registration] = await registrationRows(registrationId);
  t.equal(registration?.successStatus, 'passed', 'the learner’s result is still there');
  t.equal((await api(tenant.author.email, 'GET', `/api/courses/${courseId}`)).statusCode, 200, 'and so is the course');
});

t.test('an author may still delete a course nobody has taken, with the confirmation', async (t) => {
  const tenant = await createTenant(app);
  const body = multipartFile(fixtureZip('scorm12-single-sco-basic-runtime-golf', 'singlescobasic.zip'));
  const { course, version } = (await app.inject({ method: 'POST', url: '/api/courses', headers: { ...bearer(await apiToken(app, tenant.author.email)), ...body.headers }, payload: body.payload })).json().data;
  await archive(tenant.author.email, course.id);
  t.equal((await api(tenant.author.email, 'DELETE', `/api/courses/${course.id}`)).statusCode, 422, 'not without the confirmation');
  const done = await api(tenant.author.email, 'DELETE', `/api/courses/${course.id}`, { confirm: course.title });
  t.equal(done.statusCode, 200);
  t.notOk(existsSync(join(config.dataDir, 'content', tenant.id, version.id)), 'its files are removed');
});

t.test('an admin deletes with confirmation: the course leaves every list, its learners’ records and reports remain', async (t) => {
  const tenant = await createTenant(app);
  const { courseId, title, versionId, registrationId, learner } = await courseWithResults(tenant);
  const admin = tenant.admin.email;

  // The preview's content URL works while the course exists; it must stop with the deletion.
  const authorBrowser = await signedIn(tenant.author.email);
  const preview = await authorBrowser.get(`/courses/${courseId}/preview`);
  const previewSrc = new URL(/<iframe[^>]+src="([^"]+)"/.exec(preview.body)![1]!.replace(/&amp;/g, '&'));
  const contentPath = previewSrc.pathname.replace(/^\/p\//, '/c/');
  t.equal((await content.inject({ method: 'GET', url: contentPath })).statusCode, 200, 'content is served before the deletion');

  const early = await api(admin, 'DELETE', `/api/courses/${courseId}`, { confirm: title });
  t.equal(early.statusCode, 409, 'an active course must be archived first');
  await archive(admin, courseId);
  const unconfirmed = await api(admin, 'DELETE', `/api/courses/${courseId}`);
  t.equal(unconfirmed.statusCode, 422, 'no deletion without the confirmation');
  t.match(unconfirmed.json().error.details, { confirm: /course title/ });
  t.equal((await api(admin, 'DELETE', `/api/courses/${courseId}`, { confirm: 'Some other course' })).statusCode, 422, 'nor with the wrong title');
  const deleted = await api(admin, 'DELETE', `/api/courses/${courseId}`, { confirm: `  ${title} ` });
  t.equal(deleted.statusCode, 200, 'the exact title (spaces around it ignored) confirms');

  // Gone from what learners and authors see.
  const [row] = await app.db.select().from(courses).where(eq(courses.id, courseId));
  t.match(row, { status: 'deleted', deletedBy: tenant.admin.id });
  t.ok(row!.deletedAt, 'deleted_at is set');
  for (const email of [tenant.author.email, admin, tenant.owner.email]) {
    for (const query of ['', '?status=archived', '?status=active']) {
      const list = (await api(email, 'GET', `/api/courses${query}`)).json().data.items as { id: string }[];
      t.notOk(list.some((c) => c.id === courseId), `not in ${email.split('@')[0]}'s API list${query}`);
    }
    const page = await (await signedIn(email)).get('/courses?status=all');
    t.notMatch(page.body, courseId, `not in ${email.split('@')[0]}'s course page`);
  }
  t.equal((await api(tenant.author.email, 'GET', `/api/courses/${courseId}`)).statusCode, 404, 'the author no longer finds it');
  t.equal((await authorBrowser.get(`/courses/${courseId}/preview`)).statusCode, 404, 'no preview');
  t.equal((await api(tenant.author.email, 'GET', '/api/courses?status=deleted')).statusCode, 403, 'authors cannot list deleted courses');
  const home = await learner.get('/');
  t.notMatch(home.body, courseId, 'not on the learner’s My learning');
  t.notMatch(home.body, registrationId);
  t.equal((await learner.get(`/player/${registrationId}`)).statusCode, 404, 'the learner cannot resume it');
  t.equal((await learner.post(`/courses/${courseId}/start`, {})).statusCode, 404, 'nor start it again');
  t.equal((await api(tenant.learner.email, 'POST', `/api/courses/${courseId}/registrations`)).statusCode, 404, 'nor register through the API');
  t.equal((await api(tenant.learner.email, 'GET', `/api/registrations/${registrationId}`)).statusCode, 404, 'nor open the registration through the API');
  t.equal((await api(admin, 'POST', `/api/courses/${courseId}/archive`)).statusCode, 404, 'a deleted course cannot be restored or archived again');
  t.equal((await content.inject({ method: 'GET', url: contentPath })).statusCode, 404, 'its content URLs stop serving');
  t.notOk(existsSync(join(config.dataDir, 'content', tenant.id, versionId)), 'its files are removed');

  // The records stay, and owners and admins still read them, labelled deleted.
  const [registration] = await registrationRows(registrationId);
  t.match(registration, { completionStatus: 'completed', successStatus: 'passed', scoreRaw: 90 });
  t.equal((await app.db.select().from(scoAttempts).where(eq(scoAttempts.registrationId, registrationId))).length, 1, 'the attempt stays');
  t.equal((await app.db.select().from(scoInteractions).where(eq(scoInteractions.registrationId, registrationId))).length, 1, 'its interaction stays');
  const deletedList = (await api(admin, 'GET', '/api/courses?status=deleted')).json().data.items as { id: string; status: string }[];
  t.same(deletedList.map((c) => [c.id, c.status]), [[courseId, 'deleted']], 'admins find it among deleted courses');
  for (const email of [admin, tenant.owner.email]) {
    const b = await signedIn(email);
    const detail = await b.get(`/courses/${courseId}`);
    t.equal(detail.statusCode, 200, 'the course page opens for owners and admins');
    t.match(detail.body, /deleted/i);
    t.notMatch(detail.body, `/courses/${courseId}/preview`, 'without a preview');
    const learners = await b.get(`/courses/${courseId}/learners`);
    t.equal(learners.statusCode, 200);
    t.match(learners.body, tenant.learner.email);
    t.match(learners.body, /This course was deleted/);
    const csv = await b.get(`/courses/${courseId}/learners?format=csv`);
    t.match(csv.body, `${tenant.learner.email},completed,passed,0.9,90,`, 'the CSV still has the result');
    const detailPage = await b.get(`/registrations/${registrationId}`);
    t.equal(detailPage.statusCode, 200);
    t.match(detailPage.body, 'q1');
    t.match(detailPage.body, /This course was deleted/);
    const questions = await b.get(`/courses/${courseId}/questions`);
    t.equal(questions.statusCode, 200);
    t.match(questions.body, 'q1');
    t.match(questions.body, /This course was deleted/);
  }
  const apiRegistrations = (await api(admin, 'GET', `/api/courses/${courseId}/registrations`)).json().data.items;
  t.match(apiRegistrations, [{ learnerEmail: tenant.learner.email, successStatus: 'passed' }]);
  t.match((await api(admin, 'GET', `/api/courses/${courseId}/questions`)).json().data.items, [{ interactionId: 'q1', correct: 1 }]);
  t.match((await api(admin, 'GET', `/api/registrations/${registrationId}`)).json().data, { successStatus: 'passed' }, 'admins still read the registration');

  const audit = await app.db.select().from(auditEvents).where(and(eq(auditEvents.tenantId, tenant.id), eq(auditEvents.action, 'course.deleted')));
  t.match(audit, [{ entityId: courseId, actorId: tenant.admin.id, metadata: { title, learnerRecords: 1 } }]);
});

t.test('the delete page asks for the course title before deleting', async (t) => {
  const tenant = await createTenant(app);
  const { courseId, title, registrationId } = await courseWithResults(tenant);
  await archive(tenant.admin.email, courseId);
  const admin = await signedIn(tenant.admin.email);
  const page = await admin.get(`/courses/${courseId}/delete`);
  t.equal(page.statusCode, 200);
  t.match(page.body, 'name="confirm"');
  t.match(page.body, /1 learner record/);
  const wrong = await admin.post(`/courses/${courseId}/delete`, { confirm: 'nope' }, { csrf: csrfFrom(page.body) });
  t.equal(wrong.statusCode, 422, 'a wrong title shows the form again');
  t.match(wrong.body, /Type the course title/);
  t.equal((await app.db.select().from(courses).where(eq(courses.id, courseId)))[0]!.status, 'archived', 'nothing changed');
  const done = await admin.post(`/courses/${courseId}/delete`, { confirm: title }, { csrf: csrfFrom(page.body) });
  t.equal(done.statusCode, 303);
  t.equal((await app.db.select().from(courses).where(eq(courses.id, courseId)))[0]!.status, 'deleted');
  t.equal((await registrationRows(registrationId)).length, 1, 'the registration stays');
});

t.test('only an owner purges a course’s learner records, after typing its title, in one audited step', async (t) => {
  const tenant = await createTenant(app);
  const { courseId, title, registrationId } = await courseWithResults(tenant);
  const statementsOf = (id: string) => app.db.select().from(xapiStatements).where(and(eq(xapiStatements.tenantId, tenant.id), eq(xapiStatements.registration, id)));
  t.ok((await statementsOf(registrationId)).length > 0, 'the LMS wrote xAPI statements for the registration');

  const purge = (email: string, confirm?: string) => api(email, 'DELETE', `/api/courses/${courseId}/registrations`, confirm === undefined ? undefined : { confirm });
  t.equal((await purge(tenant.owner.email, title)).statusCode, 409, 'an active course must be archived first (nobody may be taking it)');
  await archive(tenant.admin.email, courseId);
  for (const role of ['admin', 'author', 'learner'] as const) {
    const refused = await purge(tenant[role].email, title);
    t.equal(refused.statusCode, 403, `${role}s may not purge`);
  }
  const adminBrowser = await signedIn(tenant.admin.email);
  t.equal((await adminBrowser.get(`/courses/${courseId}/purge`)).statusCode, 403, 'nor open the purge page');
  t.equal((await adminBrowser.post(`/courses/${courseId}/purge`, { confirm: title })).statusCode, 403, 'nor post it');
  t.equal((await purge(tenant.owner.email)).statusCode, 422, 'the owner must confirm');
  t.equal((await purge(tenant.owner.email, title.toUpperCase() + 'x')).statusCode, 422, 'with the exact title');
  t.equal((await registrationRows(registrationId)).length, 1, 'nothing was purged by the refused attempts');

  const done = await purge(tenant.owner.email, title);
  t.equal(done.statusCode, 200);
  t.match(done.json().data, { registrations: 1 });
  t.ok(done.json().data.statements > 0, 'the statements count is reported');
  t.equal((await registrationRows(registrationId)).length, 0, 'the registration is gone');
  t.equal((await app.db.select().from(scoAttempts).where(eq(scoAttempts.registrationId, registrationId))).length, 0, 'with its attempts');
  t.equal((await app.db.select().from(scoInteractions).where(eq(scoInteractions.registrationId, registrationId))).length, 0, 'and interactions');
  t.equal((await statementsOf(registrationId)).length, 0, 'and the statements the LMS wrote for it');
  const audit = await app.db.select().from(auditEvents).where(and(eq(auditEvents.tenantId, tenant.id), eq(auditEvents.action, 'course.learner_records_purged')));
  t.match(audit, [{ entityType: 'course', entityId: courseId, actorId: tenant.owner.id, metadata: { title, registrations: 1 } }]);

  // With no learner records left, the author may delete it.
  t.equal((await api(tenant.author.email, 'DELETE', `/api/courses/${courseId}`, { confirm: title })).statusCode, 200);
});

t.test('the purge page takes the typed title too, and works on a deleted course', async (t) => {
  const tenant = await createTenant(app);
  const { courseId, title, registrationId } = await courseWithResults(tenant);
  await archive(tenant.admin.email, courseId);
  await api(tenant.admin.email, 'DELETE', `/api/courses/${courseId}`, { confirm: title });
  const owner = await signedIn(tenant.owner.email);
  const page = await owner.get(`/courses/${courseId}/purge`);
  t.equal(page.statusCode, 200);
  t.match(page.body, /1 learner/);
  const wrong = await owner.post(`/courses/${courseId}/purge`, { confirm: 'wrong' }, { csrf: csrfFrom(page.body) });
  t.equal(wrong.statusCode, 422);
  t.equal((await registrationRows(registrationId)).length, 1);
  const done = await owner.post(`/courses/${courseId}/purge`, { confirm: title }, { csrf: csrfFrom(page.body) });
  t.equal(done.statusCode, 303);
  t.equal((await registrationRows(registrationId)).length, 0);
  const learners = await owner.get(`/courses/${courseId}/learners`);
  t.equal(learners.statusCode, 200, 'the (now empty) report still opens');
  t.notMatch(learners.body, tenant.learner.email);
});

t.test('purging a cmi5 course removes its sessions, launch data and statements', async (t) => {
  const tenant = await createTenant(app);
  const body = multipartFile(cmi5Fixture('catapult-lts/001-essentials.zip'), 'cmi5.zip');
  const imported = await app.inject({ method: 'POST', url: '/api/courses', headers: { ...bearer(await apiToken(app, tenant.author.email)), ...body.headers }, payload: body.payload });
  t.equal(imported.statusCode, 201, imported.body);
  const { id: courseId, title } = imported.json().data.course;
  const learnerToken = await apiToken(app, tenant.learner.email);
  const registration = (await app.inject({ method: 'POST', url: `/api/courses/${courseId}/registrations`, headers: bearer(learnerToken) })).json().data.id as string;
  const launched = await app.inject({ method: 'POST', url: `/api/registrations/${registration}/cmi5/launch`, headers: bearer(learnerToken), payload: { au: 0 } });
  t.equal(launched.statusCode, 201, launched.body);
  const documents = () => app.db.select().from(xapiDocuments).where(and(eq(xapiDocuments.tenantId, tenant.id), eq(xapiDocuments.registration, registration)));
  t.ok((await documents()).length > 0, 'the launch wrote LMS.LaunchData');

  await archive(tenant.admin.email, courseId);
  await api(tenant.admin.email, 'DELETE', `/api/courses/${courseId}`, { confirm: title });
  t.equal((await api(tenant.learner.email, 'POST', `/api/registrations/${registration}/cmi5/launch`, { au: 0 })).statusCode, 404, 'a deleted cmi5 course cannot be launched');
  const learnerBrowser = await signedIn(tenant.learner.email);
  t.equal((await learnerBrowser.get(`/cmi5/registrations/${registration}`)).statusCode, 404, 'nor its course page opened by the learner');
  const admin = await signedIn(tenant.admin.email);
  const report = await admin.get(`/cmi5/registrations/${registration}`);
  t.equal(report.statusCode, 200, 'admins still open the registration');
  t.match(report.body, /This course was deleted/);
  const done = await api(tenant.owner.email, 'DELETE', `/api/courses/${courseId}/registrations`, { confirm: title });
  t.equal(done.statusCode, 200, done.body);
  t.equal((await app.db.select().from(cmi5Sessions).where(eq(cmi5Sessions.registrationId, registration))).length, 0, 'sessions gone');
  t.equal((await documents()).length, 0, 'launch data gone');
  t.equal((await app.db.select().from(xapiStatements).where(and(eq(xapiStatements.tenantId, tenant.id), eq(xapiStatements.registration, registration)))).length, 0, 'statements gone');
});

t.test('the database itself refuses to drop learner records with a course', async (t) => {
  const tenant = await createTenant(app);
  const { courseId, versionId, registrationId } = await courseWithResults(tenant);
  const refusal = (query: Promise<unknown>) => query.then(() => 'deleted', (error: { cause?: { message?: string }; message: string }) => error.cause?.message ?? error.message);
  t.match(await refusal(app.db.execute(sql`delete from courses where id = ${courseId}`)), /foreign key/, 'a raw DELETE of the course is refused');
  t.match(await refusal(app.db.execute(sql`delete from course_versions where id = ${versionId}`)), /foreign key/, 'and of its version');
  t.equal((await registrationRows(registrationId)).length, 1, 'the registration is still there');
});
