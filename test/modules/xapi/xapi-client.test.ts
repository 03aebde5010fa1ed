// The LRS through a real xAPI client, the @xapi/xapi npm package (its axios adapter; fetch for attachments), against
// the app listening on a real port, grouped by xAPI resource: About, Statements (send, get, query, more paging,
// formats), voiding, conflicts and bad input, State, Activity and Agent Profiles (ETag concurrency), Activities,
// Agents, key scopes, tenant isolation and attachments (multipart/mixed both ways). Each test has its own actors.
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import xapiPackage from '@xapi/xapi';
import type { Agent, Statement, StatementsResponse } from '@xapi/xapi';
import t from 'tap';
import { apiToken, bearer, buildTestApp, createTenant, type TestTenant } from '../../helpers/build-app.js';
import { freePort } from '../../helpers/ports.js';

const port = await freePort();
const ctx = await buildTestApp({ appOrigin: `http://127.0.0.1:${port}` });
await ctx.app.listen({ host: '127.0.0.1', port });
t.teardown(() => ctx.close());
const { app } = ctx;
const endpoint = `http://127.0.0.1:${port}/xapi/`;

// A CommonJS package whose types say `export default`: under NodeNext the default import is module.exports, typed
// as the module; the class sets `XAPI.default = XAPI`, so `.default` is the class both to tsc and at run time.
const XAPI = xapiPackage.default;

type Config = ConstructorParameters<typeof XAPI>[0];
// The package's Versions type stops at 1.0.3; the LRS speaks 2.0.0 and the client sends whatever it is given.
const V2 = '2.0.0' as string as NonNullable<Config['version']>;

/** An xAPI client with a new LRS key of the given scope, for a new tenant unless one is given. */
async function client(scope = 'all', tenant?: TestTenant, adapter?: Config['adapter']) {
  tenant ??= await createTenant(app);
  const admin = await apiToken(app, tenant.admin.email);
  const created = await app.inject({ method: 'POST', url: '/api/lrs/credentials', headers: bearer(admin), payload: { name: 'xapi client', scope } });
  if (created.statusCode !== 201) throw new Error(`credential: ${created.statusCode} ${created.body}`);
  const { key, secret } = created.json().data as { key: string; secret: string };
  return { tenant, xapi: new XAPI({ endpoint, auth: XAPI.toBasicAuth(key, secret), version: V2, ...(adapter ? { adapter } : {}) }) };
}

/** The LRS's answer to a client call, whether the client resolved or threw: HTTP status and body. */
async function answer<T>(call: Promise<{ status: number; data: T }>): Promise<{ status: number; data: unknown }> {
  try {
    const { status, data } = await call;
    return { status, data };
  } catch (error) {
    const response = (error as { response?: { status: number; data: unknown } }).response;
    if (!response) throw error;
    return { status: response.status, data: response.data };
  }
}

const learner = (name = 'Learner'): Agent => ({ objectType: 'Agent', mbox: `mailto:${randomUUID()}@example.com`, name });
const activityId = (tag: string) => `http://example.com/activities/${tag}/${randomUUID()}`;
const COMPLETED = { id: 'http://adlnet.gov/expapi/verbs/completed', display: { 'en-US': 'completed', 'fr-FR': 'a terminé' } };
const PASSED = { id: 'http://adlnet.gov/expapi/verbs/passed', display: { 'en-US': 'passed' } };
const statement = (actor: Agent, object: string, extra: Partial<Statement> = {}): Statement => ({
  actor,
  verb: COMPLETED,
  object: { objectType: 'Activity', id: object, definition: { name: { 'en-US': 'Golf' } } },
  ...extra,
});
const idsOf = (response: { data: StatementsResponse }) => response.data.statements.map((s) => s.id);

t.test('Communication 2.8 about: getAbout lists versions 2.0.0 and 1.0.3', async (t) => {
  const { xapi } = await client();
  const about = await xapi.getAbout();
  t.equal(about.status, 200);
  t.ok(about.data.version.includes('2.0.0'), '2.0.0 is supported');
  t.ok(about.data.version.includes('1.0.3'), '1.0.3 is supported');
  t.equal(about.headers['x-experience-api-version'], '2.0.0', 'the LRS answers in the version the client asked for');
});

t.test('Communication 2.1 statements: send, get by id, query by agent/verb/activity/registration/since, ascending, limit, formats', async (t) => {
  const { xapi } = await client();
  const actor = learner();
  const golf = activityId('golf');
  const registration = randomUUID();
  const sent = await xapi.sendStatement({ statement: statement(actor, golf, { context: { registration } }) });
  t.equal(sent.status, 200);
  t.equal(sent.data.length, 1, 'one id for one statement');
  const first = sent.data[0]!;
  t.match(first, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'the LRS assigns a UUID');
  const got = (await xapi.getStatement({ statementId: first })).data;
  t.match(got, { id: first, actor: { mbox: actor.mbox }, verb: { id: COMPLETED.id }, object: { id: golf }, context: { registration }, version: '2.0.0', authority: {} });
  t.ok(got.stored && got.timestamp, 'stored and timestamp are set');

  await sleep(20); // so that the batch is stored strictly after the first statement
  const batch = (await xapi.sendStatements({ statements: [statement(actor, golf), statement(actor, activityId('other'), { verb: PASSED })] })).data;
  t.equal(batch.length, 2, 'a batch answers one id per statement');
  const [second, third] = batch as [string, string];

  t.same(idsOf(await xapi.getStatements({ agent: actor })), [third, second, first], 'agent: newest first');
  t.same(idsOf(await xapi.getStatements({ agent: { mbox: actor.mbox } })), [third, second, first], 'agent is matched by its IFI, whatever else it carries');
  t.same(idsOf(await xapi.getStatements({ agent: actor, verb: PASSED.id })), [third], 'verb');
  t.same(idsOf(await xapi.getStatements({ activity: golf })), [second, first], 'activity');
  t.same(idsOf(await xapi.getStatements({ registration })), [first], 'registration');
  t.same(idsOf(await xapi.getStatements({ agent: actor, since: got.stored! })), [third, second], 'since is exclusive of the first statement');
  t.same(idsOf(await xapi.getStatements({ agent: actor, ascending: true })), [first, second, third], 'ascending');
  const limited = await xapi.getStatements({ agent: actor, limit: 2 });
  t.same(idsOf(limited), [third, second], 'limit');
  t.match(limited.data.more, /^\/xapi\/statements\?more=/, 'a more link when there is more');

  const ids = (await xapi.getStatement({ statementId: first, format: 'ids' })).data;
  t.same(ids.actor, { objectType: 'Agent', mbox: actor.mbox }, 'format=ids: the actor by its IFI only');
  t.same(ids.verb, { id: COMPLETED.id }, 'format=ids: no verb display');
  t.notOk((ids.object as { definition?: unknown }).definition, 'format=ids: no activity definition');
  const canonical = (await xapi.getStatement({ statementId: first, format: 'canonical' })).data;
  t.equal(Object.keys(canonical.verb.display ?? {}).length, 1, 'format=canonical: one language per language map');
});

t.test('Communication 2.1.3 statements paging: getMoreStatements follows more until it is exhausted', async (t) => {
  const { xapi } = await client();
  const actor = learner();
  const sent = (await xapi.sendStatements({ statements: Array.from({ length: 25 }, () => statement(actor, activityId('page'))) })).data;
  t.equal(sent.length, 25);
  const pages: string[][] = [];
  let page: StatementsResponse = (await xapi.getStatements({ agent: actor, limit: 10 })).data;
  pages.push(page.statements.map((s) => s.id!));
  while (page.more && pages.length < 10) {
    page = (await xapi.getMoreStatements({ more: page.more })).data as StatementsResponse;
    pages.push(page.statements.map((s) => s.id!));
  }
  t.same(pages.map((p) => p.length), [10, 10, 5], 'three pages: 10, 10 and 5');
  t.equal(page.more, '', 'the last page has an empty more');
  const seen = pages.flat();
  t.equal(new Set(seen).size, 25, 'no statement twice');
  t.same([...seen].sort(), [...sent].sort(), 'every statement once');
});

t.test('Data 2.4.8 voiding: voidStatement hides the statement; getVoidedStatement returns it', async (t) => {
  const { xapi } = await client();
  const actor = learner();
  const [target] = (await xapi.sendStatement({ statement: statement(actor, activityId('void')) })).data as [string];
  const [voiding] = (await xapi.voidStatement({ actor, statementId: target })).data as [string];
  t.ok(voiding, 'the voiding statement has an id');
  const gone = await answer(xapi.getStatement({ statementId: target }));
  t.equal(gone.status, 404, 'statementId no longer finds a voided statement');
  const voided = (await xapi.getVoidedStatement({ voidedStatementId: target })).data;
  t.equal(voided.id, target, 'voidedStatementId does');
  t.equal((await answer(xapi.getVoidedStatement({ voidedStatementId: voiding }))).status, 404, 'a statement that is not voided is not found as voided');
  t.same(idsOf(await xapi.getStatements({ agent: actor })), [voiding], 'queries leave the voided statement out and show the voiding one');
});

t.test('Communication 2.1.2 conflicts and bad input: 409 for a different statement with a used id, 400 stores nothing', async (t) => {
  const { xapi } = await client();
  const actor = learner();
  const golf = activityId('conflict');
  const id = randomUUID();
  const original = statement(actor, golf, { id });
  t.same((await xapi.sendStatement({ statement: original })).data, [id], 'the client-chosen id is kept');
  // A retry of the same statement (no timestamp: the LRS sets it) must not be a conflict (Data 2.4 Statement Comparison).
  const again = await answer(xapi.sendStatement({ statement: original }));
  t.same(again, { status: 200, data: [id] }, 'the same statement again is accepted');
  const conflict = await answer(xapi.sendStatement({ statement: { ...original, verb: PASSED } }));
  t.equal(conflict.status, 409, 'a different statement with that id is a conflict');
  t.equal((await xapi.getStatement({ statementId: id })).data.verb.id, COMPLETED.id, 'the stored statement is unchanged');

  const other = learner();
  const noVerbId = { ...statement(other, golf), verb: { display: { 'en-US': 'did' } } } as unknown as Statement;
  const bad = await answer(xapi.sendStatement({ statement: noVerbId }));
  t.equal(bad.status, 400, 'a verb without id is refused');
  t.match(bad.data, { error: String }, 'with an xAPI error body');
  t.equal((await answer(xapi.sendStatements({ statements: [statement(other, golf), noVerbId] }))).status, 400, 'so is a batch holding it');
  t.same(idsOf(await xapi.getStatements({ agent: other })), [], 'nothing of either request was stored');
  t.same(idsOf(await xapi.getStatements({ activity: golf })), [id], 'only the first statement is there');
});

t.test('Communication 2.3 state: set, get, merge, list ids, delete, with registration', async (t) => {
  const { xapi } = await client();
  const agent = learner();
  const activity = activityId('state');
  const registration = randomUUID();
  const where = { agent, activityId: activity, registration };
  await xapi.setState({ ...where, stateId: 'bookmark', state: { page: 3 } });
  const got = await xapi.getState({ ...where, stateId: 'bookmark' });
  t.same(got.data, { page: 3 }, 'set then get');
  t.match(got.headers.etag, /^"[^"]+"$/, 'with an ETag');
  t.equal((await answer(xapi.getState({ agent, activityId: activity, stateId: 'bookmark' }))).status, 404, 'a state belongs to its registration');

  await xapi.createState({ ...where, stateId: 'bookmark', state: { score: 0.5 } });
  t.same((await xapi.getState({ ...where, stateId: 'bookmark' })).data, { page: 3, score: 0.5 }, 'createState (POST) merges JSON objects');
  const etag = (await xapi.getState({ ...where, stateId: 'bookmark' })).headers.etag as string;
  t.not(etag, got.headers.etag, 'the ETag changes with the content');
  await xapi.setState({ ...where, stateId: 'bookmark', state: { page: 9 }, etag, matchHeader: 'If-Match' });
  t.same((await xapi.getState({ ...where, stateId: 'bookmark' })).data, { page: 9 }, 'setState (PUT) with If-Match replaces it');
  t.equal((await answer(xapi.setState({ ...where, stateId: 'bookmark', state: { page: 1 }, etag, matchHeader: 'If-Match' }))).status, 412, 'a stale If-Match is refused');

  await xapi.setState({ ...where, stateId: 'progress', state: { done: 2 } });
  t.same([...(await xapi.getStates(where)).data].sort(), ['bookmark', 'progress'], 'getStates lists the ids');
  await xapi.deleteState({ ...where, stateId: 'bookmark' });
  t.equal((await answer(xapi.getState({ ...where, stateId: 'bookmark' }))).status, 404, 'deleteState removes it');
  t.same((await xapi.getStates(where)).data, ['progress'], 'and only it');
  await xapi.deleteStates(where);
  t.same((await xapi.getStates(where)).data, [], 'deleteStates removes the rest');
});

t.test('Communication 2.6-2.7 activity and agent profiles: create, get, list, replace with ETag, stale ETag 412, delete', async (t) => {
  const { xapi } = await client();
  const activity = activityId('profile');
  await xapi.createActivityProfile({ activityId: activity, profileId: 'settings', profile: { theme: 'dark' } });
  const got = await xapi.getActivityProfile({ activityId: activity, profileId: 'settings' });
  t.same(got.data, { theme: 'dark' }, 'activity profile: created and read');
  const stale = got.headers.etag as string;
  t.match(stale, /^"[^"]+"$/, 'with an ETag');
  t.equal((await answer(xapi.setActivityProfile({ activityId: activity, profileId: 'settings', profile: {}, etag: '*', matchHeader: 'If-None-Match' }))).status, 412, 'If-None-Match: * on an existing profile is 412');
  await xapi.setActivityProfile({ activityId: activity, profileId: 'settings', profile: { theme: 'light' }, etag: stale, matchHeader: 'If-Match' });
  t.same((await xapi.getActivityProfile({ activityId: activity, profileId: 'settings' })).data, { theme: 'light' }, 'replaced with the current ETag');
  t.equal((await answer(xapi.setActivityProfile({ activityId: activity, profileId: 'settings', profile: { theme: 'blue' }, etag: stale, matchHeader: 'If-Match' }))).status, 412, 'a stale ETag is 412');
  t.same((await xapi.getActivityProfile({ activityId: activity, profileId: 'settings' })).data, { theme: 'light' }, 'and changes nothing');
  t.same((await xapi.getActivityProfiles({ activityId: activity })).data, ['settings'], 'listed');
  t.equal((await answer(xapi.deleteActivityProfile({ activityId: activity, profileId: 'settings', etag: stale }))).status, 412, 'delete with a stale ETag is 412');
  await xapi.deleteActivityProfile({ activityId: activity, profileId: 'settings' });
  t.equal((await answer(xapi.getActivityProfile({ activityId: activity, profileId: 'settings' }))).status, 404, 'deleted');
  t.same((await xapi.getActivityProfiles({ activityId: activity })).data, [], 'and no longer listed');

  const agent = learner();
  await xapi.createAgentProfile({ agent, profileId: 'prefs', profile: { language: 'fr' } });
  await xapi.createAgentProfile({ agent, profileId: 'prefs', profile: { sound: false } });
  const prefs = await xapi.getAgentProfile({ agent, profileId: 'prefs' });
  t.same(prefs.data, { language: 'fr', sound: false }, 'agent profile: created, then merged by a second POST');
  t.same((await xapi.getAgentProfiles({ agent: { mbox: agent.mbox } })).data, ['prefs'], 'listed for the agent (by its IFI)');
  t.same((await xapi.getAgentProfiles({ agent: learner() })).data, [], 'not for another agent');
  await xapi.setAgentProfile({ agent, profileId: 'prefs', profile: { language: 'de' }, etag: prefs.headers.etag as string, matchHeader: 'If-Match' });
  t.equal((await answer(xapi.setAgentProfile({ agent, profileId: 'prefs', profile: { language: 'es' }, etag: prefs.headers.etag as string, matchHeader: 'If-Match' }))).status, 412, 'a stale ETag is 412');
  t.same((await xapi.getAgentProfile({ agent, profileId: 'prefs' })).data, { language: 'de' }, 'the first replacement stands');
  await xapi.deleteAgentProfile({ agent, profileId: 'prefs' });
  t.equal((await answer(xapi.getAgentProfile({ agent, profileId: 'prefs' }))).status, 404, 'deleted');
});

t.test('Communication 2.4-2.5 activities and agents: getActivity returns the definition sent; getAgent returns a Person', async (t) => {
  const { xapi } = await client();
  const actor = learner('Ada Lovelace');
  const id = activityId('defined');
  const definition = { name: { 'en-US': 'Difference engine' }, description: { 'en-US': 'A lesson' }, type: 'http://adlnet.gov/expapi/activities/lesson' };
  await xapi.sendStatement({ statement: { actor, verb: COMPLETED, object: { objectType: 'Activity', id, definition } } });
  t.same((await xapi.getActivity({ activityId: id })).data, { objectType: 'Activity', id, definition }, 'the definition from the statement');
  const unknown = activityId('unknown');
  t.same((await xapi.getActivity({ activityId: unknown })).data, { objectType: 'Activity', id: unknown }, 'an Activity even when the LRS knows nothing of it');
  const person = (await xapi.getAgent({ agent: actor })).data;
  t.same(person, { objectType: 'Person', name: ['Ada Lovelace'], mbox: [actor.mbox] }, 'a Person, each property an array');
});

t.test('Communication 4 scopes and isolation: a statements/read key cannot write; another tenant sees nothing', async (t) => {
  const owner = await client('all');
  const reader = await client('statements/read', owner.tenant);
  const stranger = await client('all');
  const actor = learner();
  const activity = activityId('private');
  const [id] = (await owner.xapi.sendStatement({ statement: statement(actor, activity) })).data as [string];

  t.equal((await answer(reader.xapi.sendStatement({ statement: statement(learner(), activity) }))).status, 403, 'statements/read cannot send');
  t.same(idsOf(await reader.xapi.getStatements({ activity })), [id], 'but reads its tenant\'s statements; the refused one was not stored');
  t.equal((await answer(reader.xapi.getState({ agent: actor, activityId: activity, stateId: 's' }))).status, 403, 'nor documents');

  t.equal((await answer(stranger.xapi.getStatement({ statementId: id }))).status, 404, 'another tenant cannot get it by id');
  t.same(idsOf(await stranger.xapi.getStatements({ agent: actor })), [], 'nor find it by agent');
  t.same(idsOf(await stranger.xapi.getStatements({ activity })), [], 'nor by activity');
  t.same((await stranger.xapi.getActivity({ activityId: activity })).data, { objectType: 'Activity', id: activity }, 'nor see the activity\'s definition');
});

t.test('Communication 1.5.2 attachments: a statement sent with one (multipart/mixed) comes back with its bytes', async (t) => {
  // The client's default axios adapter, in Node, replaces the multipart/mixed Content-Type (and its boundary) of a
  // Blob body with application/octet-stream; its fetch adapter (Node's fetch) keeps it, so an app would use that.
  const { xapi } = await client('all', undefined, 'fetch');
  const actor = learner();
  const text = 'Certificate of completion: golf, hole 18 ♥';
  const bytes = new TextEncoder().encode(text);
  const sha2 = createHash('sha256').update(bytes).digest('hex');
  const attachment = { usageType: XAPI.AttachmentUsages.CERTIFICATE_OF_COMPLETION, display: { 'en-US': 'Certificate' }, contentType: 'text/plain', length: bytes.byteLength, sha2 };
  const sent = await xapi.sendStatement({ statement: statement(actor, activityId('attached'), { attachments: [attachment] }), attachments: [bytes.buffer as ArrayBuffer] });
  t.equal(sent.status, 200);
  const [id] = sent.data as [string];

  const plain = (await xapi.getStatement({ statementId: id })).data;
  t.match(plain.attachments, [{ sha2, length: bytes.byteLength, contentType: 'text/plain' }], 'the attachment metadata is stored');
  const [withBytes, ...parts] = (await xapi.getStatement({ statementId: id, attachments: true })).data;
  t.equal(withBytes.id, id, 'attachments=true: the statement first');
  t.equal(parts.length, 1, 'then one part');
  t.same(Buffer.from(String(parts[0])), Buffer.from(bytes), 'holding the same bytes');
  const [list, ...listParts] = (await xapi.getStatements({ agent: actor, attachments: true })).data;
  t.same(idsOf({ data: list }), [id], 'a query with attachments=true too');
  t.same(listParts.map((p) => Buffer.from(String(p))), [Buffer.from(bytes)]);
});
