// Plays Rustici's Golf "basic run-time calls" packages (SCORM 1.2 and 2004) in real Chromium through our player: the content
// initializes, the learner pages through it and leaves; the server holds status, location and exit; reopening
// resumes at the saved place.
import type { Frame } from 'puppeteer-core';
import t from 'tap';
import { apiToken, bearer, buildTestApp, createTenant } from '../helpers/build-app.js';
import { screenshot } from '../helpers/chromium.js';
import { signIn, startLiveServers, waitFor } from '../helpers/live-servers.js';
import { fixtureZip, multipartFile } from '../helpers/fixtures.js';
import { answerQuiz, golfFrames, readToTheEnd } from '../helpers/golf.js';

const live = await startLiveServers();
const { ctx, chromium, appOrigin } = live;
t.teardown(() => live.close());

const cases = [
  { label: 'SCORM 1.2', fixture: 'scorm12-single-sco-basic-runtime-golf', file: 'singlescobasic.zip', api: 'API', get: 'LMSGetValue', entry: 'cmi.core.entry', location: 'cmi.core.lesson_location', score: 'cmi.core.score.raw' },
  { label: 'SCORM 2004', fixture: 'scorm2004-3rd-single-sco-basic-runtime-golf', file: 'RuntimeBasicCalls_SCORM20043rdEdition.zip', api: 'API_1484_11', get: 'GetValue', entry: 'cmi.entry', location: 'cmi.location', score: 'cmi.score.raw' },
];

for (const c of cases) t.test(`Golf ${c.label} basic run-time: play, leave, and resume where the learner left off`, async (t) => {
  const tenant = await createTenant(ctx.app);
  const author = await apiToken(ctx.app, tenant.author.email);
  const body = multipartFile(fixtureZip(c.fixture, c.file), 'golf.zip');
  const imported = await ctx.app.inject({ method: 'POST', url: '/api/courses', headers: { ...bearer(author), ...body.headers }, payload: body.payload });
  t.equal(imported.statusCode, 201);

  // A browser context of its own: each learner signs in with their own cookies.
  const context = await chromium.createBrowserContext();
  t.teardown(() => context.close());
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(String(error)));
  const dialogs: string[] = [];
  page.on('dialog', async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.accept();
  });
  await page.setViewport({ width: 1280, height: 900 });
  await signIn(page, appOrigin, tenant.learner.email);
  await Promise.all([page.waitForNavigation(), page.click('.course-list form button')]);
  t.match(page.url(), /\/player\/[0-9a-f-]{36}$/, 'Start opens the player');
  const registrationId = page.url().split('/').pop()!;

  const runtime = await (await page.waitForSelector('#sco'))!.contentFrame();
  const sco = await (await runtime!.waitForSelector('#content'))!.contentFrame();
  await sco!.waitForSelector('#butNext');
  const value = (frame: Frame, element: string) =>
    frame.evaluate((api, get, el) => (window as unknown as Record<string, Record<string, (k: string) => string>>)[api]![get]!(el), c.api, c.get, element);
  t.equal(await value(runtime!, c.entry), 'ab-initio');
  for (let i = 0; i < 3; i++) await sco!.click('#butNext');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await screenshot(page, `player-golf-${c.api}`);

  await Promise.all([page.waitForNavigation(), page.click('.player-exit')]);
  const learner = await apiToken(ctx.app, tenant.learner.email);
  const read = async () => (await ctx.app.inject({ method: 'GET', url: `/api/registrations/${registrationId}`, headers: bearer(learner) })).json().data;
  const saved = await waitFor(read, (d) => d.scos[0]?.terminated === true);
  t.equal(saved.completionStatus, 'incomplete', 'the course is in progress');
  t.equal(saved.location, '3', 'the bookmark is the page the learner reached');
  t.equal(saved.scos[0].exit, 'suspend', 'leaving without exiting suspends');
  t.ok(saved.lastAccessedAt, 'last access recorded');

  await page.goto(`${appOrigin}/`);
  t.match(await page.$eval('.course-list', (e) => e.textContent), 'Resume');
  await Promise.all([page.waitForNavigation(), page.click('.course-list a.button')]);
  const runtime2 = await (await page.waitForSelector('#sco'))!.contentFrame();
  const sco2 = await (await runtime2!.waitForSelector('#content'))!.contentFrame();
  await sco2!.waitForSelector('#butNext');
  t.equal(await value(runtime2!, c.entry), 'resume', 'entry is resume');
  t.equal(await value(runtime2!, c.location), '3');
  t.ok(dialogs.some((d) => /resume/i.test(d)), 'the content offered to resume from the bookmark');

  // The resumed visit keeps saving: two more pages, leave, and the bookmark moved on.
  for (let i = 0; i < 2; i++) await sco2!.click('#butNext');
  await Promise.all([page.waitForNavigation(), page.click('.player-exit')]);
  const later = await waitFor(read, (d) => d.location === '5');
  t.equal(later.location, '5', 'progress after resuming is saved too');
  t.equal(later.scos.length, 1, 'still one attempt: the suspended one continued');

  // Third visit: to the last page, the quiz, answered in the content (two questions wrong), then leave.
  await Promise.all([page.waitForNavigation(), page.click('.course-list a.button')]);
  const { runtime: runtime3, launchpage } = await golfFrames(page);
  await readToTheEnd(launchpage);
  await answerQuiz(launchpage, { wrong: 2 });
  await runtime3.waitForFunction((api, get, el) => (window as unknown as Record<string, Record<string, (k: string) => string>>)[api]![get]!(el) !== '', {}, c.api, c.get, c.score);
  const score = Number(await value(runtime3, c.score));
  t.ok(score > 0 && score < 100, `the content scored the quiz (${score})`);
  await screenshot(page, `player-golf-quiz-${c.api}`);
  await Promise.all([page.waitForNavigation(), page.click('.player-exit')]);
  const finished = await waitFor(read, (d) => d.scos[0]?.score.raw === score && d.scos[0]?.terminated === true);
  t.match(finished.scos[0], { score: { raw: score, min: 0, max: 100 }, completionStatus: 'completed', successStatus: score >= 70 ? 'passed' : 'failed' }, 'the score and status the content set are on the server');
  t.match(finished, { completionStatus: 'completed', successStatus: score >= 70 ? 'passed' : 'failed', score: { raw: score } }, 'and make the course result');
  t.same(problems, [], 'no page errors');
});
