// Plays Rustici's Golf "forced sequential order" SCORM 2004 package in real Chromium: the learner pages through
// each SCO, the player's Continue unloads it (its final commit reaches the server's sequencer first) and opens the
// next; an activity cannot be chosen before the one ahead is satisfied; the learner leaves mid-SCO and resumes;
// the quiz is answered in the content; the course ends completed and passed.
import type { Frame, Page } from 'puppeteer-core';
import t from 'tap';
import { apiToken, bearer, createTenant } from '../helpers/build-app.js';
import { screenshot } from '../helpers/chromium.js';
import { fixtureZip, multipartFile } from '../helpers/fixtures.js';
import { signIn, startLiveServers } from '../helpers/live-servers.js';

const live = await startLiveServers();
const { ctx, chromium, appOrigin } = live;
t.teardown(() => live.close());

/** The Golf launch page inside our runtime frame, once the content initialized the API. */
async function golf(page: Page): Promise<{ runtime: Frame; launchpage: Frame }> {
  const runtime = (await (await page.waitForSelector('#sco'))!.contentFrame())!;
  const launchpage = (await (await runtime.waitForSelector('#content'))!.contentFrame())!;
  await launchpage.waitForSelector('#butNext');
  await runtime.waitForFunction(() => (window as unknown as { API_1484_11: { isInitialized(): boolean } }).API_1484_11.isInitialized());
  return { runtime, launchpage };
}

/** Pages through the SCO to its last page (where the Golf content sets completed and passed, and commits). */
async function readToTheEnd(launchpage: Frame) {
  for (let i = 0; i < 20 && !(await launchpage.$eval('#butNext', (b) => (b as HTMLButtonElement).disabled)); i++) await launchpage.click('#butNext');
}

const current = (page: Page) => page.$eval('.player-toc [aria-current="page"]', (e) => e.textContent!.trim());

t.test('Golf 2004 forced sequential order, played through the sequencer', async (t) => {
  const tenant = await createTenant(ctx.app);
  const author = await apiToken(ctx.app, tenant.author.email);
  const body = multipartFile(fixtureZip('scorm2004-3rd-seq-forced-sequential-golf', 'SequencingForcedSequential_SCORM20043rdEdition.zip'));
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
  let { runtime } = await golf(page);
  launchpage = (await golf(page)).launchpage;
  t.equal(await runtime.evaluate(() => (window as unknown as { API_1484_11: { GetValue(k: string): string } }).API_1484_11.GetValue('cmi.entry')), 'resume');
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
  const quiz = (await (await launchpage.waitForSelector('#contentFrame'))!.contentFrame())!;
  await quiz.waitForSelector('input[type="button"][value="Submit Answers"]');
  await quiz.$$eval('.correctAnswer', (answers) => {
    for (const answer of answers) {
      const input = answer.querySelector('input')!;
      if (input.type === 'radio') input.checked = true;
      else input.value = /\((.*)\)/.exec(answer.textContent!)![1]!.trim();
    }
  });
  await quiz.click('input[type="button"][value="Submit Answers"]');
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
