// Review and browse: the content runs with lesson mode / cmi.mode set, no-credit, and nothing it reports is kept.
import t from 'tap';
import { buildTestAppWithContent, createTenant } from '../../helpers/build-app.js';
import { importPackage, learnerSession } from '../../helpers/player.js';

const ctx = await buildTestAppWithContent();
t.teardown(() => ctx.close());
const { app, config, content } = ctx;

async function learnerOf(email: string, courseId: string) {
  const session = await learnerSession(app, content, config, email, courseId);
  return {
    ...session,
    commit: (runtime: string | null, cmi: unknown, final = false) => session.commit(runtime!, { runtimeData: { cmi }, commitSequence: 1 }, final),
    read: session.result,
  };
}

const importCourse = (email: string, fixture: string, file: string) => importPackage(app, email, fixture, file);

t.test('SCORM 1.2 review: the last attempt again, no-credit, and what the content sets is not kept', async (t) => {
  const tenant = await createTenant(app);
  const course = await learnerOf(tenant.learner.email, await importCourse(tenant.author.email, 'scorm12-single-sco-basic-runtime-golf', 'singlescobasic.zip'));
  const normal = await course.open();
  t.match((normal.cmi as { core: object }).core, { credit: 'credit', lesson_mode: 'normal' });
  await course.commit(normal.token, { core: { lesson_status: 'passed', lesson_location: '7', exit: '', score: { raw: '90', min: '0', max: '100' } } }, true);
  t.match(await course.read(), { completionStatus: 'completed', successStatus: 'passed' });

  const review = await course.open('?mode=review');
  t.match(review.html, /Review mode\./, 'the player says it is a review');
  t.match((review.cmi as { core: object }).core, { credit: 'no-credit', lesson_mode: 'review', entry: '', lesson_status: 'passed', lesson_location: '7' }, 'the last attempt, as review');
  const failed = await course.commit(review.token, { core: { lesson_status: 'failed', lesson_location: '1' } }, true);
  t.same(failed.json(), { result: true, errorCode: 0 }, 'commits are answered…');
  const after = await course.read();
  t.match(after, { completionStatus: 'completed', successStatus: 'passed', location: '7' }, '…and not kept');
  t.equal(after.scos.length, 1, 'no attempt was opened');
  t.same((await course.commit(review.token, { core: { lesson_status: 'nonsense' } })).json(), { result: false, errorCode: 405 }, 'the data model is still checked');
});

t.test('SCORM 2004 browse before starting: cmi.mode browse, no-credit, no attempt', async (t) => {
  const tenant = await createTenant(app);
  const course = await learnerOf(tenant.learner.email, await importCourse(tenant.author.email, 'scorm2004-3rd-multi-sco-golf', 'RuntimeMinimumCalls_SCORM20043rdEdition.zip'));
  const browse = await course.open('?mode=browse&item=playing_par_item');
  t.match(browse.cmi, { mode: 'browse', credit: 'no-credit', entry: 'ab-initio' });
  t.match(browse.html, /aria-current="page">Par</, 'any item may be looked at');
  t.match(browse.html, /item=playing_playing_item&amp;mode=browse|item=playing_playing_item&mode=browse/, 'links keep the mode');
  await course.commit(browse.token, { completion_status: 'completed', success_status: 'passed' }, true);
  const state = await course.read();
  t.equal(state.scos.length, 0, 'nothing was recorded');
  t.equal(state.completionStatus, 'not attempted');
  const odd = await course.open('?mode=teleport');
  t.match(odd.cmi, { mode: 'normal', credit: 'credit' }, 'an unknown mode is a normal launch');
});
