// The admin's statement list (/admin/lrs/statements): newest first, filters by learner email, verb, activity and
// registration, paging by storage order, owners and admins only, one organisation's statements only.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { browser, buildTestApp } from '../../helpers/build-app.js';
import { lrsClient, statement } from './helpers.js';

const ctx = await buildTestApp();
t.teardown(() => ctx.close());
const { app } = ctx;

const lrs = await lrsClient(app);
const admin = await browser(app, { email: lrs.tenant.admin.email });
const registration = randomUUID();
const ana = `ana-${randomUUID().slice(0, 8)}@example.com`;
const batch = Array.from({ length: 60 }, (_, i) => statement({
  actor: { mbox: `mailto:${i < 3 ? ana : `other${i}@example.com`}`, name: i < 3 ? 'Ana Lima' : `Learner ${i}` },
  verb: { id: `http://adlnet.gov/expapi/verbs/${i % 2 ? 'passed' : 'completed'}`, display: { 'en-US': i % 2 ? 'passed' : 'completed' } },
  object: { id: `https://example.com/activities/${i}`, definition: { name: { 'en-US': `Lesson ${i}` } } },
  result: { success: true, score: { scaled: 0.5 } },
  ...(i === 10 ? { context: { registration } } : {}),
  timestamp: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
}));
const stored = await lrs.post('/xapi/statements', batch);
if (stored.statusCode !== 200) throw new Error(`setup: ${stored.body}`);
const other = await lrsClient(app);
await other.post('/xapi/statements', statement({ actor: { mbox: 'mailto:secret@elsewhere.example', name: 'Not Yours' } }));

const rows = (html: string) => (html.match(/<tr>\s*<td>/g) ?? []).length;

t.test('newest first, 50 a page, then the older ones', async (t) => {
  const first = await admin.get('/admin/lrs/statements');
  t.equal(first.statusCode, 200);
  t.equal(rows(first.body), 50);
  t.ok(first.body.indexOf('Lesson 59') < first.body.indexOf('Lesson 58'), 'the last stored comes first');
  t.match(first.body, '50%');
  t.notMatch(first.body, 'Not Yours', 'never another organisation\'s statements');
  const next = /href="\/admin\/lrs\/statements\?([^"]+)">Older/.exec(first.body)?.[1];
  t.ok(next, 'a link to older statements');
  const second = await admin.get(`/admin/lrs/statements?${next!.replace(/&amp;/g, '&')}`);
  t.equal(rows(second.body), 10, 'the remaining ten');
  t.match(second.body, 'Lesson 0');
  t.notMatch(second.body, 'Older statements');
});

t.test('filters: learner email, verb, activity, registration', async (t) => {
  t.equal(rows((await admin.get(`/admin/lrs/statements?learner=${encodeURIComponent(ana)}`)).body), 3, 'by learner email');
  t.equal(rows((await admin.get('/admin/lrs/statements?verb=passed')).body), 30, 'by verb short name');
  t.equal(rows((await admin.get(`/admin/lrs/statements?verb=${encodeURIComponent('http://adlnet.gov/expapi/verbs/passed')}&learner=${encodeURIComponent(ana)}`)).body), 1, 'by verb IRI and learner');
  t.equal(rows((await admin.get(`/admin/lrs/statements?activity=${encodeURIComponent('https://example.com/activities/7')}`)).body), 1, 'by activity');
  t.equal(rows((await admin.get(`/admin/lrs/statements?registration=${registration}`)).body), 1, 'by registration');
  const bad = await admin.get('/admin/lrs/statements?registration=nope');
  t.equal(bad.statusCode, 200);
  t.match(bad.body, 'A registration is a UUID.');
});

t.test('an object named only by id shows the name another statement gave it', async (t) => {
  const named = `https://example.com/activities/named-${randomUUID()}`;
  await lrs.post('/xapi/statements', [
    statement({ object: { id: named, definition: { name: { 'en-US': 'The named unit' } } } }),
    statement({ object: { id: named }, actor: { mbox: `mailto:${ana}`, name: 'Ana Lima' }, verb: { id: 'http://adlnet.gov/expapi/verbs/terminated' } }),
  ]);
  const page = (await admin.get(`/admin/lrs/statements?verb=terminated`)).body;
  t.match(page, 'The named unit');
  t.notMatch(page, `>${named}<`);
});

t.test('owners and admins only', async (t) => {
  const learner = await browser(app, { email: lrs.tenant.learner.email });
  t.equal((await learner.get('/admin/lrs/statements')).statusCode, 403);
  const signedOut = await app.inject({ method: 'GET', url: '/admin/lrs/statements' });
  t.ok(signedOut.statusCode >= 300 && signedOut.statusCode < 400 && String(signedOut.headers.location).startsWith('/login'), `signed out goes to sign-in (${signedOut.statusCode})`);
});
