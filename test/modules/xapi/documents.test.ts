// The LRS document resources, /activities and /agents (xAPI Communication 2.2-2.7) and ETag concurrency (3.1).
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { buildTestApp } from '../../helpers/build-app.js';
import { lrsClient, statement } from './helpers.js';

const ctx = await buildTestApp();
t.teardown(() => ctx.close());
const { app } = ctx;

type Lrs = Awaited<ReturnType<typeof lrsClient>>;
const activityId = 'http://example.com/activities/golf';
const agent = { mbox: 'mailto:learner@example.com', name: 'Learner' };
const regA = '1b0d7b8e-8c1e-4d7f-9a53-2f6f3c1e9b11';
const regB = '2c1e8c9f-9d2f-4e80-8b64-3a7a4d2fac22';

/** A query string; objects (the agent) travel as URL-encoded JSON. */
function qs(params: Record<string, unknown>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined);
  return new URLSearchParams(entries.map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString();
}
const stateUrl = (params: Record<string, unknown> = {}) => `/xapi/activities/state?${qs({ activityId, agent, ...params })}`;
const send = (lrs: Lrs, method: 'PUT' | 'POST' | 'DELETE', url: string, payload?: string | Buffer, extra: Record<string, string> = {}) =>
  app.inject({ method, url, headers: lrs.headers(extra), ...(payload === undefined ? {} : { payload }) });

t.test('State: PUT, GET, id lists, since, registration, DELETE and binary bodies', async (t) => {
  const lrs = await lrsClient(app);
  const body = '{"bookmark":"page-7","score":0.5}';
  t.equal((await send(lrs, 'PUT', stateUrl({ stateId: 'bookmark' }), body, { 'content-type': 'application/json' })).statusCode, 204, 'PUT stores the state');
  const got = await lrs.get(stateUrl({ stateId: 'bookmark' }));
  t.equal(got.statusCode, 200);
  t.equal(got.body, body, 'GET returns the same bytes');
  t.equal(got.headers['content-type'], 'application/json', 'and the same Content-Type');
  t.match(got.headers.etag, /^"[0-9a-f]+"$/, 'a quoted ETag');
  t.ok(got.headers['last-modified'] && !Number.isNaN(Date.parse(String(got.headers['last-modified']))), 'a Last-Modified date');
  t.equal((await lrs.get(stateUrl({ stateId: 'missing' }))).statusCode, 404, 'a missing stateId is 404');

  await sleep(20);
  const since = new Date().toISOString();
  await sleep(20);
  t.equal((await lrs.put(stateUrl({ stateId: 'progress' }), { done: 3 })).statusCode, 204);
  const list = await lrs.get(stateUrl());
  t.equal(list.statusCode, 200);
  t.same([...(list.json() as string[])].sort(), ['bookmark', 'progress'], 'without stateId: the list of ids');
  t.same((await lrs.get(stateUrl({ since }))).json(), ['progress'], 'since keeps the ids updated after it');

  t.equal((await lrs.put(stateUrl({ stateId: 'bookmark', registration: regA }), { in: 'A' })).statusCode, 204);
  t.equal((await lrs.put(stateUrl({ stateId: 'bookmark', registration: regB }), { in: 'B' })).statusCode, 204);
  t.same((await lrs.get(stateUrl({ stateId: 'bookmark', registration: regA }))).json(), { in: 'A' }, 'registration A has its own document');
  t.same((await lrs.get(stateUrl({ stateId: 'bookmark', registration: regB }))).json(), { in: 'B' }, 'registration B has its own document');
  t.equal((await lrs.get(stateUrl({ stateId: 'bookmark' }))).body, body, 'and neither touched the one without registration');

  t.equal((await send(lrs, 'DELETE', stateUrl({ stateId: 'bookmark' }))).statusCode, 204, 'DELETE one state');
  t.equal((await lrs.get(stateUrl({ stateId: 'bookmark' }))).statusCode, 404, 'it is gone');
  t.same((await lrs.get(stateUrl())).json(), ['progress'], 'the other one stays');
  t.equal((await lrs.put(stateUrl({ stateId: 'other', registration: regA }), { x: 1 })).statusCode, 204);
  t.equal((await send(lrs, 'DELETE', stateUrl({ registration: regA }))).statusCode, 204, 'DELETE without stateId');
  t.same((await lrs.get(stateUrl({ registration: regA }))).json(), [], 'deletes every state of that activity, agent and registration');
  t.same((await lrs.get(stateUrl())).json(), ['progress'], 'but not those without the registration');
  t.equal((await lrs.get(stateUrl({ stateId: 'bookmark', registration: regB }))).statusCode, 200, 'nor those of another registration');

  const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 10, 13, 0]);
  t.equal((await send(lrs, 'PUT', stateUrl({ stateId: 'blob' }), bytes, { 'content-type': 'application/octet-stream' })).statusCode, 204);
  const blob = await lrs.get(stateUrl({ stateId: 'blob' }));
  t.ok(blob.rawPayload.equals(bytes), 'a binary body round-trips byte for byte');
  t.equal(blob.headers['content-type'], 'application/octet-stream', 'with its Content-Type');
});

t.test('POST merges JSON objects', async (t) => {
  const lrs = await lrsClient(app);
  t.equal((await lrs.post(stateUrl({ stateId: 'merged' }), { a: 1 })).statusCode, 204, 'POST to a missing document stores it');
  t.same((await lrs.get(stateUrl({ stateId: 'merged' }))).json(), { a: 1 });
  t.equal((await lrs.post(stateUrl({ stateId: 'merged' }), { b: 2 })).statusCode, 204);
  t.same((await lrs.get(stateUrl({ stateId: 'merged' }))).json(), { a: 1, b: 2 }, 'the second POST is merged into the first');
  t.equal((await lrs.post(stateUrl({ stateId: 'merged' }), [1, 2])).statusCode, 400, 'a JSON array cannot be merged');
  t.equal((await send(lrs, 'PUT', stateUrl({ stateId: 'text' }), 'plain words', { 'content-type': 'text/plain' })).statusCode, 204);
  const onText = await lrs.post(stateUrl({ stateId: 'text' }), { a: 1 });
  t.equal(onText.statusCode, 400, 'JSON cannot be merged into a stored non-JSON document');
  t.match(onText.json().error, /stored document/);
  t.equal((await lrs.get(stateUrl({ stateId: 'text' }))).body, 'plain words', 'which is left unchanged');
});

t.test('ETag concurrency in xAPI 2.0', async (t) => {
  const lrs = await lrsClient(app, { version: '2.0.0' });
  const url = stateUrl({ stateId: 'locked' });
  t.equal((await lrs.put(url, { v: 1 })).statusCode, 204);
  const etag = String((await lrs.get(url)).headers.etag);
  const blind = await lrs.put(url, { v: 2 });
  t.equal(blind.statusCode, 409, 'a PUT over an existing document with neither If-Match nor If-None-Match');
  t.match(blind.json(), { error: String });
  t.same((await lrs.get(url)).json(), { v: 1 }, 'leaves it unchanged');
  t.equal((await lrs.put(url, { v: 2 }, { 'if-match': '"0000000000000000000000000000000000000000"' })).statusCode, 412, 'a wrong If-Match');
  t.equal((await lrs.put(url, { v: 2 }, { 'if-none-match': '*' })).statusCode, 412, 'If-None-Match: * on an existing document');
  t.same((await lrs.get(url)).json(), { v: 1 }, 'still unchanged');
  t.equal((await lrs.put(url, { v: 2 }, { 'if-match': etag })).statusCode, 204, 'If-Match with the current ETag replaces it');
  const replaced = await lrs.get(url);
  t.same(replaced.json(), { v: 2 });
  t.not(replaced.headers.etag, etag, 'with a new ETag');
  t.equal((await lrs.put(stateUrl({ stateId: 'absent' }), { v: 1 }, { 'if-match': etag })).statusCode, 412, 'If-Match on a missing document');
  t.equal((await lrs.get(stateUrl({ stateId: 'absent' }))).statusCode, 404, 'which is not created');
});

t.test('xAPI 1.0.3 rules', async (t) => {
  const lrs = await lrsClient(app, { version: '1.0.3' });
  const profile = `/xapi/activities/profile?${qs({ activityId, profileId: 'p' })}`;
  t.equal((await lrs.put(profile, { p: 1 })).statusCode, 400, 'a new Activity Profile PUT needs If-Match or If-None-Match');
  t.equal((await lrs.get(profile)).statusCode, 404, 'and was not stored');
  const url = stateUrl({ stateId: 's' });
  t.equal((await lrs.put(url, { v: 1 })).statusCode, 204);
  t.equal((await lrs.put(url, { v: 2 })).statusCode, 204, 'a State PUT without headers over an existing state is allowed');
  t.same((await lrs.get(url)).json(), { v: 2 });
});

t.test('Activity Profile and Agent Profile', async (t) => {
  const lrs = await lrsClient(app);
  const resources: [string, Record<string, unknown>][] = [
    ['/xapi/activities/profile', { activityId }],
    ['/xapi/agents/profile', { agent }],
  ];
  for (const [path, params] of resources) {
    const one = `${path}?${qs({ ...params, profileId: 'prefs' })}`;
    t.equal((await lrs.put(one, { theme: 'dark' }, { 'if-none-match': '*' })).statusCode, 204, `${path}: PUT with If-None-Match: *`);
    const got = await lrs.get(one);
    t.equal(got.statusCode, 200);
    t.same(got.json(), { theme: 'dark' }, `${path}: GET`);
    t.match(got.headers.etag, /^"[0-9a-f]+"$/);
    t.equal((await lrs.put(`${path}?${qs({ ...params, profileId: 'second' })}`, { n: 2 }, { 'if-none-match': '*' })).statusCode, 204);
    t.same([...((await lrs.get(`${path}?${qs(params)}`)).json() as string[])].sort(), ['prefs', 'second'], `${path}: list of ids`);
    t.equal((await send(lrs, 'DELETE', one)).statusCode, 204, `${path}: DELETE`);
    t.equal((await lrs.get(one)).statusCode, 404);
    t.same((await lrs.get(`${path}?${qs(params)}`)).json(), ['second']);
    t.equal((await send(lrs, 'DELETE', `${path}?${qs(params)}`)).statusCode, 400, `${path}: DELETE needs profileId`);
  }
  t.equal((await lrs.put(`/xapi/activities/profile?${qs({ activityId, profileId: 'x', agent })}`, {}, { 'if-none-match': '*' })).statusCode, 400, 'agent is not a parameter of the Activity Profile');
});

t.test('bad input is 400', async (t) => {
  const lrs = await lrsClient(app);
  const cases: [string, string][] = [
    ['missing activityId', `/xapi/activities/state?${qs({ agent, stateId: 's' })}`],
    ['agent that is not JSON', `/xapi/activities/state?${qs({ activityId, agent: 'mailto:learner@example.com', stateId: 's' })}`],
    ['agent with two identifiers', stateUrl({ agent: { mbox: 'mailto:a@b.c', openid: 'http://openid.example/a' }, stateId: 's' })],
    ['unknown (wrongly cased) parameter', stateUrl({ stateid: 's' })],
    ['registration that is not a UUID', stateUrl({ stateId: 's', registration: 'not-a-uuid' })],
    ['since together with stateId', stateUrl({ stateId: 's', since: '2026-01-01T00:00:00Z' })],
    ['since that is not a timestamp', stateUrl({ since: 'yesterday' })],
  ];
  for (const [label, url] of cases) {
    const r = await lrs.get(url);
    t.equal(r.statusCode, 400, `GET: ${label}`);
    t.match(r.json(), { error: String }, 'as a JSON error');
  }
  for (const [label, url] of cases.slice(0, 5)) t.equal((await lrs.put(url, { v: 1 })).statusCode, 400, `PUT: ${label}`);
  t.equal((await lrs.put(stateUrl(), { v: 1 })).statusCode, 400, 'PUT without stateId');
});

t.test('scopes and tenants', async (t) => {
  const url = stateUrl({ stateId: 's' });
  for (const scope of ['statements/write', 'statements/read']) {
    const client = await lrsClient(app, { scope });
    t.equal((await client.get(url)).statusCode, 403, `${scope} cannot read documents`);
    t.equal((await client.put(url, { v: 1 })).statusCode, 403, `${scope} cannot write documents`);
  }
  const reader = await lrsClient(app, { scope: 'all/read' });
  t.equal((await reader.get(stateUrl())).statusCode, 200, 'all/read can GET');
  t.equal((await reader.put(url, { v: 1 })).statusCode, 403, 'but not PUT');
  t.equal((await send(reader, 'DELETE', url)).statusCode, 403, 'nor DELETE');

  const a = await lrsClient(app);
  const b = await lrsClient(app);
  t.equal((await a.put(url, { owner: 'A' })).statusCode, 204);
  t.equal((await b.get(url)).statusCode, 404, 'another tenant cannot see it with the same parameters');
  t.same((await b.get(stateUrl())).json(), [], 'nor list it');
  t.equal((await b.put(url, { owner: 'B' })).statusCode, 204, 'and its own write is a new document');
  t.same((await a.get(url)).json(), { owner: 'A' }, 'that leaves the first tenant\'s alone');
});

t.test('/activities and /agents', async (t) => {
  const lrs = await lrsClient(app);
  const id = 'http://example.com/activities/chess';
  const activity = async () => lrs.get(`/xapi/activities?${qs({ activityId: id })}`);
  const unknown = await activity();
  t.equal(unknown.statusCode, 200);
  t.same(unknown.json(), { objectType: 'Activity', id }, 'an unknown activity is still an Activity');
  t.equal((await lrs.post('/xapi/statements', statement({ object: { id, definition: { name: { 'en-US': 'Chess' } } } }))).statusCode, 200);
  t.equal((await lrs.post('/xapi/statements', statement({ object: { id, definition: { name: { 'fr-FR': 'Les échecs' } } } }))).statusCode, 200);
  const known = (await activity()).json();
  t.same(known, { objectType: 'Activity', id, definition: { name: { 'en-US': 'Chess', 'fr-FR': 'Les échecs' } } }, 'the definitions are merged');
  t.equal((await lrs.get('/xapi/activities')).statusCode, 400, 'activityId is required');

  const person = await lrs.get(`/xapi/agents?${qs({ agent })}`);
  t.equal(person.statusCode, 200);
  t.same(person.json(), { objectType: 'Person', mbox: [agent.mbox], name: [agent.name] }, 'a Person with the agent\'s identifier and name');
  const group = await lrs.get(`/xapi/agents?${qs({ agent: { objectType: 'Group', mbox: 'mailto:team@example.com' } })}`);
  t.equal(group.statusCode, 400, 'a Group is not an Agent');
});
