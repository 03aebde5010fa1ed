// Interactions and objectives as rows: kept in step with each commit, journaled per session for SCORM 1.2, shown
// on the registration report and summed up per question for the course.
import { eq } from 'drizzle-orm';
import t from 'tap';
import { scoInteractions, scoObjectives } from '../../../src/db/schema/index.js';
import { apiToken, bearer, browser, buildTestAppWithContent, createTenant } from '../../helpers/build-app.js';
import { GOLF_12, GOLF_2004, importPackage, learnerSession } from '../../helpers/player.js';

const ctx = await buildTestAppWithContent();
t.teardown(() => ctx.close());
const { app, config, content } = ctx;


const answers2004 = (q2: 'correct' | 'incorrect') => ({
  completion_status: 'incomplete',
  interactions: {
    '0': { id: 'q1', type: 'choice', description: 'Par for a short hole', learner_response: 'b', result: 'correct', latency: 'PT5S', correct_responses: { '0': { pattern: 'b' } } },
    '1': { id: 'q2', type: 'true-false', learner_response: 'true', result: q2, latency: 'PT15S', objectives: { '0': { id: 'obj-rules' } } },
  },
  objectives: { '0': { id: 'obj-rules', success_status: q2 === 'correct' ? 'passed' : 'failed', score: { scaled: '0.5' } } },
});

t.test('SCORM 2004: interactions and objectives become rows, rewritten only when they change', async (t) => {
  const tenant = await createTenant(app);
  const courseId = await importPackage(app, tenant.author.email, ...GOLF_2004);
  const course = await learnerSession(app, content, config, tenant.learner.email, courseId);
  const { token } = await course.open();
  t.same((await course.commit(token!, { runtimeData: { cmi: answers2004('incorrect') }, commitSequence: 1 })).json(), { result: true, errorCode: 0 });
  const rows = await app.db.select().from(scoInteractions).where(eq(scoInteractions.registrationId, course.registrationId));
  t.equal(rows.length, 2);
  t.match(rows.find((r) => r.interactionId === 'q1'), { type: 'choice', learnerResponse: 'b', result: 'correct', latencySeconds: 5, correctResponses: ['b'], description: 'Par for a short hole', courseId });
  t.match(rows.find((r) => r.interactionId === 'q2'), { result: 'incorrect', objectiveIds: ['obj-rules'] });
  const objectives = await app.db.select().from(scoObjectives).where(eq(scoObjectives.registrationId, course.registrationId));
  t.match(objectives, [{ objectiveId: 'obj-rules', successStatus: 'failed', scoreScaled: 0.5 }]);

  await course.commit(token!, { runtimeData: { cmi: { ...answers2004('incorrect'), location: '4' } }, commitSequence: 2 });
  const again = await app.db.select().from(scoInteractions).where(eq(scoInteractions.registrationId, course.registrationId));
  t.same(again.map((r) => r.id).sort(), rows.map((r) => r.id).sort(), 'unchanged interactions are not rewritten');

  await course.commit(token!, { runtimeData: { cmi: answers2004('correct') }, commitSequence: 3 });
  const changed = await app.db.select().from(scoInteractions).where(eq(scoInteractions.registrationId, course.registrationId));
  t.equal(changed.find((r) => r.interactionId === 'q2')!.result, 'correct', 'a changed answer is rewritten');
  t.equal(changed.length, 2);

  const admin = await browser(app, { email: tenant.admin.email });
  const report = await admin.get(`/registrations/${course.registrationId}`);
  t.match(report.body, 'Par for a short hole', 'the registration report lists the interactions');
  t.match(report.body, 'obj-rules', 'and the objectives');
});

t.test('SCORM 1.2: interactions are journaled per session, so a resumed session does not overwrite earlier answers', async (t) => {
  const tenant = await createTenant(app);
  const courseId = await importPackage(app, tenant.author.email, ...GOLF_12);
  const course = await learnerSession(app, content, config, tenant.learner.email, courseId);
  const first = await course.open();
  const q = (id: string, result: string) => ({ id, type: 'choice', student_response: 'a', result, latency: '0000:00:07' });
  await course.commit(first.token!, { runtimeData: { cmi: { core: { lesson_status: 'incomplete', exit: 'suspend' }, interactions: { '0': q('q1', 'wrong'), '1': q('q2', 'correct') } } }, commitSequence: 1 }, true);
  const second = await course.open();
  t.equal((second.cmi as { core: { entry: string } }).core.entry, 'resume');
  await course.commit(second.token!, { runtimeData: { cmi: { core: { lesson_status: 'passed' }, interactions: { '0': q('q1', 'correct') } } }, commitSequence: 1 });
  const rows = await app.db.select().from(scoInteractions).where(eq(scoInteractions.registrationId, course.registrationId));
  t.equal(rows.length, 3, 'both sessions’ answers are kept');
  t.same(rows.filter((r) => r.interactionId === 'q1').map((r) => r.result).sort(), ['correct', 'wrong']);
  t.equal(rows[0]!.latencySeconds, 7);
});

t.test('question analysis per course, for admins of the tenant only', async (t) => {
  const tenant = await createTenant(app);
  const courseId = await importPackage(app, tenant.author.email, ...GOLF_2004);
  for (const [email, q2] of [[tenant.learner.email, 'correct'], [tenant.author.email, 'incorrect']] as const) {
    const course = await learnerSession(app, content, config, email, courseId);
    const { token } = await course.open();
    await course.commit(token!, { runtimeData: { cmi: answers2004(q2) }, commitSequence: 1 });
  }
  const admin = await apiToken(app, tenant.admin.email);
  const summary = (await app.inject({ method: 'GET', url: `/api/courses/${courseId}/questions`, headers: bearer(admin) })).json().data.items;
  t.match(summary, [
    { interactionId: 'q1', learners: 2, responses: 2, correct: 2, incorrect: 0, meanLatencySeconds: 5 },
    { interactionId: 'q2', learners: 2, responses: 2, correct: 1, incorrect: 1, meanLatencySeconds: 15 },
  ]);
  const page = await (await browser(app, { email: tenant.admin.email })).get(`/courses/${courseId}/questions`);
  t.equal(page.statusCode, 200);
  t.match(page.body, /<td>50%<\/td>/, 'the page shows how often q2 was answered right');

  const learner = await apiToken(app, tenant.learner.email);
  t.equal((await app.inject({ method: 'GET', url: `/api/courses/${courseId}/questions`, headers: bearer(learner) })).statusCode, 403, 'learners may not');
  const other = await createTenant(app);
  const stranger = await apiToken(app, other.admin.email);
  t.equal((await app.inject({ method: 'GET', url: `/api/courses/${courseId}/questions`, headers: bearer(stranger) })).statusCode, 404, 'another tenant’s admin gets a 404');
});
