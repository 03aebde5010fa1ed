// What the LMS refuses from a launched AU (cmi5 spec 9, 10 and 11), each as CATAPULT's LMS test suite expects it
// (403 for a broken rule, 401 once the session is over), plus abandoning, waiving and tenant isolation. The
// statements are built by hand like an AU builds them from LMS.LaunchData.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { eq } from 'drizzle-orm';
import { cmi5Sessions } from '../../../src/db/schema/index.js';
import { abandonStaleSessions } from '../../../src/modules/cmi5/launch.service.js';
import { apiToken, bearer, createTenant } from '../../helpers/build-app.js';
import { cmi5Tenant, importCmi5, launch, startCmi5App, verbsOf } from './helpers.js';

const ctx = await startCmi5App();
t.teardown(() => ctx.close());
const { app } = ctx;
const lms = await cmi5Tenant(app);
const learner = await apiToken(app, lms.tenant.learner.email);
const essentials = await importCmi5(app, lms.tenant, '001-essentials.zip');

const CMI5 = 'https://w3id.org/xapi/cmi5/context/categories/cmi5';
const MOVE_ON = 'https://w3id.org/xapi/cmi5/context/categories/moveon';
const SESSION = 'https://w3id.org/xapi/cmi5/context/extensions/sessionid';
const MASTERY = 'https://w3id.org/xapi/cmi5/context/extensions/masteryscore';
type Json = Record<string, any>;

/** A launched AU: its token, and statements shaped from its launch data, sent as an AU sends them (PUT by id). */
async function au(courseId = essentials, options: { launchMode?: string; token?: string; skipPreferences?: boolean } = {}) {
  const l = await launch(app, options.token ?? learner, courseId, options);
  const token = (await app.inject({ method: 'POST', url: l.params.fetch.slice(ctx.appOrigin.length) })).json()['auth-token'] as string;
  const headers = { authorization: `Basic ${token}`, 'x-experience-api-version': '1.0.3' };
  const statement = (verb: string, extra: { result?: Json; moveOn?: boolean; defined?: boolean; masteryScore?: number } = {}): Json => ({
    id: randomUUID(),
    actor: l.params.actor,
    verb: { id: verb.includes(':') ? verb : `http://adlnet.gov/expapi/verbs/${verb}` },
    object: { objectType: 'Activity', id: l.params.activityId },
    ...(extra.result ? { result: extra.result } : {}),
    context: {
      registration: l.registration,
      contextActivities: {
        grouping: [{ id: 'https://w3id.org/xapi/cmi5/catapult/lts/au/001-essentials' }],
        category: [...(extra.defined === false ? [] : [{ id: CMI5 }]), ...(extra.moveOn ? [{ id: MOVE_ON }] : [])],
      },
      extensions: { [SESSION]: l.sessionId, ...(extra.masteryScore !== undefined ? { [MASTERY]: extra.masteryScore } : {}) },
    },
    timestamp: new Date().toISOString(),
  });
  const readPreferences = () => app.inject({ method: 'GET', url: `/xapi/agents/profile?${new URLSearchParams({ profileId: 'cmi5LearnerPreferences', agent: JSON.stringify(l.params.actor) })}`, headers });
  // An AU's startup (cmi5 11): it reads its learner preferences before "initialized"; found or not, it asked.
  if (!options.skipPreferences) await readPreferences();
  const send = async (s: Json) => (await app.inject({ method: 'PUT', url: `/xapi/statements?statementId=${s.id}`, headers: { ...headers, 'content-type': 'application/json' }, payload: JSON.stringify(s) })).statusCode;
  const v = {
    ...l,
    token,
    headers,
    readPreferences,
    statement,
    send,
    initialized: () => statement('initialized'),
    completed: () => statement('completed', { result: { completion: true, duration: 'PT10S' }, moveOn: true }),
    passed: (scaled = 0.95) => statement('passed', { result: { success: true, duration: 'PT10S', score: { scaled } }, moveOn: true, masteryScore: 0.9 }),
    failed: (scaled = 0.5) => statement('failed', { result: { success: false, duration: 'PT10S', score: { scaled } }, moveOn: true, masteryScore: 0.9 }),
    terminated: () => statement('terminated', { result: { duration: 'PT20S' } }),
    allowed: () => statement('experienced', { defined: false }),
  };
  return v;
}

t.test('9.3 initialized comes first and terminated last; after it the token no longer works', async (t) => {
  const a = await au();
  t.equal(await a.send(a.allowed()), 403, 'nothing before initialized');
  t.equal(await a.send(a.initialized()), 204);
  t.equal(await a.send(a.initialized()), 403, 'initialized once per session');
  t.equal(await a.send(a.allowed()), 204, 'cmi5 allowed statements are recorded');
  t.equal(await a.send(a.terminated()), 204);
  t.equal(await a.send(a.allowed()), 401, 'the session is over');
  const registration = (await app.inject({ method: 'GET', url: `/api/registrations/${a.registration}`, headers: bearer(lms.admin) })).json().data;
  t.ok(registration.totalTimeSeconds >= 20, 'terminated\'s duration (PT20S) counts toward the registration\'s time');
  const state = await app.inject({ method: 'GET', url: `/xapi/activities/state?${new URLSearchParams({ activityId: a.params.activityId, agent: JSON.stringify(a.params.actor), registration: a.registration, stateId: 'LMS.LaunchData' })}`, headers: a.headers });
  t.equal(state.statusCode, 401, 'no other LRS request either');
  t.same(verbsOf(await lms.statements(a.registration)).slice(-4), ['launched', 'initialized', 'experienced', 'terminated'], 'only what was accepted is stored');
});

t.test('11 an AU reads cmi5LearnerPreferences before it sends initialized', async (t) => {
  const a = await au(essentials, { skipPreferences: true });
  t.equal(await a.send(a.initialized()), 403, 'initialized before the preferences were asked for');
  t.equal((await a.readPreferences()).statusCode, 404, 'none stored yet');
  t.equal(await a.send(a.initialized()), 204, 'then initialized is accepted');
});

t.test('9.1, 9.2, 9.6, 9.7 every statement has an id, a UTC timestamp, the launch actor and the launch context', async (t) => {
  const a = await au();
  await a.send(a.initialized());
  const post = (s: Json) => app.inject({ method: 'POST', url: '/xapi/statements', headers: { ...a.headers, 'content-type': 'application/json' }, payload: JSON.stringify(s) });
  const { id: _id, ...withoutId } = a.allowed();
  t.equal((await post(withoutId)).statusCode, 403, 'no id (9.1)');
  const { timestamp: _ts, ...withoutTimestamp } = a.allowed();
  t.equal(await a.send(withoutTimestamp), 403, 'no timestamp (9.7)');
  t.equal(await a.send({ ...a.allowed(), timestamp: '2026-12-01T10:00:00-06:00' }), 403, 'not UTC (9.7)');
  t.equal(await a.send({ ...a.passed(), actor: { ...a.params.actor, objectType: 'Group' } }), 403, 'a Group (9.2)');
  t.equal(await a.send({ ...a.passed(), actor: { mbox: 'mailto:someone@example.com' } }), 403, 'not the account given at launch (9.2)');
  t.equal(await a.send({ ...a.passed(), object: { id: 'http://example.com/not/the/lms/id' } }), 403, 'not the AU (9.4)');
  const { context: _c, ...withoutContext } = a.passed();
  t.equal(await a.send(withoutContext), 403, 'no context (9.6)');
  const wrongRegistration = a.passed();
  wrongRegistration.context.registration = randomUUID();
  t.equal(await a.send(wrongRegistration), 403, 'another registration (9.6.1)');
  const noSession = a.allowed();
  delete noSession.context.extensions[SESSION];
  t.equal(await a.send(noSession), 403, 'no session id (9.6.3.1)');
  t.equal(await a.send({ ...a.statement('voided', { defined: false }), object: { objectType: 'StatementRef', id: randomUUID() } }), 403, 'an AU does not void');
  t.equal(await a.send(a.statement('satisfied', {})), 403, 'satisfied is the LMS\'s verb');
});

t.test('9.5 and 9.6.2.2 results of completed, passed and failed; the moveOn category exactly when judged', async (t) => {
  const a = await au();
  await a.send(a.initialized());
  const change = (s: Json, f: (s: Json) => void) => (f(s), s);
  t.equal(await a.send(change(a.completed(), (s) => (s.result.success = true))), 403, 'completed with success');
  t.equal(await a.send(change(a.completed(), (s) => delete s.result.completion)), 403, 'completed without completion');
  t.equal(await a.send(change(a.completed(), (s) => (s.result.score = { scaled: 0.5 }))), 403, 'completed with a score');
  t.equal(await a.send(change(a.completed(), (s) => delete s.result.duration)), 403, 'completed without duration');
  t.equal(await a.send(change(a.completed(), (s) => s.context.contextActivities.category.pop())), 403, 'completed without the moveOn category');
  t.equal(await a.send(change(a.passed(), (s) => (s.result.completion = true))), 403, 'passed with completion');
  t.equal(await a.send(change(a.passed(), (s) => (s.result.success = false))), 403, 'passed with success false');
  t.equal(await a.send(a.passed(0.89)), 403, 'passed below the masteryScore (9.3.4)');
  t.equal(await a.send(change(a.passed(), (s) => delete s.context.extensions[MASTERY])), 403, 'passed without the masteryScore');
  t.equal(await a.send(change(a.passed(), (s) => (s.result.score = { raw: 95 }))), 403, 'a raw score without min and max');
  t.equal(await a.send(a.failed(0.9)), 403, 'failed at the masteryScore (9.3.5)');
  t.equal(await a.send(change(a.failed(), (s) => (s.result.success = true))), 403, 'failed with success true');
  t.equal(await a.send(change(a.terminated(), (s) => s.context.contextActivities.category.push({ id: MOVE_ON }))), 403, 'terminated with the moveOn category');
  t.equal(await a.send(change(a.allowed(), (s) => (s.context.contextActivities.category = [{ id: MOVE_ON }]))), 403, 'an allowed statement with the moveOn category');
  t.equal(await a.send(change(a.terminated(), (s) => delete s.result)), 403, 'terminated without duration');
  t.equal(await a.send(a.completed()), 204);
  t.equal(await a.send(a.completed()), 403, 'completed once');
  t.equal(await a.send(a.passed()), 204);
  t.equal(await a.send(a.passed()), 403, 'passed once');
  t.equal(await a.send(a.failed()), 403, 'failed after passed');
});

t.test('9.3 per registration: completed and passed once, failed never after passed; passed after failed is a new session\'s', async (t) => {
  const tenant = await cmi5Tenant(app);
  const course = await importCmi5(app, tenant.tenant, '001-essentials.zip');
  const token = await apiToken(app, tenant.tenant.learner.email);
  const first = await au(course, { token });
  await first.send(first.initialized());
  t.equal(await first.send(first.failed()), 204);
  t.equal(await first.send(first.passed()), 403, 'not both in one session');
  t.equal(await first.send(first.completed()), 204);
  await first.send(first.terminated());
  const second = await au(course, { token });
  await second.send(second.initialized());
  t.equal(await second.send(second.completed()), 403, 'completed already in this registration');
  t.equal(await second.send(second.passed()), 204, 'a later session may pass');
  t.same(verbsOf(await tenant.statements(first.registration)).slice(-3), ['passed', 'satisfied', 'satisfied'], 'passing satisfies block and course');
});

t.test('10.2.2 Browse and Review: initialized and terminated only', async (t) => {
  for (const launchMode of ['Browse', 'Review']) {
    const a = await au(essentials, { launchMode });
    await a.send(a.initialized());
    t.equal(await a.send(a.completed()), 403, `no completed in ${launchMode}`);
    t.equal(await a.send(a.passed()), 403, `no passed in ${launchMode}`);
    t.equal(await a.send(a.failed()), 403, `no failed in ${launchMode}`);
    t.equal(await a.send(a.terminated()), 204);
  }
});

t.test('10 and 11 documents: LMS.LaunchData is read-only, agent documents are the learner\'s, learner preferences are checked', async (t) => {
  const a = await au();
  const state = (method: 'PUT' | 'DELETE', stateId?: string) => app.inject({
    method, url: `/xapi/activities/state?${new URLSearchParams({ activityId: a.params.activityId, agent: JSON.stringify(a.params.actor), registration: a.registration, ...(stateId ? { stateId } : {}) })}`,
    headers: { ...a.headers, 'content-type': 'application/json' }, ...(method === 'PUT' ? { payload: '{"test":true}' } : {}),
  });
  t.equal((await state('PUT', 'LMS.LaunchData')).statusCode, 403, 'the AU may not change LMS.LaunchData');
  t.equal((await state('DELETE', 'LMS.LaunchData')).statusCode, 403, 'nor delete it');
  t.equal((await state('DELETE')).statusCode, 403, 'nor delete every state at once');
  t.equal((await state('PUT', 'bookmark')).statusCode, 204, 'its own state is fine');
  // 1.0.3 wants a profile PUT to say whether it creates (If-None-Match: *) or replaces.
  const prefs = (body: string, { agent = a.params.actor as Json | null, type = 'application/json' } = {}) => app.inject({
    method: 'PUT', url: `/xapi/agents/profile?${new URLSearchParams({ profileId: 'cmi5LearnerPreferences', ...(agent ? { agent: JSON.stringify(agent) } : {}) })}`,
    headers: { ...a.headers, 'content-type': type, 'if-none-match': '*' }, payload: body,
  });
  t.equal((await prefs('{"languagePreference":"en-US","audioPreference":"on"}', { agent: null })).statusCode, 400, 'no agent is an xAPI error');
  t.equal((await prefs('{"languagePreference":"en-US","audioPreference":"on"}', { agent: { mbox: 'mailto:other@example.com' } })).statusCode, 403, 'another agent');
  t.equal((await prefs('just some text', { type: 'text/plain' })).statusCode, 403, 'not JSON');
  t.equal((await prefs('{"audioPreference":"on"}')).statusCode, 403, 'no languagePreference');
  t.equal((await prefs('{"languagePreference":"en-US"}')).statusCode, 403, 'no audioPreference');
  t.equal((await prefs('{"languagePreference":"not comma separated","audioPreference":"on"}')).statusCode, 403, 'not language codes');
  t.equal((await prefs('{"languagePreference":"","audioPreference":"on"}')).statusCode, 403, 'empty');
  t.equal((await prefs('{"languagePreference":"en-US,fr-FR","audioPreference":"off"}')).statusCode, 204, 'valid preferences are saved');
  const others = await app.inject({ method: 'GET', url: '/xapi/statements?limit=5', headers: a.headers });
  t.equal(others.statusCode, 403, 'an AU cannot read statements beyond its learner and registration');
});

t.test('9.3.6 launching again abandons the open session; an admin can abandon one too', async (t) => {
  const first = await au();
  await first.send(first.initialized());
  const second = await au();
  t.equal(await first.send(first.allowed()), 401, 'the abandoned session takes nothing more');
  const statements = await lms.statements(first.registration);
  const abandoned = statements.find((s) => s.verb.id === 'https://w3id.org/xapi/adl/verbs/abandoned' && s.context.extensions[SESSION] === first.sessionId);
  t.ok(abandoned, 'an abandoned statement for the first session');
  t.match(abandoned, { actor: first.params.actor, object: { id: first.params.activityId }, context: { registration: first.registration, contextActivities: { category: [{ id: CMI5 }] } }, result: { duration: /^PT/ } });
  const lastLaunch = statements.map((s) => s.verb.id).lastIndexOf('http://adlnet.gov/expapi/verbs/launched');
  t.ok(statements.indexOf(abandoned!) < lastLaunch, 'before the new launch');

  await second.send(second.initialized());
  const byAdmin = await app.inject({ method: 'POST', url: `/api/cmi5/sessions/${second.sessionId}/abandon`, headers: bearer(lms.admin) });
  t.equal(byAdmin.statusCode, 200);
  t.equal((await app.inject({ method: 'POST', url: `/api/cmi5/sessions/${second.sessionId}/abandon`, headers: bearer(lms.admin) })).statusCode, 409, 'once');
  t.equal(await second.send(second.allowed()), 401);
  t.equal((await app.inject({ method: 'POST', url: `/api/cmi5/sessions/${second.sessionId}/abandon`, headers: bearer(learner) })).statusCode, 403, 'learners cannot');
});

t.test('9.3.6 a session an AU left open (no statement for longer than the timeout) is abandoned by the LMS', async (t) => {
  const tenant = await cmi5Tenant(app);
  const course = await importCmi5(app, tenant.tenant, '001-essentials.zip');
  const token = await apiToken(app, tenant.tenant.learner.email);
  const quiet = await au(course, { token });
  await quiet.send(quiet.initialized());
  const minutes = ctx.config.cmi5SessionTimeoutMinutes;
  await app.db.update(cmi5Sessions).set({ lastActivityAt: new Date(Date.now() - (minutes + 1) * 60_000) }).where(eq(cmi5Sessions.id, quiet.sessionId));
  const busy = await launch(app, await apiToken(app, lms.tenant.learner.email), essentials);
  t.ok((await abandonStaleSessions(app.db, ctx.config)) >= 1, 'the sweep abandons it');
  t.equal(await quiet.send(quiet.allowed()), 401, 'its token no longer works');
  const abandoned = (await tenant.statements(quiet.registration)).filter((s) => s.verb.id === 'https://w3id.org/xapi/adl/verbs/abandoned');
  t.equal(abandoned.length, 1);
  t.equal(abandoned[0]!.context.extensions[SESSION], quiet.sessionId);
  t.equal((await abandonStaleSessions(app.db, ctx.config)), 0, 'once');
  const [busyRow] = await app.db.select().from(cmi5Sessions).where(eq(cmi5Sessions.id, busy.sessionId));
  t.equal(busyRow!.state, 'launched', 'a session with recent activity is left alone');
});

t.test('9.3.7 an admin waives an AU: waived with the reason, then satisfied, under a session id of their own', async (t) => {
  const tenant = await cmi5Tenant(app);
  const course = await importCmi5(app, tenant.tenant, '001-essentials.zip');
  const a = await au(course, { token: await apiToken(app, tenant.tenant.learner.email) });
  const waive = (token: string, reason = 'Administrative') => app.inject({ method: 'POST', url: `/api/registrations/${a.registration}/cmi5/waive`, headers: bearer(token), payload: { au: 0, reason } });
  t.equal((await waive(await apiToken(app, tenant.tenant.learner.email))).statusCode, 403, 'not the learner');
  t.equal((await waive(tenant.admin, '  ')).statusCode, 400, 'a reason is needed');
  t.equal((await waive(tenant.admin)).statusCode, 200);
  t.equal((await waive(tenant.admin)).statusCode, 409, 'once per AU and registration');
  const statements = await tenant.statements(a.registration);
  t.same(verbsOf(statements).slice(-3), ['waived', 'satisfied', 'satisfied']);
  const [waived, block] = statements.slice(-3);
  t.match(waived, { actor: a.params.actor, object: { id: a.params.activityId }, result: { success: true, completion: true, extensions: { 'https://w3id.org/xapi/cmi5/result/extensions/reason': 'Administrative' } } });
  t.match(waived!.context.contextActivities.category, [{ id: CMI5 }, { id: MOVE_ON }]);
  t.not(waived!.context.extensions[SESSION], a.sessionId, 'a new session id');
  t.equal(block!.context.extensions[SESSION], waived!.context.extensions[SESSION], 'satisfied under the waiver\'s session');
});

t.test('tenant isolation: another organisation sees, launches and waives nothing of this one', async (t) => {
  const other = await createTenant(app);
  const otherAdmin = await apiToken(app, other.admin.email);
  const a = await au();
  t.equal((await app.inject({ method: 'GET', url: `/api/registrations/${a.registration}/cmi5`, headers: bearer(otherAdmin) })).statusCode, 404);
  t.equal((await app.inject({ method: 'POST', url: `/api/registrations/${a.registration}/cmi5/waive`, headers: bearer(otherAdmin), payload: { au: 0, reason: 'Administrative' } })).statusCode, 404);
  t.equal((await app.inject({ method: 'POST', url: `/api/cmi5/sessions/${a.sessionId}/abandon`, headers: bearer(otherAdmin) })).statusCode, 404);
  t.equal((await app.inject({ method: 'POST', url: `/api/registrations/${a.registration}/cmi5/launch`, headers: bearer(await apiToken(app, other.learner.email)), payload: { au: 0 } })).statusCode, 404);
  t.equal((await app.inject({ method: 'POST', url: `/api/registrations/${a.registration}/cmi5/launch`, headers: bearer(await apiToken(app, lms.tenant.author.email)), payload: { au: 0 } })).statusCode, 403, 'not another learner\'s registration');
  t.equal((await app.inject({ method: 'POST', url: `/api/registrations/${a.registration}/cmi5/launch`, headers: bearer(learner), payload: { au: 7 } })).statusCode, 404, 'no such AU');
  t.equal((await app.inject({ method: 'POST', url: `/api/registrations/${a.registration}/cmi5/launch`, headers: bearer(learner), payload: { au: 0, launchMode: 'Sideways' } })).statusCode, 400);
});
