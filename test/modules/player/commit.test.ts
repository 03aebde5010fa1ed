import t from 'tap';
import { apiToken, bearer, buildTestAppWithContent, createTenant } from '../../helpers/build-app.js';
import { GOLF_12, GOLF_2004, importPackage, launchPlayer } from '../../helpers/player.js';

const ctx = await buildTestAppWithContent();
t.teardown(() => ctx.close());
const { app, config, content } = ctx;

const importGolf12 = (email: string) => importPackage(app, email, ...GOLF_12);
/** Opens the player as the learner and returns the runtime token the page hands to the content origin. */
const launch = (email: string, courseId: string) => launchPlayer(app, config, email, courseId);

const commit = (token: string, body: unknown, final = false) =>
  content.inject({ method: 'POST', url: `/r/${token}/commit${final ? '?final=true' : ''}`, payload: body as object });

const core = (values: Record<string, string>) => ({ runtimeData: { cmi: { core: values } } });

t.test('a learner opens one registration per course, pinned to the current version', async (t) => {
  const tenant = await createTenant(app);
  const courseId = await importGolf12(tenant.author.email);
  const token = await apiToken(app, tenant.learner.email);
  const first = await app.inject({ method: 'POST', url: `/api/courses/${courseId}/registrations`, headers: bearer(token) });
  t.equal(first.statusCode, 201);
  const again = await app.inject({ method: 'POST', url: `/api/courses/${courseId}/registrations`, headers: bearer(token) });
  t.equal(again.statusCode, 200);
  t.equal(again.json().data.id, first.json().data.id, 'the same registration comes back');
  t.match(first.json().data, { completionStatus: 'not attempted', successStatus: 'unknown' });

  const other = await createTenant(app);
  const foreign = await apiToken(app, other.learner.email);
  t.equal((await app.inject({ method: 'POST', url: `/api/courses/${courseId}/registrations`, headers: bearer(foreign) })).statusCode, 404, 'another tenant’s course is a 404');
  t.equal((await app.inject({ method: 'GET', url: `/api/registrations/${first.json().data.id}`, headers: bearer(foreign) })).statusCode, 404);
  const classmate = await apiToken(app, tenant.author.email);
  t.equal((await app.inject({ method: 'GET', url: `/api/registrations/${first.json().data.id}`, headers: bearer(classmate) })).statusCode, 403, 'another learner’s registration is refused');
  const admin = await apiToken(app, tenant.admin.email);
  t.equal((await app.inject({ method: 'GET', url: `/api/registrations/${first.json().data.id}`, headers: bearer(admin) })).statusCode, 200, 'admins may look');
});

t.test('commits are stored, ordered and idempotent, and refused after the final one', async (t) => {
  const tenant = await createTenant(app);
  const courseId = await importGolf12(tenant.author.email);
  const { registrationId, token } = await launch(tenant.learner.email, courseId);
  const learner = await apiToken(app, tenant.learner.email);
  const read = async () => (await app.inject({ method: 'GET', url: `/api/registrations/${registrationId}`, headers: bearer(learner) })).json().data;

  t.same((await commit(token, { ...core({ lesson_status: 'incomplete', lesson_location: '2' }), commitSequence: 1 })).json(), { result: true, errorCode: 0 });
  t.equal((await read()).location, '2');
  t.same((await commit(token, { ...core({ lesson_status: 'incomplete', lesson_location: '9' }), commitSequence: 1 })).json(), { result: true, errorCode: 0 }, 'a repeated sequence answers the same');
  t.equal((await read()).location, '2', '…and changes nothing');
  await commit(token, { ...core({ lesson_status: 'incomplete', lesson_location: '5' }), commitSequence: 3 });
  await commit(token, { ...core({ lesson_status: 'incomplete', lesson_location: '4' }), commitSequence: 2 });
  t.equal((await read()).location, '5', 'a stale commit that arrives late is ignored');

  const final = await commit(token, { ...core({ lesson_status: 'passed', lesson_location: '11', exit: '', total_time: '0000:12:30.00', score: { raw: '85', min: '0', max: '100' } as unknown as string }), commitSequence: 4 }, true);
  t.same(final.json(), { result: true, errorCode: 0 });
  const result = await read();
  t.match(result, { completionStatus: 'completed', successStatus: 'passed', score: { scaled: 0.85, raw: 85, min: 0, max: 100 }, totalTimeSeconds: 750, location: '11' });
  t.equal(result.scos[0].terminated, true);

  t.same((await commit(token, { ...core({ lesson_status: 'failed' }), commitSequence: 5 })).json(), { result: false, errorCode: 101 }, 'after the final commit, commits are refused');
  t.equal((await read()).successStatus, 'passed', 'and change nothing');
});

t.test('bad commits get a SCORM error and store nothing', async (t) => {
  const tenant = await createTenant(app);
  const courseId = await importGolf12(tenant.author.email);
  const { registrationId, token } = await launch(tenant.learner.email, courseId);
  const forged = await commit(`${token.slice(0, -4)}AAAA`, { ...core({ lesson_status: 'passed' }), commitSequence: 1 });
  t.equal(forged.statusCode, 403);
  t.equal(forged.json().result, false);
  const notJson = await content.inject({ method: 'POST', url: `/r/${token}/commit`, headers: { 'content-type': 'text/plain' }, payload: '{not json' });
  t.equal(notJson.statusCode, 400);
  t.same(notJson.json(), { result: false, errorCode: 101 });
  t.same((await commit(token, { commitSequence: 1 })).json(), { result: false, errorCode: 101 }, 'a commit without CMI');
  const huge = await content.inject({ method: 'POST', url: `/r/${token}/commit`, headers: { 'content-type': 'text/plain' }, payload: 'x'.repeat(9 * 1024 * 1024) });
  t.equal(huge.statusCode, 413);
  const learner = await apiToken(app, tenant.learner.email);
  const state = (await app.inject({ method: 'GET', url: `/api/registrations/${registrationId}`, headers: bearer(learner) })).json().data;
  t.equal(state.completionStatus, 'not attempted', 'nothing was stored');
});

t.test('a beacon (text/plain) final commit is accepted, and the next launch resumes', async (t) => {
  const tenant = await createTenant(app);
  const courseId = await importGolf12(tenant.author.email);
  const { token } = await launch(tenant.learner.email, courseId);
  const beacon = await content.inject({
    method: 'POST', url: `/r/${token}/commit?final=true`, headers: { 'content-type': 'text/plain;charset=UTF-8' },
    payload: JSON.stringify({ ...core({ lesson_status: 'incomplete', lesson_location: '7', exit: 'suspend' }), commitSequence: 1 }),
  });
  t.same(beacon.json(), { result: true, errorCode: 0 });
  const again = await launch(tenant.learner.email, courseId);
  const page = await content.inject({ method: 'GET', url: again.runtimeUrl });
  t.equal(page.statusCode, 200);
  const seeded = JSON.parse(/<script type="application\/json" id="launch">(.*?)<\/script>/s.exec(page.body)![1]!);
  t.match(seeded.cmi.core, { entry: 'resume', lesson_location: '7' });
  t.equal(seeded.standard, 'scorm12');
  t.match(seeded.contentUrl, new RegExp(`^${config.contentOrigin}/c/.+/shared/launchpage\\.html$`));

  // The resumed session saves again, from sequence 1; the old session can no longer write.
  t.same((await commit(again.token, { ...core({ lesson_status: 'incomplete', lesson_location: '8' }), commitSequence: 1 })).json(), { result: true, errorCode: 0 }, 'the resumed session commits');
  t.same((await commit(token, { ...core({ lesson_status: 'incomplete', lesson_location: '1' }), commitSequence: 9 })).json(), { result: false, errorCode: 101 }, 'a late commit from the previous visit is refused');
  const learner = await apiToken(app, tenant.learner.email);
  const state = (await app.inject({ method: 'GET', url: `/api/registrations/${again.registrationId}`, headers: bearer(learner) })).json().data;
  t.equal(state.location, '8');
  t.equal(state.scos.length, 1, 'resuming continues the same attempt');
});

t.test('the server checks the data model as the run-time API does, and keeps the learner identity its own', async (t) => {
  const tenant = await createTenant(app);
  const courseId = await importGolf12(tenant.author.email);
  const { registrationId, token } = await launch(tenant.learner.email, courseId);
  t.same((await commit(token, { ...core({ lesson_status: 'bogus' }), commitSequence: 1 })).json(), { result: false, errorCode: 405 }, 'a value outside the vocabulary: 405');
  t.same((await commit(token, { ...core({ lesson_status: 'incomplete', score: { raw: 'lots' } as unknown as string }), commitSequence: 2 })).json(), { result: false, errorCode: 405 }, 'a score that is not a number: 405');
  const forged = await commit(token, { ...core({ lesson_status: 'incomplete', student_id: 'someone-else', credit: 'no-credit' }), commitSequence: 3 });
  t.same(forged.json(), { result: true, errorCode: 0 });
  const learner = await apiToken(app, tenant.learner.email);
  const stored = (await app.inject({ method: 'GET', url: `/api/registrations/${registrationId}`, headers: bearer(learner) })).json().data.scos[0].cmi.core;
  t.equal(stored.student_id, tenant.learner.id, 'read-only identity comes from the LMS, not the request');
  t.equal(stored.credit, 'credit');
});

t.test('SCORM 1.2 suspend data: lenient 64,000 by default, strict 4,096 when configured', async (t) => {
  const strict = await buildTestAppWithContent({ scorm12SuspendDataLimit: 4096 });
  t.teardown(() => strict.close());
  const lenientTenant = await createTenant(app);
  const lenient = await launch(lenientTenant.learner.email, await importGolf12(lenientTenant.author.email));
  const long = { runtimeData: { cmi: { suspend_data: 'x'.repeat(10_000), core: { lesson_status: 'incomplete' } } }, commitSequence: 1 };
  t.same((await commit(lenient.token, long)).json(), { result: true, errorCode: 0 }, '10,000 characters pass by default');

  const tenant = await createTenant(strict.app);
  const courseId = await importPackage(strict.app, tenant.author.email, ...GOLF_12);
  const { token } = await launchPlayer(strict.app, strict.config, tenant.learner.email, courseId);
  const refused = await strict.content.inject({ method: 'POST', url: `/r/${token}/commit`, payload: long });
  t.same(refused.json(), { result: false, errorCode: 405 }, 'over 4,096 in strict mode: 405');
});

t.test('SCORM 2004 commits are checked against the 2004 data model', async (t) => {
  const tenant = await createTenant(app);
  const courseId = await importPackage(app, tenant.author.email, ...GOLF_2004);
  const { registrationId, token: runtime } = await launch(tenant.learner.email, courseId);
  const cmi = (values: Record<string, unknown>, seq: number) => ({ runtimeData: { cmi: values }, commitSequence: seq });
  t.same((await commit(runtime, cmi({ score: { scaled: '2' } }, 1))).json(), { result: false, errorCode: 407 }, 'scaled score out of range: 407');
  const ok = await commit(runtime, cmi({ completion_status: 'completed', success_status: 'passed', location: 'p9', score: { scaled: '0.9' }, total_time: 'PT2M' }, 2), true);
  // A final 2004 commit also says what the sequencer did: this single-SCO course waits for the learner.
  t.same(ok.json(), { result: true, errorCode: 0, sequencing: 'wait' });
  const learner = await apiToken(app, tenant.learner.email);
  const result = (await app.inject({ method: 'GET', url: `/api/registrations/${registrationId}`, headers: bearer(learner) })).json().data;
  t.match(result, { completionStatus: 'completed', successStatus: 'passed', score: { scaled: 0.9 }, totalTimeSeconds: 120, location: 'p9' });
  t.same((await commit(runtime, cmi({ location: 'p10' }, 3))).json(), { result: false, errorCode: 143 }, 'commit after termination: 143');
});

t.test('numbers a column cannot hold get a SCORM answer, not a database error', async (t) => {
  const tenant = await createTenant(app);
  const courseId = await importPackage(app, tenant.author.email, ...GOLF_2004);
  const { registrationId, token } = await launch(tenant.learner.email, courseId);
  const learner = await apiToken(app, tenant.learner.email);
  const cmi = (raw: string, location: string) => ({ runtimeData: { cmi: { completion_status: 'incomplete', location, score: { raw, min: '0', max: '100' } } } });
  const read = async () => (await app.inject({ method: 'GET', url: `/api/registrations/${registrationId}`, headers: bearer(learner) })).json().data;
  const tooFar = await commit(token, { ...cmi('5', 'p1'), commitSequence: 2 ** 31 });
  t.equal(tooFar.statusCode, 200);
  t.same(tooFar.json(), { result: false, errorCode: 391 }, 'a commit sequence past 2^31-1 is a general commit failure');
  t.same((await commit(token, { ...cmi('5', 'p1'), commitSequence: -1 })).json(), { result: false, errorCode: 391 }, 'so is a negative one');
  t.same((await commit(token, { ...cmi('1e39', 'p1'), commitSequence: 1 })).json(), { result: false, errorCode: 406 }, 'a score beyond real(10,7) is a type mismatch (RTE 4.1.7)');
  t.equal((await read()).location, null, 'nothing of the refused commits is stored');
  t.same((await commit(token, { ...cmi('5', 'p2'), commitSequence: 1 })).json(), { result: true, errorCode: 0 }, 'the next good commit is taken');
  t.equal((await read()).location, 'p2');
});
