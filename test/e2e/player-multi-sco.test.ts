// Multi-SCO packages in real Chromium: moving to the next item terminates the current SCO first (its state is on
// the server before the next one launches), and each item keeps its own attempt.
import t from 'tap';
import { apiToken, bearer, buildTestApp, createTenant } from '../helpers/build-app.js';
import { screenshot } from '../helpers/chromium.js';
import { signIn, startLiveServers } from '../helpers/live-servers.js';
import { fixtureZip, multipartFile } from '../helpers/fixtures.js';

const live = await startLiveServers();
const { ctx, chromium, appOrigin } = live;
t.teardown(() => live.close());

const cases = [
  { label: 'SCORM 1.2', fixture: 'scorm12-multi-sco-2sco-golf', file: 'RuntimeMinimumCalls_SCORM12-mini.zip', first: 'playing_playing_item', second: 'playing_par_item' },
  { label: 'SCORM 2004', fixture: 'scorm2004-3rd-multi-sco-golf', file: 'RuntimeMinimumCalls_SCORM20043rdEdition.zip', first: 'playing_playing_item', second: 'playing_par_item' },
];

for (const c of cases) t.test(`Golf ${c.label} multi-SCO: Next terminates the current SCO and launches the next`, async (t) => {
  const tenant = await createTenant(ctx.app);
  const author = await apiToken(ctx.app, tenant.author.email);
  const body = multipartFile(fixtureZip(c.fixture, c.file));
  const imported = await ctx.app.inject({ method: 'POST', url: '/api/courses', headers: { ...bearer(author), ...body.headers }, payload: body.payload });
  t.equal(imported.statusCode, 201);

  const context = await chromium.createBrowserContext();
  t.teardown(() => context.close());
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(String(error)));
  await page.setViewport({ width: 1280, height: 900 });
  await signIn(page, appOrigin, tenant.learner.email);
  await Promise.all([page.waitForNavigation(), page.click('.course-list form button')]);
  const registrationId = page.url().split('/').pop()!;
  const sco = async () => {
    const runtime = await (await page.waitForSelector('#sco'))!.contentFrame();
    const frame = await (await runtime!.waitForSelector('#content'))!.contentFrame();
    await frame!.waitForSelector('body');
    await runtime!.waitForFunction(() => {
      const w = window as unknown as { API?: { isInitialized(): boolean }; API_1484_11?: { isInitialized(): boolean } };
      return (w.API ?? w.API_1484_11)!.isInitialized();
    });
    return runtime!;
  };
  await sco();
  t.match(await page.$eval('.player-toc [aria-current="page"]', (a) => a.textContent), 'How to Play');

  if (c.label === 'SCORM 1.2') {
    await Promise.all([page.waitForNavigation(), page.click('.player-nav a.button:not(.secondary)')]);
    t.match(page.url(), new RegExp(`item=${c.second}$`));
  } else {
    // The manifest has no <imsss:controlMode>: IMS SS defaults are choice on, flow off, so no Continue button,
    // and the learner moves by choosing from the contents.
    t.equal(await page.$('.player-nav button[value="continue"]'), null, 'flow is off by default: no Continue');
    await Promise.all([page.waitForNavigation(), page.click(`.player-toc form:has(input[value="${c.second}"]) button`)]);
  }
  await sco();
  t.match(await page.$eval('.player-toc [aria-current="page"]', (a) => a.textContent), /Par/);
  await screenshot(page, `player-multi-${c.label.replace(/\W/g, '')}`);

  const learner = await apiToken(ctx.app, tenant.learner.email);
  const state = (await ctx.app.inject({ method: 'GET', url: `/api/registrations/${registrationId}`, headers: bearer(learner) })).json().data;
  const first = state.scos.find((s: { itemIdentifier: string }) => s.itemIdentifier === c.first);
  const second = state.scos.find((s: { itemIdentifier: string }) => s.itemIdentifier === c.second);
  t.ok(first?.terminated, 'the first SCO was terminated before the second launched');
  t.equal(first?.completionStatus, 'completed', 'a minimum-calls SCO that was viewed and finished counts as completed');
  t.ok(second, 'the second SCO has its own attempt');
  t.equal(state.completionStatus, 'incomplete', 'the course is not complete after two of many SCOs');
  t.same(problems, []);
});
