// `more` links (xAPI Communication 2.1.3) carry a query's state between pages. They are signed and bound to the key
// that asked: another key, another tenant, an altered or truncated link is a 400 with an xAPI error, never data and
// never a 500; and a continued page is capped like a first one.
import t, { type Test } from 'tap';
import { apiToken, bearer, buildTestApp } from '../../helpers/build-app.js';
import { readPageState } from '../../../src/modules/xapi/more-links.js';
import { lrsClient, statement } from './helpers.js';

const ctx = await buildTestApp();
t.teardown(() => ctx.close());
const { app } = ctx;

type Lrs = Awaited<ReturnType<typeof lrsClient>>;

/** Another key of the same tenant. */
async function secondKey(lrs: Lrs, scope = 'all') {
  const admin = await apiToken(app, lrs.tenant.admin.email);
  const created = (await app.inject({ method: 'POST', url: '/api/lrs/credentials', headers: bearer(admin), payload: { name: 'key B', scope } })).json().data;
  const authorization = `Basic ${Buffer.from(`${created.key}:${created.secret}`).toString('base64')}`;
  return (url: string) => app.inject({ method: 'GET', url, headers: { authorization, 'x-experience-api-version': '2.0.0' } });
}

async function withStatements(count: number) {
  const lrs = await lrsClient(app);
  const r = await lrs.post('/xapi/statements', Array.from({ length: count }, () => statement()));
  if (r.statusCode !== 200) throw new Error(`store: ${r.statusCode} ${r.body}`);
  return lrs;
}

const moreOf = (url: string) => new URL(url, 'http://lrs.test').searchParams.get('more')!;
const refused = (t: Test, r: { statusCode: number; json(): any }, what: string) => {
  t.equal(r.statusCode, 400, what);
  t.type(r.json().error, 'string', 'with an xAPI error message');
  t.notOk(r.json().statements, 'and no statements');
};

t.test('a more link from key A is refused for key B of the same tenant and for a key of another tenant', async (t) => {
  const lrs = await withStatements(3);
  const first = (await lrs.get('/xapi/statements?limit=1')).json();
  t.match(first.more, /^\/xapi\/statements\?more=/);
  t.equal((await lrs.get(first.more)).statusCode, 200, 'key A follows its own link');
  refused(t, await (await secondKey(lrs))(first.more), 'key B of the same tenant');
  const stranger = await lrsClient(app);
  refused(t, await stranger.get(first.more), 'a key of another tenant');
});

t.test('a more link altered in any byte, truncated or made up is a 400', async (t) => {
  const lrs = await withStatements(3);
  const link = (await lrs.get('/xapi/statements?limit=1')).json().more as string;
  const token = moreOf(link);
  for (const at of [0, Math.floor(token.length / 2), token.length - 1]) {
    const changed = token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
    refused(t, await lrs.get(`/xapi/statements?more=${changed}`), `one character changed at ${at}`);
  }
  refused(t, await lrs.get(`/xapi/statements?more=${token.slice(0, -5)}`), 'truncated');
  refused(t, await lrs.get(`/xapi/statements?more=${token.split('.')[0]}`), 'without its signature');
  refused(t, await lrs.get('/xapi/statements?more='), 'empty');
  refused(t, await lrs.get('/xapi/statements?more=%00%FF%FE'), 'not base64 at all');
  refused(t, await lrs.get(`/xapi/statements?more=${token}&more=${token}`), 'given twice');
  const unsigned = Buffer.from(JSON.stringify({ f: {}, l: 2, c: 1e9, fm: 'exact' })).toString('base64url');
  refused(t, await lrs.get(`/xapi/statements?more=${unsigned}`), 'an unsigned link of the old shape');
});

t.test('continued pages are capped at the LRS\'s page size, like first pages', async (t) => {
  const lrs = await withStatements(520);
  const first = (await lrs.get('/xapi/statements?limit=1000')).json();
  t.equal(first.statements.length, 500, 'a first page holds at most 500 statements');
  const second = (await lrs.get(first.more)).json();
  t.equal(second.statements.length, 20, 'the rest');
  t.equal(second.more, '');

  // A link asking for more than the cap: from the first page, with its limit raised (and so its signature broken).
  const token = moreOf((await lrs.get('/xapi/statements?limit=1')).json().more);
  const [body, signature] = token.split('.');
  const state = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8'));
  state.l = 1000;
  const raised = Buffer.from(JSON.stringify(state)).toString('base64url') + (signature === undefined ? '' : `.${signature}`);
  refused(t, await lrs.get(`/xapi/statements?more=${raised}`), 'a link whose limit was raised');
});

t.test('a key that may not read statements cannot follow a more link either', async (t) => {
  const lrs = await withStatements(3);
  const link = (await lrs.get('/xapi/statements?limit=1')).json().more as string;
  const writeOnly = await secondKey(lrs, 'statements/write');
  t.equal((await writeOnly(link)).statusCode, 403);
});

t.test('a more link expires a day after it was issued', async (t) => {
  const lrs = await withStatements(3);
  const token = moreOf((await lrs.get('/xapi/statements?limit=1')).json().more);
  const owner = { tenantId: lrs.tenant.id, credentialId: await keyId(lrs) };
  t.equal(readPageState(ctx.config, owner, token, 500, Date.now() + 23 * 3600_000).limit, 1, 'still good the same day');
  const refusal = (() => {
    try {
      readPageState(ctx.config, owner, token, 500, Date.now() + 25 * 3600_000);
      return null;
    } catch (error) {
      return error as { statusCode?: number };
    }
  })();
  t.equal(refusal?.statusCode, 400, 'refused (400) the next');
});

/** The id of the lrsClient's key, as the admin API lists it. */
async function keyId(lrs: Lrs): Promise<string> {
  const admin = await apiToken(app, lrs.tenant.admin.email);
  const list = (await app.inject({ method: 'GET', url: '/api/lrs/credentials', headers: bearer(admin) })).json().data.items as { id: string; key: string }[];
  return list.find((c) => c.key === lrs.key)!.id;
}
