// SCORM run-time activity recorded as xAPI statements in the tenant's LRS (and not when the tenant turns it off).
import t from 'tap';
import { browser, buildTestAppWithContent } from '../../helpers/build-app.js';
import { importPackage, learnerSession } from '../../helpers/player.js';
import { lrsClient } from './helpers.js';

const ctx = await buildTestAppWithContent();
t.teardown(() => ctx.close());
const { app, config, content } = ctx;

const verbs = (statements: { verb: { id: string } }[]) => statements.map((s) => s.verb.id.split('/').pop());

t.test('a SCORM 1.2 session becomes launched, initialized, answered, completed, passed and terminated statements', async (t) => {
  const lrs = await lrsClient(app);
  const courseId = await importPackage(app, lrs.tenant.author.email, 'scorm12-single-sco-basic-runtime-golf', 'singlescobasic.zip');
  const course = await learnerSession(app, content, config, lrs.tenant.learner.email, courseId);
  const { token } = await course.open();
  await course.commit(token!, { runtimeData: { cmi: { core: { lesson_status: 'incomplete', lesson_location: '1' } } }, commitSequence: 1 });
  await course.commit(token!, { runtimeData: { cmi: { core: { lesson_status: 'incomplete', lesson_location: '2' } } }, commitSequence: 2 });
  await course.commit(token!, {
    runtimeData: { cmi: {
      core: { lesson_status: 'passed', lesson_location: '14', exit: '', session_time: '00:02:30', score: { raw: '90', min: '0', max: '100' } },
      interactions: { '0': { id: 'q1', type: 'choice', student_response: 'b', result: 'correct', latency: '00:00:05', correct_responses: { '0': { pattern: 'b' } } } },
    } },
    commitSequence: 3,
  }, true);

  const result = (await lrs.get(`/xapi/statements?registration=${course.registrationId}&ascending=true`)).json();
  t.same(verbs(result.statements), ['launched', 'initialized', 'answered', 'completed', 'passed', 'terminated'], 'one statement per event, none for a bookmark-only commit');
  const [launched, , answered, , passed, terminated] = result.statements;
  t.match(launched, { actor: { account: { homePage: config.appOrigin } }, context: { registration: course.registrationId, contextActivities: { category: [{ id: 'https://w3id.org/xapi/scorm' }] } } });
  t.match(answered, { object: { definition: { interactionType: 'choice', correctResponsesPattern: ['b'] } }, result: { response: 'b', success: true, duration: 'PT5S' } });
  t.match(passed.result, { success: true, score: { scaled: 0.9, raw: 90, min: 0, max: 100 } });
  t.match(terminated.result, { duration: 'PT150S' });
  t.equal((await lrs.get(`/xapi/activities?activityId=${encodeURIComponent(launched.object.id)}`)).json().definition.type, 'http://adlnet.gov/expapi/activities/lesson');
});

t.test('a tenant can turn it off', async (t) => {
  const lrs = await lrsClient(app);
  const admin = await browser(app, { email: lrs.tenant.admin.email });
  const saved = await admin.post('/admin/lrs/settings', {});
  t.match(saved.body, /no longer recorded/);
  t.notMatch(saved.body, /name="scormToXapi" checked/);
  const courseId = await importPackage(app, lrs.tenant.author.email, 'scorm12-single-sco-basic-runtime-golf', 'singlescobasic.zip');
  const course = await learnerSession(app, content, config, lrs.tenant.learner.email, courseId);
  const { token } = await course.open();
  t.same((await course.commit(token!, { runtimeData: { cmi: { core: { lesson_status: 'passed' } } }, commitSequence: 1 }, true)).json(), { result: true, errorCode: 0 });
  t.equal((await lrs.get('/xapi/statements')).json().statements.length, 0, 'nothing was recorded');
  t.match((await course.result()), { successStatus: 'passed' }, 'the SCORM result itself is kept as always');
  const on = await admin.post('/admin/lrs/settings', { scormToXapi: 'on' });
  t.match(on.body, /now also recorded/);
});
