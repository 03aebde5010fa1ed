// SCORM 2004 sequencing through the real routes and database, on Rustici's Golf sequencing packages: what the
// player delivers, what it refuses, and the course result the rollup gives, as each package's description says.
// The SCOs' sessions are played by posting the commits their content would send (the Chromium test plays one).
import { eq } from 'drizzle-orm';
import t from 'tap';
import { registrations } from '../../../src/db/schema/index.js';
import { browser, buildTestAppWithContent, createTenant } from '../../helpers/build-app.js';
import { importPackage, learnerSession } from '../../helpers/player.js';

const ctx = await buildTestAppWithContent();
t.teardown(() => ctx.close());
const { app, config, content } = ctx;

const PACKAGES = {
  forced: ['scorm2004-3rd-seq-forced-sequential-golf', 'SequencingForcedSequential_SCORM20043rdEdition.zip'],
  posttest: ['scorm2004-3rd-seq-posttest-rollup-golf', 'SequencingPostTestRollup_SCORM20043rdEdition.zip'],
  preOrPost: ['scorm2004-3rd-seq-pre-or-posttest-rollup-golf', 'SequencingPreOrPostTestRollup_SCORM20043rdEdition.zip'],
  random: ['scorm2004-3rd-seq-random-test-golf', 'SequencingRandomTest_SCORM20043rdEdition.zip'],
} as const;

const importCourse = (email: string, which: keyof typeof PACKAGES) => importPackage(app, email, PACKAGES[which][0], PACKAGES[which][1]);

/** A learner taking one course: opens the player, finishes SCO sessions, asks the player to navigate. */
async function takeCourse(email: string, courseId: string) {
  const session = await learnerSession(app, content, config, email, courseId);
  let token: string | null = null;
  return {
    ...session,
    /** Opens the player page; the item the sequencer delivered (from the runtime page), its CMI and the page. */
    async open() {
      const launch = await session.open();
      token = launch.token;
      return launch;
    },
    /** The content's final commit (Terminate), with its adl.nav.request. */
    async finish(cmi: Record<string, unknown>, navRequest?: string) {
      const r = await session.commit(token!, { runtimeData: { cmi }, navRequest, commitSequence: 99 }, true);
      return r.json() as { result: boolean; errorCode: number; sequencing?: string };
    },
    navigate: (request: string, target?: string) => session.learner.post(`/player/${session.registrationId}/navigate`, { request, ...(target ? { target } : {}) }),
  };
}

const passed = { completion_status: 'completed', success_status: 'passed', exit: '' };
const test = (score: number) => ({
  completion_status: 'completed',
  success_status: score >= 70 ? 'passed' : 'failed',
  score: { raw: String(score), min: '0', max: '100', scaled: String(score / 100) },
  exit: '',
});

t.test('forced sequential order: an activity opens only after the one before it is satisfied', async (t) => {
  const tenant = await createTenant(app);
  const course = await takeCourse(tenant.learner.email, await importCourse(tenant.author.email, 'forced'));
  const first = await course.open();
  t.equal(first.item, 'playing_item', 'Start delivers the first activity');
  t.match(first.html, /<span class="toc-disabled" aria-disabled="true">Etiquette<\/span>/, 'the next activity is shown, disabled');

  const blocked = await course.navigate('choice', 'etuqiette_item');
  t.equal(blocked.headers.location, `/player/${course.registrationId}?notice=blocked`, 'choosing a disabled activity is refused');
  t.equal((await course.open()).item, 'playing_item', '…and the learner stays where they were');

  t.same(await course.finish({ completion_status: 'incomplete', exit: 'suspend' }), { result: true, errorCode: 0, sequencing: 'wait' });
  const tooEarly = await course.navigate('continue');
  t.equal(tooEarly.headers.location, `/player/${course.registrationId}?notice=blocked`, 'Continue is refused while the first is unsatisfied');
  const resumed = await course.open();
  t.equal(resumed.item, 'playing_item');
  t.equal(resumed.cmi!.entry, 'resume', 'the suspended attempt resumes');

  t.same(await course.finish(passed), { result: true, errorCode: 0, sequencing: 'wait' });
  t.equal((await course.navigate('continue')).headers.location, `/player/${course.registrationId}`, 'once satisfied, Continue is accepted');
  t.equal((await course.open()).item, 'etuqiette_item');
  t.notOk((await course.result()).successStatus === 'passed', 'the course is not passed yet');

  // The content asks to continue by itself (adl.nav.request) at the end of each SCO.
  t.same(await course.finish(passed, 'continue'), { result: true, errorCode: 0, sequencing: 'deliver' });
  t.equal((await course.open()).item, 'handicapping_item');
  await course.finish(passed, 'continue');
  t.equal((await course.open()).item, 'havingfun_item');
  await course.finish(passed, 'continue');
  t.equal((await course.open()).item, 'assessment_item');
  t.same(await course.finish(test(80), 'continue'), { result: true, errorCode: 0, sequencing: 'ended' }, 'nothing follows the quiz');

  const end = await course.open();
  t.equal(end.item, null, 'the session ended');
  t.match(end.html, /reached the end of this course/);
  t.match(await course.result(), { completionStatus: 'completed', successStatus: 'passed' }, 'rollup: every activity satisfied');
  const [row] = await app.db.select({ state: registrations.sequencingState }).from(registrations).where(eq(registrations.id, course.registrationId));
  t.match(JSON.stringify(row!.state), 'com.scorm.golfsamples.sequencing.forcedsequential.playing_satisfied', 'global objectives are stored with the registration');
  const admin = await browser(app, { email: tenant.admin.email });
  const report = (await admin.get(`/registrations/${course.registrationId}`)).body;
  t.match(report, /<h2>Sequencing<\/h2>/, 'the registration report shows the sequencing state');
  t.match(report, /<code>com\.scorm\.golfsamples\.sequencing\.forcedsequential\.playing_satisfied<\/code><\/td><td>yes<\/td>/, 'with each global objective');
});

t.test('post-test rollup: only the post-test decides the course result', async (t) => {
  const tenant = await createTenant(app);
  const course = await takeCourse(tenant.learner.email, await importCourse(tenant.author.email, 'posttest'));
  for (const item of ['playing_item', 'etuqiette_item', 'handicapping_item', 'havingfun_item']) {
    t.equal((await course.open()).item, item);
    await course.finish(passed, 'continue');
  }
  t.equal((await course.open()).item, 'assessment_item');
  t.match(await course.result(), { completionStatus: 'incomplete', successStatus: 'unknown' }, 'all content passed, yet no result before the test');
  await course.finish(test(40));
  t.match(await course.result(), { successStatus: 'failed' }, 'a failed post-test fails the course');
});

t.test('pre-test or post-test: passing the pre-test completes the course and closes the pre-test', async (t) => {
  const tenant = await createTenant(app);
  const course = await takeCourse(tenant.learner.email, await importCourse(tenant.author.email, 'preOrPost'));
  const first = await course.open();
  t.equal(first.item, 'pretest_item', 'the pre-test comes first');
  t.notMatch(first.html, /content_wrapper|dummy_item/, 'invisible wrappers are not in the contents');
  t.match(first.html, />Playing the Game</, 'their visible children are');
  await course.finish(test(90), 'continue');
  t.match(await course.result(), { completionStatus: 'completed', successStatus: 'passed', score: { scaled: 0.9 } }, 'rollup: pre-test satisfied');
  const next = await course.open();
  t.equal(next.item, 'playing_item', 'the content stays available after passing');
  t.notMatch(next.html, /value="pretest_item"/, 'the pre-test (attempt limit 1) can no longer be chosen');
});

t.test('random test: one test of the bank is delivered, and passing it ends the course', async (t) => {
  const tenant = await createTenant(app);
  const course = await takeCourse(tenant.learner.email, await importCourse(tenant.author.email, 'random'));
  for (const item of ['playing_item', 'etuqiette_item', 'handicapping_item', 'havingfun_item']) {
    t.equal((await course.open()).item, item);
    await course.finish(passed, 'continue');
  }
  const quiz = await course.open();
  t.match(quiz.item, /^test_[1-4]$/, 'one of the four tests is delivered');
  const contents = /<aside class="player-toc"[\s\S]*?<\/aside>/.exec(quiz.html)![0];
  t.notMatch(contents, /test_\d/, 'the bank’s tests are hidden from the contents');
  t.match(contents, /value="posttest_item"/, 'the bank is chosen as a whole');
  t.same(await course.finish(test(85), 'continue'), { result: true, errorCode: 0, sequencing: 'ended' }, 'a passed test exits the course (post-condition exitAll)');
  t.match(await course.result(), { completionStatus: 'completed', successStatus: 'passed' });
});

t.test('suspend all, then come back: the same activity resumes', async (t) => {
  const tenant = await createTenant(app);
  const course = await takeCourse(tenant.learner.email, await importCourse(tenant.author.email, 'forced'));
  await course.open();
  await course.finish({ completion_status: 'incomplete', location: '2', exit: 'suspend' });
  const left = await course.navigate('suspendAll');
  t.equal(left.headers.location, '/', 'Save and exit returns to My learning');
  const back = await course.open();
  t.equal(back.item, 'playing_item');
  t.match(back.cmi, { entry: 'resume', location: '2' }, 'resumed with its location');
});

t.test('navigation requests are checked', async (t) => {
  const tenant = await createTenant(app);
  const courseId = await importCourse(tenant.author.email, 'forced');
  const course = await takeCourse(tenant.learner.email, courseId);
  await course.open();
  t.equal((await course.navigate('teleport')).statusCode, 400, 'an unknown request is a 400');
  t.equal((await course.navigate('choice')).statusCode, 400, 'a choice without a target is a 400');
  t.equal((await course.navigate('choice', 'no_such_item')).headers.location, `/player/${course.registrationId}?notice=blocked`, 'an unknown target is refused');

  const classmate = await browser(app, { email: tenant.author.email });
  t.equal((await classmate.post(`/player/${course.registrationId}/navigate`, { request: 'continue' })).statusCode, 403, 'another learner cannot navigate it');
  const other = await createTenant(app);
  const stranger = await browser(app, { email: other.learner.email });
  t.equal((await stranger.post(`/player/${course.registrationId}/navigate`, { request: 'continue' })).statusCode, 404, 'another tenant gets a 404');
  t.equal((await course.learner.post(`/player/${course.registrationId}/navigate`, { request: 'continue' }, { csrf: null })).statusCode, 403, 'no CSRF token: 403');
});
