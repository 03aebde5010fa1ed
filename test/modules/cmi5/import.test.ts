// cmi5 packages through the course upload API (cmi5 spec 13 and 14): every CATAPULT fixture MANIFEST.md marks
// valid imports (zip or bare cmi5.xml), every one it marks invalid is refused with 422 and the reason, and nothing
// is stored for a refused one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { apiToken, bearer, buildTestApp, createTenant } from '../../helpers/build-app.js';
import { cmi5Fixture, CMI5_FIXTURES, multipartFile } from '../../helpers/fixtures.js';

const ctx = await buildTestApp();
t.teardown(() => ctx.close());
const { app } = ctx;

interface Entry { path: string; expected: string }
const entries = JSON.parse(readFileSync(join(CMI5_FIXTURES, 'MANIFEST.json'), 'utf8')) as Entry[];

const tenant = await createTenant(app);
const token = await apiToken(app, tenant.author.email);

async function upload(path: string) {
  const name = path.split('/').pop()!;
  const body = multipartFile(cmi5Fixture(path), name);
  return app.inject({ method: 'POST', url: '/api/courses', headers: { ...bearer(token), ...body.headers }, payload: body.payload });
}

async function courseCount(): Promise<number> {
  return (await app.inject({ method: 'GET', url: '/api/courses', headers: bearer(token) })).json().data.total;
}

t.test('every valid CATAPULT package imports as a cmi5 course', async (t) => {
  const valid = entries.filter((e) => e.expected.startsWith('valid'));
  t.ok(valid.length >= 17, `${valid.length} valid fixtures`);
  for (const entry of valid) {
    const r = await upload(entry.path);
    t.equal(r.statusCode, 201, `${entry.path}: ${r.statusCode === 201 ? 'imported' : r.body}`);
    if (r.statusCode !== 201) continue;
    const { version } = r.json().data;
    t.equal(version.standard, 'cmi5', `${entry.path} is stored as cmi5`);
  }
});

t.test('the 1,001-AU bare cmi5.xml keeps every AU', async (t) => {
  const r = await upload('catapult-lts/101-one-thousand-aus.xml');
  t.equal(r.statusCode, 201);
  t.equal(r.json().data.version.scoCount, 1001);
});

t.test('every package the manifest marks invalid is refused with its reason, and nothing is stored', async (t) => {
  const invalid = entries.filter((e) => e.expected.startsWith('MUST be rejected'));
  t.equal(invalid.length, 19, 'the 19 must-reject fixtures');
  const before = await courseCount();
  for (const entry of invalid) {
    const r = await upload(entry.path);
    t.equal(r.statusCode, 422, `${entry.path} is refused`);
    const body = r.json();
    t.equal(body.error?.code, 'INVALID_PACKAGE', `${entry.path}: ${body.error?.message}`);
    t.ok(body.error?.details?.length, `${entry.path} says why`);
  }
  t.equal(await courseCount(), before, 'no course was created by a refused upload');
});

t.test('the refusals name the rule each fixture breaks', async (t) => {
  const codes = async (path: string) => ((await upload(path)).json().error.details as { code: string }[]).map((d) => d.code);
  t.ok((await codes('catapult-lts/201-1-iris-course-id.xml')).includes('ID_NOT_IRI'));
  t.ok((await codes('catapult-lts/205-3-duplicated-au.xml')).includes('DUPLICATE_AU_ID'));
  t.same(await codes('catapult-lts/208-1-invalid-package.md'), ['NOT_A_ZIP'], 'markdown is neither a zip nor XML');
  t.same(await codes('catapult-lts/209-1-not-a-zip.zip'), ['NOT_A_ZIP'], 'a .zip name does not make a zip');
  t.same(await codes('catapult-lts/210-1-no-cmi5-xml.zip'), ['NO_MANIFEST'], 'a zip with neither imsmanifest.xml nor cmi5.xml');
});

t.test('a cmi5.xml whose text the database cannot store (a lone surrogate by character reference) is refused with the reason', async (t) => {
  const xml = readFileSync(join(CMI5_FIXTURES, 'catapult-lts/101-one-thousand-aus.xml'), 'utf8').replace(/<title>\s*<langstring([^>]*)>/, '<title><langstring$1>&#xDC00;');
  t.match(xml, '&#xDC00;', 'the fixture was altered');
  const before = await courseCount();
  const body = multipartFile(Buffer.from(xml), 'cmi5.xml');
  const r = await app.inject({ method: 'POST', url: '/api/courses', headers: { ...bearer(token), ...body.headers }, payload: body.payload });
  t.equal(r.statusCode, 422);
  t.ok((r.json().error.details as { code: string }[]).some((d) => d.code === 'UNSTORABLE_CHARACTER'), 'UNSTORABLE_CHARACTER');
  t.equal(await courseCount(), before, 'nothing was stored');
});
