import t from 'tap';
import { apiToken, bearer, browser, buildTestAppWithContent, createTenant } from '../../helpers/build-app.js';
import { fixtureZip, multipartFile } from '../../helpers/fixtures.js';

const ctx = await buildTestAppWithContent();
t.teardown(() => ctx.close());
const { app, content } = ctx;

async function setUp() {
  const tenant = await createTenant(app);
  const author = await apiToken(app, tenant.author.email);
  const body = multipartFile(fixtureZip('scorm12-single-sco-basic-runtime-golf', 'singlescobasic.zip'));
  const courseId: string = (await app.inject({ method: 'POST', url: '/api/courses', headers: { ...bearer(author), ...body.headers }, payload: body.payload })).json().data.course.id;
  const learner = await browser(app, { email: tenant.learner.email });
  const started = await learner.post(`/courses/${courseId}/start`, {});
  const player = await learner.get(started.headers.location as string);
  const token = /\/run\/([^"]+)"/.exec(player.body)![1]!;
  const cmi = {
    core: { lesson_status: 'passed', lesson_location: '11', score: { raw: '90', min: '0', max: '100' } },
    interactions: { '0': { id: 'q1', type: 'choice', student_response: 'b', result: 'correct' } },
  };
  await content.inject({ method: 'POST', url: `/r/${token}/commit`, payload: { runtimeData: { cmi }, commitSequence: 1 } });
  return { tenant, courseId, registrationId: (started.headers.location as string).split('/').pop()! };
}

t.test('admins see a course’s learners with status, score, time and last access, filter them, and export CSV', async (t) => {
  const { tenant, courseId, registrationId } = await setUp();
  const admin = await browser(app, { email: tenant.admin.email });
  const page = await admin.get(`/courses/${courseId}/learners`);
  t.equal(page.statusCode, 200);
  t.match(page.body, tenant.learner.email);
  t.match(page.body, '90%');
  t.match(page.body, 'passed');
  const none = await admin.get(`/courses/${courseId}/learners?status=failed`);
  t.notMatch(none.body, tenant.learner.email, 'the status filter works');
  const csv = await admin.get(`/courses/${courseId}/learners?format=csv`);
  t.equal(csv.statusCode, 200);
  t.match(csv.headers['content-type'], /text\/csv/);
  const lines = csv.body.trim().split('\r\n');
  t.equal(lines[0], 'learner,email,completion,success,score_scaled,score_raw,total_time_seconds,first_access,last_access,completed_at');
  t.match(lines[1], `${tenant.learner.email},completed,passed,0.9,90,`);
  const detail = await admin.get(`/registrations/${registrationId}`);
  t.equal(detail.statusCode, 200);
  t.match(detail.body, 'q1', 'interactions are listed');
  t.match(detail.body, 'Raw CMI');
  const api = await app.inject({ method: 'GET', url: `/api/courses/${courseId}/registrations`, headers: bearer(await apiToken(app, tenant.admin.email)) });
  t.match(api.json().data.items[0], { learnerEmail: tenant.learner.email, completionStatus: 'completed', successStatus: 'passed' });
});

t.test('reports are for owners and admins of the course’s tenant only', async (t) => {
  const { tenant, courseId, registrationId } = await setUp();
  const learner = await browser(app, { email: tenant.learner.email });
  t.equal((await learner.get(`/courses/${courseId}/learners`)).statusCode, 403);
  t.equal((await learner.get(`/registrations/${registrationId}`)).statusCode, 403);
  const other = await createTenant(app);
  const foreign = await browser(app, { email: other.admin.email });
  t.equal((await foreign.get(`/courses/${courseId}/learners`)).statusCode, 404);
  t.equal((await foreign.get(`/registrations/${registrationId}`)).statusCode, 404);
  t.equal((await foreign.get(`/courses/${courseId}/learners?format=csv`)).statusCode, 404);
});
