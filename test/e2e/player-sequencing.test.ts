// Plays Rustici's Golf "forced sequential order" SCORM 2004 package in real Chromium: the learner pages through
// each SCO, the player's Continue unloads it (its final commit reaches the server's sequencer first) and opens the
// next; an activity cannot be chosen before the one ahead is satisfied; the learner leaves mid-SCO and resumes;
// the quiz is answered in the content; the course ends completed and passed.
import type { Page } from 'puppeteer-core';
import t, { type Test } from 'tap';
import { apiToken, bearer, createTenant } from '../helpers/build-app.js';
import { screenshot } from '../helpers/chromium.js';
import { fixtureZip, multipartFile } from '../helpers/fixtures.js';
import { answerQuiz, cmiValue, golfFrames as golf, readToTheEnd } from '../helpers/golf.js';
import { signIn, startLiveServers } from '../helpers/live-servers.js';

const live = await startLiveServers();
const { ctx, chromium, appOrigin } = live;
t.teardown(() => live.close());

const current = (page: Page) => page.$eval('.player-toc [aria-current="page"]', (e) => e.textContent!.trim());

t.test('Golf 2004 forced sequential order, played through the sequencer', async (t) => {
  const { page, read, problems } = await startCourse(t, 'scorm2004-3rd-seq-forced-sequential-golf', 'SequencingForcedSequential_SCORM20043rdEdition.zip');

  // First SCO: two pages in, then Save and exit.
  let { launchpage } = await golf(page);
  t.equal(await current(page), 'Playing the Game');
  t.ok(await page.$('.player-toc .toc-disabled'), 'later activities are disabled');
  await launchpage.click('#butNext');
  await launchpage.click('#butNext');
  await Promise.all([page.waitForNavigation(), page.click('.player-exit')]);
  t.equal(new URL(page.url()).pathname, '/', 'Save and exit returns to My learning');
  t.match((await read()).scos[0], { location: '2', exit: 'suspend', terminated: true }, 'the bookmark and the suspend reached the server');

  // Back: the sequencer resumes the suspended activity at its bookmark (the content asks; the dialog is accepted).
  await Promise.all([page.waitForNavigation(), page.click('.course-list a.button')]);
  let runtime;
  ({ runtime, launchpage } = await golf(page));
  t.equal(await cmiValue(runtime, 'cmi.entry'), 'resume');
  t.equal(await current(page), 'Playing the Game');

  // Each content SCO read to the end, then Continue.
  for (const next of ['Etiquette', 'Handicapping', 'Having Fun', 'Quiz']) {
    await readToTheEnd(launchpage);
    await Promise.all([page.waitForNavigation(), page.click('.player-nav button[value="continue"]')]);
    ({ runtime, launchpage } = await golf(page));
    t.equal(await current(page), next, `Continue opens ${next}`);
  }
  await screenshot(page, 'player-sequencing-quiz');

  // The quiz: answer every question correctly in the content and submit.
  await answerQuiz(launchpage);
  await runtime.waitForFunction(() => (window as unknown as { API_1484_11: { GetValue(k: string): string } }).API_1484_11.GetValue('cmi.success_status') === 'passed');

  // Continue after the last activity: the sequencing session ends with the course passed.
  await Promise.all([page.waitForNavigation(), page.click('.player-nav button[value="continue"]')]);
  t.match(await page.$eval('.player-finished', (e) => e.textContent), /reached the end of this course/);
  await screenshot(page, 'player-sequencing-finished');
  const done = await read();
  t.match(done, { completionStatus: 'completed', successStatus: 'passed' }, 'the root activity rolled up completed and passed');
  const quizAttempt = done.scos.find((s: { itemIdentifier: string }) => s.itemIdentifier === 'assessment_item');
  t.match(quizAttempt, { successStatus: 'passed', score: { raw: 100, max: 100, scaled: 1 } }, 'the quiz score the content set is on the server');
  t.equal(done.scos.filter((s: { terminated: boolean }) => s.terminated).length, done.scos.length, 'every SCO was terminated before the next launched');

  // Reopening after the end: the first activity again, and the course result stays passed.
  await Promise.all([page.waitForNavigation(), page.click('.player-finished button[value="choice"]')]);
  await golf(page);
  t.equal(await current(page), 'Playing the Game', 'the course reopens on its first activity');
  t.match(await read(), { completionStatus: 'completed', successStatus: 'passed' }, 'and keeps its result');
  t.same(problems, [], 'no page errors');
});

/** Imports a package, signs a new learner in and starts the course; returns the page and a registration reader. */
async function startCourse(t: Test, fixture: string, file: string) {
  const tenant = await createTenant(ctx.app);
  const author = await apiToken(ctx.app, tenant.author.email);
  const body = multipartFile(fixtureZip(fixture, file));
  t.equal((await ctx.app.inject({ method: 'POST', url: '/api/courses', headers: { ...bearer(author), ...body.headers }, payload: body.payload })).statusCode, 201);
  const context = await chromium.createBrowserContext();
  t.teardown(() => context.close());
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(String(error)));
  page.on('dialog', (dialog) => dialog.accept());
  await page.setViewport({ width: 1280, height: 900 });
  await signIn(page, appOrigin, tenant.learner.email);
  await Promise.all([page.waitForNavigation(), page.click('.course-list form button')]);
  const registrationId = page.url().split('/').pop()!;
  const learner = await apiToken(ctx.app, tenant.learner.email);
  const read = async () => (await ctx.app.inject({ method: 'GET', url: `/api/registrations/${registrationId}`, headers: bearer(learner) })).json().data;
  return { page, read, problems };
}

async function continueTo(page: Page) {
  await Promise.all([page.waitForNavigation(), page.click('.player-nav button[value="continue"]')]);
}

const CONTENT = ['Playing the Game', 'Etiquette', 'Handicapping', 'Having Fun'];

t.test('Golf 2004 pre-test or post-test: passing the pre-test in the content passes the course', async (t) => {
  const { page, read, problems } = await startCourse(t, 'scorm2004-3rd-seq-pre-or-posttest-rollup-golf', 'SequencingPreOrPostTestRollup_SCORM20043rdEdition.zip');
  const { runtime, launchpage } = await golf(page);
  t.equal(await current(page), 'Pre Test', 'the pre-test comes first');
  await readToTheEnd(launchpage);
  await answerQuiz(launchpage);
  await runtime.waitForFunction(() => (window as unknown as { API_1484_11: { GetValue(k: string): string } }).API_1484_11.GetValue('cmi.success_status') === 'passed');
  await continueTo(page);
  await golf(page);
  t.equal(await current(page), 'Playing the Game', 'Continue goes on to the content');
  t.notOk(await page.$('.player-toc form:has(input[value="pretest_item"])'), 'the pre-test cannot be chosen again');
  t.match(await read(), { completionStatus: 'completed', successStatus: 'passed' }, 'the pre-test alone passes the course');
  t.same(problems, []);
});

for (const c of [
  { label: 'post-test rollup', fixture: 'scorm2004-3rd-seq-posttest-rollup-golf', file: 'SequencingPostTestRollup_SCORM20043rdEdition.zip', test: /^Quiz$/, end: /reached the end/ },
  { label: 'random test', fixture: 'scorm2004-3rd-seq-random-test-golf', file: 'SequencingRandomTest_SCORM20043rdEdition.zip', test: /^Post Test$/, end: /left this course/ },
]) t.test(`Golf 2004 ${c.label}: the content, then the test decides`, async (t) => {
  const { page, read, problems } = await startCourse(t, c.fixture, c.file);
  let { runtime, launchpage } = await golf(page);
  for (const [i, title] of CONTENT.entries()) {
    t.equal(await current(page), title);
    await readToTheEnd(launchpage);
    await continueTo(page);
    ({ runtime, launchpage } = await golf(page));
    if (i === CONTENT.length - 1) t.match(await current(page), c.test, 'the test comes last');
  }
  t.match(await read(), { completionStatus: 'incomplete', successStatus: 'unknown' }, 'every content SCO passed, yet no course result before the test');
  await readToTheEnd(launchpage);
  await answerQuiz(launchpage);
  await runtime.waitForFunction(() => (window as unknown as { API_1484_11: { GetValue(k: string): string } }).API_1484_11.GetValue('cmi.success_status') === 'passed');
  await continueTo(page);
  t.match(await page.$eval('.player-finished', (e) => e.textContent), c.end);
  const done = await read();
  t.match(done, { completionStatus: 'completed', successStatus: 'passed' });
  t.ok(done.scos.some((s: { score: { raw: number | null } }) => s.score.raw === 100), 'the test score the content set is on the server');
  t.same(problems, []);
});
