// The LMS side of a cmi5 launch (cmi5 spec 8 and 10), with the @xapi/cmi5 npm package as the AU: the launch URL,
// LMS.LaunchData, the `launched` statement, the one-time fetch URL, then a session from initialized to terminated
// that satisfies the block and the course. Grouped by spec section.
import { eq } from 'drizzle-orm';
import t from 'tap';
import { cmi5Sessions } from '../../../src/db/schema/index.js';
import XMLHttpRequest from 'xhr2';
import { apiToken, bearer, browser } from '../../helpers/build-app.js';
import { cmi5Tenant, importCmi5, launch, startCmi5App, verbsOf } from './helpers.js';

// @xapi/cmi5 is built for browsers: its axios has only the XMLHttpRequest adapter, chosen when the module loads.
// xhr2 gives Node one, set before the import.
(globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = XMLHttpRequest;
const { default: Cmi5 } = await import('@xapi/cmi5/dist/Cmi5.esm.js');

const ctx = await startCmi5App();
t.teardown(() => ctx.close());
const { app, appOrigin } = ctx;
const lms = await cmi5Tenant(app);
const learner = await apiToken(app, lms.tenant.learner.email);
const essentials = await importCmi5(app, lms.tenant, '001-essentials.zip');
const PUBLISHER_AU = 'https://w3id.org/xapi/cmi5/catapult/lts/au/001-essentials';

t.test('8.1 the launch URL carries endpoint, fetch, actor, registration and activityId after the AU\'s own query', async (t) => {
  const l = await launch(app, learner, essentials);
  t.equal(l.url.searchParams.get('paramA'), '1', 'the AU URL\'s own parameters are kept');
  t.equal(l.url.searchParams.get('paramB'), '2');
  t.match(l.url.pathname, /\/index\.html$/, 'the AU page from the package');
  t.equal(l.params.endpoint, `${appOrigin}/xapi`);
  t.match(l.params.fetch, new RegExp(`^${appOrigin}/cmi5/fetch/${l.sessionId}\\?k=`));
  t.match(l.params.actor, { objectType: 'Agent', account: { homePage: appOrigin } }, 'an Agent with an account (9.2)');
  t.equal(l.params.registration, l.registration);
  t.not(l.params.activityId, PUBLISHER_AU, 'the LMS activity id is not the publisher\'s (8.1.5)');
  const again = await launch(app, learner, essentials);
  t.equal(again.params.activityId, l.params.activityId, 'the same activity id on every launch of the AU');
  t.equal(again.registration, l.registration, 'one registration per learner and course');
});

t.test('10 LMS.LaunchData and 9.3.1 the launched statement are stored before the AU starts', async (t) => {
  const l = await launch(app, learner, essentials);
  const query = new URLSearchParams({ activityId: l.params.activityId, agent: JSON.stringify(l.params.actor), registration: l.registration, stateId: 'LMS.LaunchData' });
  const doc = await app.inject({ method: 'GET', url: `/xapi/activities/state?${query}`, headers: { authorization: lms.lrsAuth, 'x-experience-api-version': '1.0.3' } });
  t.equal(doc.statusCode, 200);
  t.match(doc.json(), {
    contextTemplate: { contextActivities: { grouping: [{ id: PUBLISHER_AU }] }, extensions: { 'https://w3id.org/xapi/cmi5/context/extensions/sessionid': l.sessionId } },
    launchMode: 'Normal', launchMethod: 'AnyWindow', moveOn: 'CompletedAndPassed', masteryScore: 0.9, launchParameters: 'sample string',
    entitlementKey: { courseStructure: 'sample value' }, returnURL: `${appOrigin}/cmi5/return/${l.registration}`,
  });
  const launched = (await lms.statements(l.registration)).filter((s) => s.context.extensions['https://w3id.org/xapi/cmi5/context/extensions/sessionid'] === l.sessionId);
  t.same(verbsOf(launched), ['launched']);
  t.match(launched[0], {
    actor: l.params.actor,
    object: { id: l.params.activityId },
    context: {
      registration: l.registration,
      contextActivities: { category: [{ id: 'https://w3id.org/xapi/cmi5/context/categories/cmi5' }], grouping: [{ id: PUBLISHER_AU }] },
      extensions: {
        'https://w3id.org/xapi/cmi5/context/extensions/launchmode': 'Normal',
        'https://w3id.org/xapi/cmi5/context/extensions/moveon': 'CompletedAndPassed',
        'https://w3id.org/xapi/cmi5/context/extensions/masteryscore': 0.9,
        'https://w3id.org/xapi/cmi5/context/extensions/launchparameters': 'sample string',
      },
    },
  });
  const launchUrl = new URL(launched[0]!.context.extensions['https://w3id.org/xapi/cmi5/context/extensions/launchurl'] as string);
  t.equal(launchUrl.searchParams.get('paramA'), '1');
  t.equal(launchUrl.searchParams.get('fetch'), null, 'the launchurl extension leaves out the LMS\'s parameters (9.6.3.4)');
});

t.test('8.2 the fetch URL hands out the auth token once', async (t) => {
  const l = await launch(app, learner, essentials);
  const path = l.params.fetch.slice(appOrigin.length);
  const first = await app.inject({ method: 'POST', url: path });
  t.equal(first.statusCode, 200);
  t.equal(first.headers['access-control-allow-origin'], '*', 'callable from the AU\'s origin');
  const token = first.json()['auth-token'] as string;
  t.match(token, /^[A-Za-z0-9+/=]+$/);
  const second = await app.inject({ method: 'POST', url: path });
  t.equal(second.statusCode, 200, 'a second call is still 200 (8.2.3)');
  t.same(second.json(), { 'error-code': '1', 'error-text': 'The authorization token has already been returned.' });
  const [row] = await app.db.select().from(cmi5Sessions).where(eq(cmi5Sessions.id, l.sessionId));
  t.equal(row!.launchUrl, null, 'once the token is out, the stored launch URL (with the fetch key) is gone');
  t.not(row!.fetchKeyHash, new URL(l.params.fetch).searchParams.get('k'), 'the key itself is only kept as a hash');
  const forged = await app.inject({ method: 'POST', url: path.replace(/k=[^&]+/, 'k=wrong') });
  t.equal(forged.json()['error-code'], '2', 'a wrong key is a security error');
  t.equal((await app.inject({ method: 'GET', url: path })).statusCode, 404, 'only POST');
  const own = await app.inject({ method: 'GET', url: `/xapi/statements?registration=${l.registration}`, headers: { authorization: `Basic ${token}`, 'x-experience-api-version': '1.0.3' } });
  t.equal(own.statusCode, 200, 'the token is Basic auth at the LRS');
});

t.test('9.3 an @xapi/cmi5 AU session: initialized, completed, passed, satisfied (block, course), terminated', async (t) => {
  const fresh = await cmi5Tenant(app);
  const course = await importCmi5(app, fresh.tenant, '001-essentials.zip');
  const l = await launch(app, await apiToken(app, fresh.tenant.learner.email), course);
  const au = new Cmi5({ endpoint: l.params.endpoint, fetch: l.params.fetch, actor: l.params.actor, registration: l.params.registration, activityId: l.params.activityId });
  await au.initialize();
  t.equal(au.getLaunchData().moveOn, 'CompletedAndPassed', 'the AU read LMS.LaunchData');
  await au.complete();
  await au.pass({ scaled: 0.95, raw: 95, min: 0, max: 100 });
  await au.terminate();

  const statements = await fresh.statements(l.registration);
  t.same(verbsOf(statements), ['launched', 'initialized', 'completed', 'passed', 'satisfied', 'satisfied', 'terminated']);
  const [block, courseSatisfied] = [statements[4]!, statements[5]!];
  t.equal(block.object.definition?.type, 'https://w3id.org/xapi/cmi5/activitytype/block');
  t.not(block.object.id, 'https://w3id.org/xapi/cmi5/catapult/lts/block/001-essentials', 'the LMS block id is not the publisher\'s (9.4)');
  t.same(block.context.contextActivities.grouping, [{ objectType: 'Activity', id: 'https://w3id.org/xapi/cmi5/catapult/lts/block/001-essentials' }]);
  t.equal(courseSatisfied.object.definition?.type, 'https://w3id.org/xapi/cmi5/activitytype/course');
  t.equal(courseSatisfied.context.extensions['https://w3id.org/xapi/cmi5/context/extensions/sessionid'], l.sessionId, 'satisfied carries the launch session id (9.3.9)');
  t.same(courseSatisfied.actor, l.params.actor, 'the LMS speaks for the same actor');

  const progress = (await app.inject({ method: 'GET', url: `/api/registrations/${l.registration}/cmi5`, headers: bearer(fresh.admin) })).json().data;
  t.match(progress.course, { satisfied: true, satisfiedAus: 1, auCount: 1 });
  t.match(progress.course.nodes[0], { type: 'block', satisfied: true, children: [{ type: 'au', completed: true, passed: true, scoreScaled: 0.95 }] });
  t.match(progress.sessions[0], { state: 'terminated' });
  const registration = (await app.inject({ method: 'GET', url: `/api/registrations/${l.registration}`, headers: bearer(fresh.admin) })).json().data;
  t.match(registration, { completionStatus: 'completed', successStatus: 'passed', score: { scaled: 0.95 } });
  t.ok(registration.totalTimeSeconds >= 0 && registration.totalTimeSeconds < 60, `the session's time is added (${registration.totalTimeSeconds} s)`);

  const after = await app.inject({ method: 'GET', url: `/xapi/statements?registration=${l.registration}`, headers: { authorization: `Basic ${au.getAuthToken()}`, 'x-experience-api-version': '1.0.3' } });
  t.equal(after.statusCode, 401, 'the token dies with the session');
});

t.test('9.6.1 moveOn is evaluated at registration: NotApplicable satisfies the block and course before the launch', async (t) => {
  const course = await importCmi5(app, lms.tenant, '004-5-moveOn-NotApplicable.zip');
  const l = await launch(app, learner, course);
  const statements = await lms.statements(l.registration);
  t.same(verbsOf(statements), ['satisfied', 'satisfied', 'launched']);
  const [block, whole] = statements;
  t.not(block!.context.extensions['https://w3id.org/xapi/cmi5/context/extensions/sessionid'], l.sessionId, 'outside a launch, satisfied gets a session id of its own');
  t.equal(block!.context.extensions['https://w3id.org/xapi/cmi5/context/extensions/sessionid'], whole!.context.extensions['https://w3id.org/xapi/cmi5/context/extensions/sessionid']);
  await launch(app, learner, course);
  t.equal((await lms.statements(l.registration)).filter((s) => s.verb.id.endsWith('/satisfied')).length, 2, 'not satisfied again on the next launch');
});

t.test('the course page: the learner sees the units and launches one (Launch, Browse) into the player frame', async (t) => {
  const page = await browser(app, { email: lms.tenant.learner.email });
  const started = await page.post(`/courses/${essentials}/start`, {});
  t.equal(started.statusCode, 303);
  const course = await page.get(started.headers.location as string);
  t.equal(course.statusCode, 302, 'the player sends a cmi5 course to its own page');
  const registration = String(course.headers.location).split('/').pop()!;
  const html = (await page.get(`/cmi5/registrations/${registration}`)).body;
  t.match(html, 'CATAPULT LMS Test AU: 001 Essentials');
  t.match(html, 'value="Browse"', 'Browse is offered before the unit is done');
  const browse = await page.post(`/cmi5/registrations/${registration}/launch`, { au: '0', mode: 'Browse' });
  t.equal(browse.statusCode, 303);
  const frame = await page.get(browse.headers.location as string);
  t.match(frame.body, `<iframe class="player-frame cmi5-frame" src="${ctx.config.contentOrigin}/c/`, 'the AU from the content origin in the frame');
  const sessions = (await app.inject({ method: 'GET', url: `/api/registrations/${registration}/cmi5`, headers: bearer(learner) })).json().data.sessions;
  t.equal(sessions[0].launchMode, 'Browse');
  t.equal((await page.post(`/cmi5/registrations/${registration}/launch`, { au: '0' }, { csrf: null })).statusCode, 403, 'no CSRF token, no launch');
  t.equal((await page.post(`/cmi5/registrations/${registration}/launch`, { au: 'x' })).statusCode, 400, 'a unit that is not a number');
  const other = await browser(app, { email: lms.tenant.author.email });
  t.equal((await other.get(`/cmi5/registrations/${registration}`)).statusCode, 403, 'another learner\'s page');
  t.equal((await other.get(browse.headers.location as string)).statusCode, 404, 'another learner\'s launch');
});
