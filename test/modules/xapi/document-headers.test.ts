// LRS documents are whatever a client stored, with whatever Content-Type it named. Served back from the app's
// origin they must never render as a page of the app: a stored text/html document with a script, read back (also
// through the alternate request syntax a cross-site form can use), comes as a sandboxed download.
import t from 'tap';
import { buildTestApp } from '../../helpers/build-app.js';
import { lrsClient } from './helpers.js';

const ctx = await buildTestApp();
t.teardown(() => ctx.close());
const { app } = ctx;

const agent = { mbox: 'mailto:learner@example.com' };
const page = '<!doctype html><title>Sign in again</title><script>fetch("/admin/users").then((r) => r.text()).then(alert)</script>';
const stateUrl = (stateId: string) => `/xapi/activities/state?${new URLSearchParams({ activityId: 'http://example.com/a', agent: JSON.stringify(agent), stateId })}`;
const profileUrl = (profileId: string) => `/xapi/agents/profile?${new URLSearchParams({ agent: JSON.stringify(agent), profileId })}`;

const SANDBOX = /^sandbox; default-src 'none'(;|$)/;

t.test('a document stored as text/html with a script is served as a sandboxed attachment, never as a page', async (t) => {
  const lrs = await lrsClient(app);
  t.equal((await app.inject({ method: 'PUT', url: stateUrl('evil'), headers: lrs.headers({ 'content-type': 'text/html' }), payload: page })).statusCode, 204);
  const got = await lrs.get(stateUrl('evil'));
  t.equal(got.statusCode, 200);
  t.equal(got.body, page, 'the bytes come back unchanged');
  t.match(got.headers['content-type'], /^text\/html/, 'with the Content-Type it was stored with (clients read it back)');
  t.match(got.headers['content-disposition'], /^attachment\b/, 'as a download');
  t.match(got.headers['content-security-policy'], SANDBOX, 'in a sandbox with nothing allowed');
  t.equal(got.headers['x-content-type-options'], 'nosniff');
});

t.test('the same through the alternate request syntax (a form POST with ?method=GET and the credentials in the form)', async (t) => {
  const lrs = await lrsClient(app, { version: '1.0.3' });
  const form = (method: string, url: string, fields: Record<string, string>) =>
    app.inject({
      method: 'POST',
      url: `${url.split('?')[0]}?method=${method}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://attacker.example' },
      payload: new URLSearchParams({ ...Object.fromEntries(new URL(url, 'http://x').searchParams), Authorization: lrs.headers().authorization, 'X-Experience-API-Version': '1.0.3', ...fields }).toString(),
    });
  t.equal((await form('PUT', profileUrl('evil'), { 'Content-Type': 'text/html', 'If-None-Match': '*', content: page })).statusCode, 204, 'a cross-site form can store it');
  const got = await form('GET', profileUrl('evil'), {});
  t.equal(got.statusCode, 200);
  t.equal(got.body, page);
  t.match(got.headers['content-disposition'], /^attachment\b/, 'but reading it back is a download');
  t.match(got.headers['content-security-policy'], SANDBOX);
  t.equal(got.headers['x-content-type-options'], 'nosniff');
});

t.test('JSON documents stay inline JSON, still sandboxed and not sniffed', async (t) => {
  const lrs = await lrsClient(app);
  t.equal((await lrs.put(stateUrl('bookmark'), { page: 7 })).statusCode, 204);
  const got = await lrs.get(stateUrl('bookmark'));
  t.equal(got.headers['content-type'], 'application/json', 'the stored Content-Type, unchanged (the ADL suite checks it)');
  t.notOk(got.headers['content-disposition'], 'no download for JSON');
  t.match(got.headers['content-security-policy'], SANDBOX);
  t.equal(got.headers['x-content-type-options'], 'nosniff');
});
