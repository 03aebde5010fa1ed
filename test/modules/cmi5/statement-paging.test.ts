// A launched AU reads statements only of its learner or its registration (cmi5 session rules), on every page:
// a `more` link it forges or alters must not widen its query to the tenant's other learners, nor raise the page cap.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { cmi5Tenant, importCmi5, launch, startCmi5App } from './helpers.js';
import { apiToken, bearer } from '../../helpers/build-app.js';

const ctx = await startCmi5App();
t.teardown(() => ctx.close());
const { app } = ctx;
const lms = await cmi5Tenant(app);
const learner = await apiToken(app, lms.tenant.learner.email);
const course = await importCmi5(app, lms.tenant, '001-essentials.zip');

// Other learners' statements in the same tenant, more than one page's worth (the LRS's cap is 500).
const writer = (await app.inject({ method: 'POST', url: '/api/lrs/credentials', headers: bearer(lms.admin), payload: { name: 'writer', scope: 'all' } })).json().data;
const writerAuth = `Basic ${Buffer.from(`${writer.key}:${writer.secret}`).toString('base64')}`;
const others = Array.from({ length: 520 }, (_, i) => ({
  id: randomUUID(),
  actor: { mbox: `mailto:other${i}@example.com` },
  verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
  object: { id: 'http://example.com/activities/secret' },
}));
const stored = await app.inject({ method: 'POST', url: '/xapi/statements', headers: { authorization: writerAuth, 'x-experience-api-version': '1.0.3', 'content-type': 'application/json' }, payload: JSON.stringify(others) });
if (stored.statusCode !== 200) throw new Error(`storing other learners' statements failed: ${stored.statusCode} ${stored.body}`);

/** The LRS headers of a launched AU: its auth token, fetched from the launch URL's fetch link as the AU does. */
async function headersOf(launchUrl: string) {
  const fetchUrl = new URL(launchUrl).searchParams.get('fetch')!;
  const token = (await app.inject({ method: 'POST', url: fetchUrl.slice(ctx.appOrigin.length) })).json()['auth-token'] as string;
  return { authorization: `Basic ${token}`, 'x-experience-api-version': '1.0.3' };
}

async function auHeaders() {
  const l = await launch(app, learner, course);
  return { l, headers: await headersOf(l.launchUrl) };
}

t.test('a forged more link that drops the AU\'s restriction and raises the limit is a 400, not other learners\' statements', async (t) => {
  const { headers } = await auHeaders();
  t.equal((await app.inject({ method: 'GET', url: '/xapi/statements?limit=600', headers })).statusCode, 403, 'a fresh query without agent or registration is refused');
  // The continuation as it was once built: base64url JSON of the filter (none), the limit, the ceiling and the format.
  const forged = Buffer.from(JSON.stringify({ f: { relatedAgents: false, relatedActivities: false, ascending: false }, l: 600, c: Number.MAX_SAFE_INTEGER, fm: 'exact' })).toString('base64url');
  const r = await app.inject({ method: 'GET', url: `/xapi/statements?more=${forged}`, headers });
  t.equal(r.statusCode, 400, 'refused');
  t.match(r.json(), { error: String }, 'with an xAPI error');
  t.notOk(r.json().statements, 'and no statements');
});

t.test('an AU pages through its own registration; its more link cannot be bent to other statements', async (t) => {
  const { l, headers } = await auHeaders();
  // A second launch of the same registration gives the AU two "launched" statements to page through.
  const reg = l.registration;
  const again = await app.inject({ method: 'POST', url: `/api/registrations/${reg}/cmi5/launch`, headers: bearer(learner), payload: { au: 0 } });
  t.equal(again.statusCode, 201);
  const own = await headersOf(again.json().data.launchUrl);
  t.not(own.authorization, headers.authorization);

  const first = await app.inject({ method: 'GET', url: `/xapi/statements?registration=${reg}&limit=1`, headers: own });
  t.equal(first.statusCode, 200);
  t.equal(first.json().statements.length, 1);
  t.match(first.json().more, /^\/xapi\/statements\?more=/, 'a more link');
  const next = await app.inject({ method: 'GET', url: first.json().more, headers: own });
  t.equal(next.statusCode, 200, 'the AU follows its own more link');
  t.ok(next.json().statements.every((s: { context?: { registration?: string } }) => s.context?.registration === reg), 'still only its registration');

  const token0 = new URL(first.json().more, ctx.appOrigin).searchParams.get('more')!;
  const [body] = token0.split('.');
  const state = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')) as Record<string, any>;
  delete state.f.registration;
  state.l = 600;
  const widened = `${Buffer.from(JSON.stringify(state)).toString('base64url')}${token0.slice(body!.length)}`;
  const r = await app.inject({ method: 'GET', url: `/xapi/statements?more=${widened}`, headers: own });
  t.equal(r.statusCode, 400, 'the same link with the registration dropped and the limit raised is refused');
  t.notOk(r.json().statements);
});
