// The runtime loses nothing when the server refuses a commit for now (issue 10, finding 5): a 503 (too many commits
// of the registration in flight, or a lock held elsewhere) or a 429 (the launch over its budget) comes with
// Retry-After, and runtime.js sends the same commit again. Real Chromium plays the Golf SCORM 1.2 package through our
// player; the network in front of the content origin answers the first commits with those refusals, exactly as the
// server words them, and the content's LMSCommit still ends with the data on the server.
import type { Frame, HTTPRequest } from 'puppeteer-core';
import t, { type Test } from 'tap';
import { apiToken, bearer, createTenant } from '../helpers/build-app.js';
import { fixtureZip, multipartFile } from '../helpers/fixtures.js';
import { signIn, startLiveServers, waitFor } from '../helpers/live-servers.js';

const live = await startLiveServers();
const { ctx, chromium, appOrigin, contentOrigin } = live;
t.teardown(() => live.close());

/** Signs the learner in, starts the Golf course and returns the runtime frame (where window.API lives). */
async function openRuntime(t: Test, refuse: (request: HTTPRequest) => { status: number; retryAfter: string } | null) {
  const tenant = await createTenant(ctx.app);
  const author = await apiToken(ctx.app, tenant.author.email);
  const body = multipartFile(fixtureZip('scorm12-single-sco-basic-runtime-golf', 'singlescobasic.zip'), 'golf.zip');
  await ctx.app.inject({ method: 'POST', url: '/api/courses', headers: { ...bearer(author), ...body.headers }, payload: body.payload });
  const context = await chromium.createBrowserContext();
  t.teardown(() => context.close());
  const page = await context.newPage();
  page.on('dialog', (dialog) => void dialog.accept());
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    if (request.isInterceptResolutionHandled()) return;
    const refusal = request.method() === 'POST' && request.url().startsWith(`${contentOrigin}/r/`) ? refuse(request) : null;
    if (!refusal) return void request.continue();
    void request.respond({ status: refusal.status, headers: { 'retry-after': refusal.retryAfter }, contentType: 'application/json', body: '{"result":false,"errorCode":101}' });
  });
  await signIn(page, appOrigin, tenant.learner.email);
  await Promise.all([page.waitForNavigation(), page.click('.course-list form button')]);
  const registrationId = page.url().split('/').pop()!;
  const runtime = (await (await page.waitForSelector('#sco'))!.contentFrame())!;
  await runtime.waitForFunction(() => (window as unknown as { API?: { isInitialized(): boolean } }).API?.isInitialized() === true);
  const learner = await apiToken(ctx.app, tenant.learner.email);
  const read = async () => (await ctx.app.inject({ method: 'GET', url: `/api/registrations/${registrationId}`, headers: bearer(learner) })).json().data;
  return { runtime, read };
}

/** The content's own calls, made in the runtime frame: set the bookmark, then LMSCommit; its answer. */
const commitLocation = (runtime: Frame, location: string) =>
  runtime.evaluate((value) => {
    const api = (window as unknown as { API: { LMSSetValue(k: string, v: string): string; LMSCommit(s: string): string; LMSGetLastError(): string } }).API;
    api.LMSSetValue('cmi.core.lesson_location', value);
    return { result: api.LMSCommit(''), error: api.LMSGetLastError() };
  }, location);

t.test('refused twice (503, then 429), LMSCommit retries within the call and answers true; the data is stored', async (t) => {
  const refusals = [{ status: 503, retryAfter: '1' }, { status: 429, retryAfter: '1' }];
  let commits = 0;
  const { runtime, read } = await openRuntime(t, () => {
    commits++;
    return refusals.shift() ?? null;
  });
  const before = commits;
  const answer = await commitLocation(runtime, 'page-7');
  t.same(answer, { result: 'true', error: '0' }, 'the content sees a successful commit');
  t.equal(commits - before, 3, 'the same commit was sent three times');
  t.equal((await read()).location, 'page-7', 'and the server has it');
});

t.test('refused for longer than a call may wait: LMSCommit answers false, and the commit is delivered in the background', async (t) => {
  let refusing = true;
  const { runtime, read } = await openRuntime(t, () => (refusing ? { status: 503, retryAfter: '1' } : null));
  const answer = await commitLocation(runtime, 'page-9');
  t.equal(answer.result, 'false', 'the content is told the truth: not saved yet');
  t.equal(answer.error, '101');
  t.not((await read()).location, 'page-9', 'not stored while refused');
  refusing = false;
  const stored = await waitFor(read, (d) => d.location === 'page-9', 30_000);
  t.equal(stored.location, 'page-9', 'the runtime kept it and delivered it once the server took commits again');
});
