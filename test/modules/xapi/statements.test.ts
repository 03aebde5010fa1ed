// The LRS statements resource (xAPI Communication 2.1) through the real routes and database.
import t from 'tap';
import { buildTestApp } from '../../helpers/build-app.js';
import { lrsClient, statement } from './helpers.js';

const ctx = await buildTestApp();
t.teardown(() => ctx.close());
const { app } = ctx;

t.test('headers: version required and echoed, Basic auth required, /about open', async (t) => {
  const lrs = await lrsClient(app);
  const about = await app.inject({ method: 'GET', url: '/xapi/about' });
  t.equal(about.statusCode, 200);
  t.same(about.json().version, ['2.0.0', '1.0.3']);
  const noVersion = await app.inject({ method: 'GET', url: '/xapi/statements', headers: { authorization: lrs.headers().authorization } });
  t.equal(noVersion.statusCode, 400);
  t.match(noVersion.json().error, /X-Experience-API-Version/);
  const noAuth = await app.inject({ method: 'GET', url: '/xapi/statements', headers: { 'x-experience-api-version': '2.0.0' } });
  t.equal(noAuth.statusCode, 401);
  t.match(noAuth.headers['www-authenticate'], /Basic/);
  const wrong = await app.inject({ method: 'GET', url: '/xapi/statements', headers: { 'x-experience-api-version': '2.0.0', authorization: `Basic ${Buffer.from(`${lrs.key}:nope`).toString('base64')}` } });
  t.equal(wrong.statusCode, 401, 'a wrong secret is refused');
  const ok = await lrs.get('/xapi/statements');
  t.equal(ok.statusCode, 200);
  t.equal(ok.headers['x-experience-api-version'], '2.0.0');
  t.ok(ok.headers['x-experience-api-consistent-through'], 'consistent-through on statement reads');
  t.equal((await lrs.get('/xapi/statements', { 'x-experience-api-version': '1.0.3' })).headers['x-experience-api-version'], '1.0.3');
  const options = await app.inject({ method: 'OPTIONS', url: '/xapi/statements', headers: { origin: 'https://tool.example', 'access-control-request-method': 'POST' } });
  t.equal(options.statusCode, 204, 'CORS preflight');
  t.equal(options.headers['access-control-allow-origin'], '*');
});

t.test('POST and PUT store statements with the properties the LRS sets; GET returns them', async (t) => {
  const lrs = await lrsClient(app);
  const posted = await lrs.post('/xapi/statements', [statement(), statement({ timestamp: '2026-01-02T03:04:05.678+02:00' })]);
  t.equal(posted.statusCode, 200);
  const ids = posted.json() as string[];
  t.equal(ids.length, 2);
  const one = (await lrs.get(`/xapi/statements?statementId=${ids[1]}`)).json();
  t.match(one, { id: ids[1], timestamp: '2026-01-02T01:04:05.678Z', version: '2.0.0', authority: { objectType: 'Agent' } });
  t.ok(one.stored, 'stored is set');

  const id = '3c2a1b4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e';
  t.equal((await lrs.put(`/xapi/statements?statementId=${id}`, statement())).statusCode, 204);
  const same = (await lrs.get(`/xapi/statements?statementId=${id}`)).json();
  t.equal((await lrs.put(`/xapi/statements?statementId=${id}`, { ...same, stored: undefined, authority: undefined })).statusCode, 204, 'the same statement again is accepted');
  t.equal((await lrs.put(`/xapi/statements?statementId=${id}`, statement())).statusCode, 409, 'a different one with that id is a conflict');
  t.equal((await lrs.put('/xapi/statements', statement())).statusCode, 400, 'PUT needs statementId');

  const list = (await lrs.get('/xapi/statements')).json();
  t.equal(list.statements.length, 3);
  t.equal(list.more, '');
});

t.test('a bad statement rejects the whole batch and stores nothing', async (t) => {
  const lrs = await lrsClient(app);
  const cases: [string, unknown][] = [
    ['missing actor', { verb: statement().verb, object: statement().object }],
    ['two identifiers', statement({ actor: { mbox: 'mailto:a@b.c', openid: 'http://openid.example/a' } })],
    ['bad mbox', statement({ actor: { mbox: 'a@b.c' } })],
    ['verb without id', statement({ verb: { display: { 'en-US': 'did' } } })],
    ['relative activity id', statement({ object: { id: 'golf' } })],
    ['bad language tag', statement({ verb: { id: 'http://example.com/v', display: { 'not a tag': 'x' } } })],
    ['scaled score out of range', statement({ result: { score: { scaled: 1.5 } } })],
    ['raw above max', statement({ result: { score: { raw: 11, max: 10 } } })],
    ['unknown property', statement({ verbs: {} })],
    ['wrong case', statement({ Actor: {} })],
    ['timestamp without zone', statement({ timestamp: '2026-01-01T00:00:00' })],
    ['revision on an agent object', statement({ object: { objectType: 'Agent', mbox: 'mailto:x@y.z' }, context: { revision: '1' } })],
    ['voiding without StatementRef', statement({ verb: { id: 'http://adlnet.gov/expapi/verbs/voided' } })],
    ['bad id', statement({ id: 'not-a-uuid' })],
  ];
  for (const [label, bad] of cases) {
    const r = await lrs.post('/xapi/statements', [statement(), bad]);
    t.equal(r.statusCode, 400, label);
  }
  t.equal((await lrs.get('/xapi/statements')).json().statements.length, 0, 'nothing was stored');
  t.equal((await lrs.post('/xapi/statements', '{"actor":')).statusCode, 400, 'bad JSON');
  const dup = '6d1c2a1b-5f6a-4b7c-8d9e-0f1a2b3c4d5e';
  t.equal((await lrs.post('/xapi/statements', [statement({ id: dup }), statement({ id: dup })])).statusCode, 400, 'the same id twice in a batch');
});

t.test('voiding hides a statement from queries and statementId; voidedStatementId finds it', async (t) => {
  const lrs = await lrsClient(app);
  const [target] = (await lrs.post('/xapi/statements', statement())).json() as string[];
  const voiding = statement({ verb: { id: 'http://adlnet.gov/expapi/verbs/voided' }, object: { objectType: 'StatementRef', id: target } });
  const [voidingId] = (await lrs.post('/xapi/statements', voiding)).json() as string[];
  t.equal((await lrs.get(`/xapi/statements?statementId=${target}`)).statusCode, 404);
  t.equal((await lrs.get(`/xapi/statements?voidedStatementId=${target}`)).statusCode, 200);
  const ids = (await lrs.get('/xapi/statements')).json().statements.map((s: { id: string }) => s.id);
  t.same(ids, [voidingId], 'the voided statement is left out; the voiding one is there');
  const voidVoid = statement({ verb: { id: 'http://adlnet.gov/expapi/verbs/voided' }, object: { objectType: 'StatementRef', id: voidingId } });
  t.equal((await lrs.post('/xapi/statements', voidVoid)).statusCode, 400, 'a voiding statement cannot be voided');
});

t.test('query filters, formats and more paging', async (t) => {
  const lrs = await lrsClient(app);
  const alice = { mbox: 'mailto:alice@example.com' };
  const registration = '1b0d7b8e-8c1e-4d7f-9a53-2f6f3c1e9b11';
  const stored = (await lrs.post('/xapi/statements', [
    statement({ actor: alice }),
    statement({ actor: alice, verb: { id: 'http://adlnet.gov/expapi/verbs/passed' }, context: { registration } }),
    statement({ object: { id: 'http://example.com/activities/other' }, context: { instructor: alice, contextActivities: { parent: [{ id: 'http://example.com/activities/golf' }] } } }),
  ])).json() as string[];
  const q = async (query: string) => (await lrs.get(`/xapi/statements?${query}`)).json().statements.map((s: { id: string }) => s.id);
  t.same(await q(`agent=${encodeURIComponent(JSON.stringify(alice))}`), [stored[1], stored[0]], 'agent: actor or object, newest first');
  t.same(await q(`agent=${encodeURIComponent(JSON.stringify(alice))}&related_agents=true`), [stored[2], stored[1], stored[0]], 'related_agents includes the instructor');
  t.same(await q('verb=http://adlnet.gov/expapi/verbs/passed'), [stored[1]]);
  t.same(await q(`registration=${registration}`), [stored[1]]);
  t.same(await q('activity=http://example.com/activities/golf'), [stored[1], stored[0]]);
  t.same(await q('activity=http://example.com/activities/golf&related_activities=true&ascending=true'), [stored[0], stored[1], stored[2]]);
  t.equal((await lrs.get('/xapi/statements?Agent=x')).statusCode, 400, 'unknown or wrongly cased parameters are refused');
  t.equal((await lrs.get(`/xapi/statements?statementId=${stored[0]}&verb=http://x.y/z`)).statusCode, 400);

  const first = (await lrs.get('/xapi/statements?limit=2')).json();
  t.equal(first.statements.length, 2);
  t.match(first.more, /^\/xapi\/statements\?more=/);
  await lrs.post('/xapi/statements', statement());
  const second = (await lrs.get(first.more)).json();
  t.same(second.statements.map((s: { id: string }) => s.id), [stored[0]], 'the next page continues, unaffected by new statements');
  t.equal(second.more, '');

  const ids = (await lrs.get(`/xapi/statements?statementId=${stored[0]}&format=ids`)).json();
  t.same(ids.actor, alice, 'format=ids keeps only identifiers');
  t.same(ids.object, { id: 'http://example.com/activities/golf' });
  const canonical = (await lrs.get(`/xapi/statements?statementId=${stored[0]}&format=canonical`, { 'accept-language': 'fr-FR, en;q=0.5' })).json();
  t.same(canonical.verb.display, { 'fr-FR': 'a terminé' }, 'format=canonical keeps the preferred language');
});

t.test('scopes and tenants', async (t) => {
  const reader = await lrsClient(app, { scope: 'statements/read' });
  t.equal((await reader.post('/xapi/statements', statement())).statusCode, 403, 'a read-only key cannot write');
  const writer = await lrsClient(app, { scope: 'statements/write' });
  t.equal((await writer.get('/xapi/statements')).statusCode, 403, 'a write-only key cannot read');
  const a = await lrsClient(app);
  const b = await lrsClient(app);
  const [id] = (await a.post('/xapi/statements', statement())).json() as string[];
  t.equal((await b.get(`/xapi/statements?statementId=${id}`)).statusCode, 404, 'another tenant cannot see it');
  t.equal((await b.get('/xapi/statements')).json().statements.length, 0);
  t.equal((await b.put(`/xapi/statements?statementId=${id}`, statement())).statusCode, 204, 'and the same id is free in another tenant');
});

t.test('Communication 2.5: /activities returns what every statement said about an activity, merged', async (t) => {
  const lrs = await lrsClient(app);
  const id = `http://example.com/activities/merged-${Date.now()}`;
  const said = (definition: Record<string, unknown>) => statement({ object: { id, definition } });
  t.equal((await lrs.post('/xapi/statements', said({ name: { 'en-US': 'Golf' }, type: 'http://adlnet.gov/expapi/activities/course', extensions: { 'http://example.com/x/a': 1 } }))).statusCode, 200);
  t.equal((await lrs.post('/xapi/statements', [
    said({ name: { 'fr-FR': 'Le golf' }, description: { 'en-US': 'All about golf' } }),
    said({ extensions: { 'http://example.com/x/b': { deep: true } }, name: { 'en-US': 'Golf, the course' } }),
  ])).statusCode, 200);
  const activity = (await lrs.get(`/xapi/activities?activityId=${encodeURIComponent(id)}`)).json();
  t.same(activity.definition, {
    name: { 'en-US': 'Golf, the course', 'fr-FR': 'Le golf' },
    description: { 'en-US': 'All about golf' },
    type: 'http://adlnet.gov/expapi/activities/course',
    extensions: { 'http://example.com/x/a': 1, 'http://example.com/x/b': { deep: true } },
  }, 'language maps and extensions merge across requests and within one; the latest value of a key wins');
  t.equal((await lrs.post('/xapi/statements', said({ name: { 'en-US': 'Golf, the course' } }))).statusCode, 200, 'saying it again');
  t.same((await lrs.get(`/xapi/activities?activityId=${encodeURIComponent(id)}`)).json().definition.name, { 'en-US': 'Golf, the course', 'fr-FR': 'Le golf' });
});
