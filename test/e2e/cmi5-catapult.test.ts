// ADL CATAPULT's LMS test suite packages (../shared/fixtures/cmi5/catapult-lts) in real Chromium through our
// launch: each AU tests the LMS from inside (fetch URL, LaunchData, statements it must have accepted or rejected)
// and writes its verdict as JSON in #result. After the run, the registration's statements are checked as the
// suite's own runtime checks do (lts/__tests__/runtime.js): order, satisfied objects, extensions, actors.
import type { Frame, Page } from 'puppeteer-core';
import t, { type Test } from 'tap';
import { apiToken, bearer } from '../helpers/build-app.js';
import { screenshot } from '../helpers/chromium.js';
import { signIn, startLiveServers } from '../helpers/live-servers.js';
import { cmi5Tenant, importCmi5, launch, verbsOf, type Statement } from '../modules/cmi5/helpers.js';

const live = await startLiveServers();
const { ctx, chromium, appOrigin } = live;
t.teardown(() => live.close());
const { app } = ctx;
const SATISFIED = 'https://w3id.org/xapi/adl/verbs/satisfied';
const EXT = 'https://w3id.org/xapi/cmi5/context/extensions/';

interface Verdict {
  success: boolean;
  isError: boolean;
  msg?: string;
  reqId?: string;
  registration?: string;
  actor?: Record<string, unknown>;
  activityId?: string;
}

async function newPage(t: Test): Promise<Page> {
  const context = await chromium.createBrowserContext();
  t.teardown(() => context.close());
  const page = await context.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  return page;
}

async function verdictIn(target: Page | Frame): Promise<Verdict> {
  const element = await target.waitForSelector('#result', { timeout: 30_000 });
  return JSON.parse((await element!.evaluate((e) => e.textContent))!) as Verdict;
}

/** Imports the package and runs AU 0 the way the suite's harness does: launch, then load the launch URL. */
async function runPackage(t: Test, file: string, options: { launchMode?: string } = {}) {
  const lms = await cmi5Tenant(app);
  const learner = await apiToken(app, lms.tenant.learner.email);
  const courseId = await importCmi5(app, lms.tenant, file);
  const page = await newPage(t);
  const run = async (launchMode = options.launchMode) => {
    const l = await launch(app, learner, courseId, { launchMode });
    await page.goto(l.launchUrl);
    return { ...l, verdict: await verdictIn(page) };
  };
  return { lms, learner, courseId, page, run };
}

const passes = (t: Test, verdict: Verdict, file: string) => {
  t.same({ success: verdict.success, isError: verdict.isError }, { success: true, isError: false }, `${file}: ${verdict.reqId ?? ''} ${verdict.msg ?? ''}`);
};

t.test('001-essentials, launched from the course page: the AU passes, then launched … satisfied(block), satisfied(course)', async (t) => {
  const lms = await cmi5Tenant(app);
  await importCmi5(app, lms.tenant, '001-essentials.zip');
  const page = await newPage(t);
  await signIn(page, appOrigin, lms.tenant.learner.email);
  await Promise.all([page.waitForNavigation(), page.click('.course-list form button')]);
  t.match(new URL(page.url()).pathname, /^\/cmi5\/registrations\//, 'Start opens the cmi5 course page');
  await screenshot(page, 'cmi5-course-before');
  await Promise.all([page.waitForNavigation(), page.click('.cmi5-actions button')]);
  t.match(new URL(page.url()).pathname, /^\/cmi5\/sessions\//, 'an AnyWindow AU plays in the player frame');
  const frame = await (await page.waitForSelector('iframe.cmi5-frame'))!.contentFrame();
  const verdict = await verdictIn(frame);
  passes(t, verdict, '001-essentials');
  await screenshot(page, 'cmi5-au-frame');
  // The AU's returnURL, followed inside the frame, takes the whole window back to the course page.
  await Promise.all([page.waitForNavigation(), frame.click('#returnURL')]);
  t.match(new URL(page.url()).pathname, new RegExp(`^/cmi5/registrations/${verdict.registration}$`), 'returnURL leaves the frame for the course page');

  const statements = await lms.statements(verdict.registration!);
  const verbs = verbsOf(statements);
  t.equal(verbs.filter((v) => v === 'launched').length, 1, '9.3.1.0-2 one launched');
  t.equal(verbs[0], 'launched', '9.3.1.0-1 launched first');
  for (const i of [0, 4, 5]) t.ok(statements[i]!.context.contextActivities.category!.some((c) => c.id === 'https://w3id.org/xapi/cmi5/context/categories/cmi5'), `9.6.2.1-1 statement ${i} has the cmi5 category`);
  const launched = statements[0]!.context.extensions;
  t.equal(launched[`${EXT}masteryscore`], 0.9, '9.6.3.2-1');
  t.equal(launched[`${EXT}launchmode`], 'Normal', '9.6.3.3-1');
  t.equal(launched[`${EXT}moveon`], 'CompletedAndPassed', '9.6.3.6-1');
  t.equal(launched[`${EXT}launchparameters`], 'sample string', '9.6.3.7-1');
  const launchUrl = new URL(launched[`${EXT}launchurl`] as string);
  t.equal(launchUrl.searchParams.get('paramA'), '1', '9.6.3.4-1');
  t.equal(statements[4]!.verb.id, SATISFIED, '9.3.9.0-1');
  t.equal(statements[4]!.object.definition?.type, 'https://w3id.org/xapi/cmi5/activitytype/block', '9.3.9.0-2');
  t.not(statements[4]!.object.id, 'https://w3id.org/xapi/cmi5/catapult/lts/block/001-essentials', '9.3.9.0-4');
  t.equal(statements[5]!.verb.id, SATISFIED, '9.3.9.0-5');
  t.equal(statements[5]!.object.definition?.type, 'https://w3id.org/xapi/cmi5/activitytype/course', '9.3.9.0-6');
  t.not(statements[5]!.object.id, 'https://w3id.org/xapi/cmi5/catapult/lts/course/001-essentials', '9.3.9.0-8');

  await page.goto(`${appOrigin}/cmi5/registrations/${verdict.registration}`);
  t.ok(await page.$eval('.page-head .badge', (e) => e.textContent!.includes('Satisfied')), 'the course page shows the course satisfied');
  await screenshot(page, 'cmi5-course-after');
});

t.test('002-allowed: a cmi5 allowed statement is accepted and kept', async (t) => {
  const { run, lms } = await runPackage(t, '002-allowed.zip');
  const { verdict, registration } = await run();
  passes(t, verdict, '002-allowed');
  t.equal((await lms.statements(registration))[2]!.verb.id, 'http://adlnet.gov/expapi/verbs/experienced', '9.3.0.0-9');
});

t.test('003-launchMethod-OwnWindow: launched from the course page into the whole window, the returnURL brings the learner back', async (t) => {
  const lms = await cmi5Tenant(app);
  await importCmi5(app, lms.tenant, '003-launchMethod-OwnWindow.zip');
  const page = await newPage(t);
  await signIn(page, appOrigin, lms.tenant.learner.email);
  await Promise.all([page.waitForNavigation(), page.click('.course-list form button')]);
  await Promise.all([page.waitForNavigation(), page.click('.cmi5-actions button')]);
  const verdict = await verdictIn(page);
  t.equal(new URL(page.url()).origin, live.contentOrigin, 'the AU has the window to itself');
  passes(t, verdict, '003-launchMethod-OwnWindow');
  const back = await page.$('#returnURL');
  if (back) {
    await Promise.all([page.waitForNavigation({ waitUntil: 'networkidle0' }), back.click()]);
    t.match(new URL(page.url()).pathname, /^\/cmi5\/registrations\//, 'returnURL leads back to the course page');
  } else t.fail('the AU offers its returnURL');
});

for (const [file, publisherEnd] of [
  ['004-1-moveOn-Completed.zip', '004-1-moveOn-Completed'],
  ['004-2-moveOn-CompletedOrPassed.zip', '004-2-moveOn-CompletedOrPassed'],
  ['004-3-moveOn-Passed.zip', '004-3-moveOn-Passed'],
  ['004-4-moveOn-CompletedOrPassed.zip', '004-4-moveOn-CompletedOrPassed'],
] as const) {
  t.test(`${file}: the AU's result satisfies block then course, grouped by the publisher ids`, async (t) => {
    const { run, lms } = await runPackage(t, file);
    const { verdict, registration } = await run();
    passes(t, verdict, file);
    const statements = await lms.statements(registration);
    t.same([statements[3]!.verb.id, statements[4]!.verb.id], [SATISFIED, SATISFIED], '9.3.3.0-3 / 9.3.4.0-4');
    t.ok(hasGrouping(statements[3]!, `https://w3id.org/xapi/cmi5/catapult/lts/block/${publisherEnd}`), '9.6.2.3-2 block');
    t.ok(hasGrouping(statements[4]!, `https://w3id.org/xapi/cmi5/catapult/lts/course/${publisherEnd}`), '9.6.2.3-2 course');
  });
}

t.test('004-5-moveOn-NotApplicable: satisfied before the AU runs', async (t) => {
  const { run, lms } = await runPackage(t, '004-5-moveOn-NotApplicable.zip');
  const { verdict, registration } = await run();
  passes(t, verdict, '004-5');
  const statements = await lms.statements(registration);
  t.same([statements[0]!.verb.id, statements[1]!.verb.id], [SATISFIED, SATISFIED], '9.6.1.1-3');
  t.ok(hasGrouping(statements[0]!, 'https://w3id.org/xapi/cmi5/catapult/lts/block/004-5-moveOn-NotApplicable'));
  t.ok(hasGrouping(statements[1]!, 'https://w3id.org/xapi/cmi5/catapult/lts/course/004-5-moveOn-NotApplicable'));
});

for (const file of ['005-1-invalid-au.zip', '005-2-invalid-au.zip']) {
  t.test(`${file}: every invalid request the AU makes is rejected`, async (t) => {
    const { run } = await runPackage(t, file);
    passes(t, (await run()).verdict, file);
  });
}

for (const launchMode of ['Browse', 'Review']) {
  t.test(`006-launchMode in ${launchMode}: judged statements are rejected`, async (t) => {
    const { run } = await runPackage(t, '006-launchMode.zip', { launchMode });
    passes(t, (await run()).verdict, `006-launchMode ${launchMode}`);
  });
}

for (const file of ['007-1-multi-session.zip', '007-2-multi-session.zip']) {
  t.test(`${file}: the second session is held to what the first one sent`, async (t) => {
    const { run } = await runPackage(t, file);
    const first = await run();
    passes(t, first.verdict, `${file} first session`);
    const second = await run();
    t.equal(second.registration, first.registration, 'the same registration');
    passes(t, second.verdict, `${file} second session`);
  });
}

t.test('008-1-abandoned: the LMS abandons the session while the AU runs; the AU is then refused', async (t) => {
  const { page, lms, learner, courseId } = await runPackage(t, '008-1-abandoned.zip');
  const l = await launch(app, learner, courseId);
  await page.goto(l.launchUrl);
  const button = await page.waitForSelector('#abandon', { timeout: 30_000 });
  const sessionId = await page.$eval('#abandon', (e) => e.getAttribute('value'));
  t.equal(sessionId, l.sessionId);
  t.equal((await app.inject({ method: 'POST', url: `/api/cmi5/sessions/${sessionId}/abandon`, headers: bearer(lms.admin) })).statusCode, 200);
  await button!.click();
  const verdict = await verdictIn(page);
  passes(t, verdict, '008-1-abandoned');
  const abandoned = (await lms.statements(l.registration))[2]!;
  t.equal(abandoned.verb.id, 'https://w3id.org/xapi/adl/verbs/abandoned');
  t.equal(abandoned.context.extensions[`${EXT}sessionid`], sessionId, '9.6.3.1-3');
  t.ok(abandoned.result?.duration, '9.5.4.2-1');
  t.same(abandoned.actor, verdict.actor, 'abandoned statement actor');
  t.equal(abandoned.object.id, verdict.activityId);
  t.equal(abandoned.context.registration, l.registration);
});

t.test('009-1-waived: after the run the LMS waives the AU; waived, then satisfied under its session', async (t) => {
  const { run, lms } = await runPackage(t, '009-1-waived.zip');
  const { verdict, registration } = await run();
  passes(t, verdict, '009-1-waived');
  t.equal((await app.inject({ method: 'POST', url: `/api/registrations/${registration}/cmi5/waive`, headers: bearer(lms.admin), payload: { au: 0, reason: 'Administrative' } })).statusCode, 200);
  const statements = await lms.statements(registration);
  const [waived, satisfied] = [statements[3]!, statements[4]!];
  t.equal(waived.verb.id, 'https://w3id.org/xapi/adl/verbs/waived', '9.3.7.0-1');
  t.equal(waived.result?.extensions?.['https://w3id.org/xapi/cmi5/result/extensions/reason'], 'Administrative', '9.3.7.0-2');
  t.ok(waived.context.extensions[`${EXT}sessionid`], '9.3.7.0-3');
  t.equal(waived.result?.success, true);
  t.equal(waived.result?.completion, true);
  t.ok(waived.context.contextActivities.category!.some((c) => c.id === 'https://w3id.org/xapi/cmi5/context/categories/moveon'), '9.6.2.2-1');
  t.same(waived.actor, verdict.actor);
  t.equal(waived.object.id, verdict.activityId);
  t.equal(satisfied.verb.id, SATISFIED);
  t.same(satisfied.actor, verdict.actor);
  t.equal(satisfied.context.extensions[`${EXT}sessionid`], waived.context.extensions[`${EXT}sessionid`]);

  // What the admin sees of it: the learner's course page with the waiver and the session.
  const adminPage = await newPage(t);
  await signIn(adminPage, appOrigin, lms.tenant.admin.email);
  await adminPage.goto(`${appOrigin}/cmi5/registrations/${registration}`);
  t.match(await adminPage.$eval('.cmi5-au .cmi5-row', (e) => e.textContent!), /waived: Administrative/);
  t.match(await adminPage.$eval('table', (e) => e.textContent!), /terminated/, 'the launch session is listed');
  await screenshot(adminPage, 'cmi5-admin-registration');
});

function hasGrouping(statement: Statement, id: string): boolean {
  return (statement.context.contextActivities.grouping ?? []).some((g) => g.id === id);
}
