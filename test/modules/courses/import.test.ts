import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import t, { type Test } from 'tap';
import { courses } from '../../../src/db/schema/index.js';
import { apiToken, bearer, buildTestApp, createTenant, type TestTenant } from '../../helpers/build-app.js';
import { fixtureZip, multipartFile, scormIndex } from '../../helpers/fixtures.js';
import { buildBombZip, buildZip, type ZipEntrySpec } from '../../helpers/zip-writer.js';

const ctx = await buildTestApp({
  import: { maxTotalBytes: 2 * 1024 ** 3, maxEntries: 50_000, maxCompressionRatio: 200, maxManifestBytes: 64 * 1024 },
});
t.teardown(() => ctx.close());
const { app, config } = ctx;

async function upload(token: string, zip: Buffer, url = '/api/courses', filename = 'package.zip') {
  const body = multipartFile(zip, filename);
  return app.inject({ method: 'POST', url, headers: { ...bearer(token), ...body.headers }, payload: body.payload });
}

/** Nothing of a failed import may remain: no course rows, no staging or upload files, no published content. */
async function assertNothingWritten(t: Test, tenant: TestTenant) {
  const rows = await app.db.select().from(courses).where(eq(courses.tenantId, tenant.id));
  t.equal(rows.length, 0, 'no course rows');
  const tmp = join(config.dataDir, 'tmp');
  t.same(existsSync(tmp) ? readdirSync(tmp) : [], [], 'no temporary files left');
  t.notOk(existsSync(join(config.dataDir, 'content', tenant.id)), 'no published content');
}

const MANIFEST_12 = `<?xml version="1.0"?>
<manifest identifier="m" version="1" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>Tiny</title>
    <item identifier="i" identifierref="r"><title>Only item</title></item></organization></organizations>
  <resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco" href="index.html"><file href="index.html"/></resource></resources>
</manifest>`;

const validWith = (...extra: ZipEntrySpec[]) => buildZip([{ name: 'imsmanifest.xml', data: MANIFEST_12 }, { name: 'index.html', data: '<p>hi</p>' }, ...extra]);

t.test('every valid fixture imports with its standard and edition', async (t) => {
  const tenant = await createTenant(app);
  const token = await apiToken(app, tenant.author.email);
  const expected: Record<string, [string, string | null]> = {
    'SCORM 1.2': ['scorm12', null],
    '1.2': ['scorm12', null],
    "SCORM 2004 2nd Edition ('CAM 1.3')": ['scorm2004', '2nd'],
    'SCORM 2004 3rd Edition': ['scorm2004', '3rd'],
  };
  const invalid = new Set(['ItemWithNonExistentResourceId_SCORM12', 'MalformedXml_SCORM12', 'MissingLaunchUrl_SCORM12']);
  // These parser edge cases ship only imsmanifest.xml: structurally fine, but the page they launch is not in the
  // zip, so they cannot play and are refused for exactly that reason.
  const manifestOnly = new Set([
    'AdlAttributes_SCORM20043rdEdition', 'CM-01-broken-default-org', 'ComplexNestedOrganization_SCORM12',
    'ContentPackagingNoSchemaVersion_SCORM20042ndEdition', 'MinimalValid_SCORM20043rdEdition', 'MissingRequiredFields_SCORM12',
    'InvalidMissingOrgIdentifier_SCORM20043rdEdition',
  ]);
  for (const entry of scormIndex()) {
    if (!entry.file.endsWith('.zip') || entry.fixture.startsWith('broken-')) continue;
    const name = entry.fixture.split('/').pop()!;
    if (invalid.has(name)) continue;
    const folder = entry.fixture.includes('/') ? entry.fixture.split('/')[0]! : entry.fixture;
    const r = await upload(token, fixtureZip(folder, entry.file), '/api/courses', entry.file);
    if (manifestOnly.has(name)) {
      t.equal(r.statusCode, 422, `${name} is refused: its launch page is missing`);
      t.same([...new Set(r.json().error.details.map((p: { code: string }) => p.code))], ['LAUNCH_FILE_MISSING'], `${name}: only LAUNCH_FILE_MISSING`);
      continue;
    }
    t.equal(r.statusCode, 201, `${entry.fixture} imports (${r.statusCode === 201 ? 'ok' : r.body.slice(0, 300)})`);
    if (r.statusCode !== 201) continue;
    const { version } = r.json().data;
    const want = expected[entry.scorm_version];
    if (want) {
      t.equal(version.standard, want[0], `${entry.fixture}: ${want[0]}`);
      t.equal(version.edition, want[1], `${entry.fixture}: edition ${want[1]}`);
    } else {
      t.match(version.standard, /^scorm(12|2004)$/);
    }
    t.ok(version.scoCount + version.assetCount >= 1, `${entry.fixture} has something to launch`);
  }
});

t.test('the Golf 1.2 single-SCO package: counts, tree and launch URL, as a course with version 1', async (t) => {
  const tenant = await createTenant(app);
  const token = await apiToken(app, tenant.admin.email);
  const r = await upload(token, fixtureZip('scorm12-single-sco-golf', 'singlesco_scorm12.zip'), '/api/courses', 'singlesco_scorm12.zip');
  t.equal(r.statusCode, 201);
  const data = r.json().data;
  t.match(data, { course: { title: String }, version: { versionNumber: 1, standard: 'scorm12', edition: null, itemCount: 1, scoCount: 1, assetCount: 0 } });
  const show = await app.inject({ method: 'GET', url: `/api/courses/${data.course.id}`, headers: bearer(token) });
  t.equal(show.statusCode, 200);
  const tree = show.json().data.currentVersion.activityTree;
  t.equal(tree.organizations[0].items[0].launchUrl, 'shared/launchpage.html');
  const list = await app.inject({ method: 'GET', url: '/api/courses', headers: bearer(token) });
  t.same(list.json().data.items.map((c: { id: string }) => c.id), [data.course.id]);
});

t.test('broken packages are rejected with a message an author understands, and nothing is written', async (t) => {
  const tenant = await createTenant(app);
  const token = await apiToken(app, tenant.author.email);
  const cases: [string, string, string, RegExp][] = [
    ['broken-no-manifest', 'invalid.zip', 'NO_MANIFEST', /no imsmanifest.xml at the top/],
    ['broken-manifest-in-subfolder', 'badscorm.zip', 'MANIFEST_NOT_AT_ROOT', /inside "badscorm\/"/],
    ['broken-aicc-only-cst', 'validaicc.zip', 'NOT_SCORM', /AICC/],
    ['broken-manifest-empty-root', 'validscorm.zip', '', /./],
    ['parser-edge-cases-elearning-module-parser', 'MalformedXml_SCORM12.zip', 'MALFORMED_XML', /line/],
    ['parser-edge-cases-elearning-module-parser', 'ItemWithNonExistentResourceId_SCORM12.zip', 'MISSING_RESOURCE', /./],
    ['parser-edge-cases-elearning-module-parser', 'MissingLaunchUrl_SCORM12.zip', 'MISSING_LAUNCH_URL', /./],
  ];
  for (const [folder, file, code, message] of cases) {
    const r = await upload(token, fixtureZip(folder, file));
    t.equal(r.statusCode, 422, `${file} is refused`);
    const error = r.json().error;
    t.equal(error.code, 'INVALID_PACKAGE');
    t.match(error.message, /^This package cannot be imported: /);
    if (code) t.ok(error.details.some((p: { code: string }) => p.code === code), `${file}: ${code} (${JSON.stringify(error.details.map((p: { code: string }) => p.code))})`);
    t.match(error.message, message);
  }
  await assertNothingWritten(t, tenant);
});

t.test('hostile zips are refused before anything is written', async (t) => {
  const tenant = await createTenant(app);
  const token = await apiToken(app, tenant.author.email);
  const golf = fixtureZip('scorm12-single-sco-golf', 'singlesco_scorm12.zip');
  const xxe = MANIFEST_12.replace('<?xml version="1.0"?>', '<?xml version="1.0"?><!DOCTYPE manifest [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>').replace('<title>Tiny</title>', '<title>&xxe;</title>');
  const cases: [string, Buffer | Promise<Buffer>, string][] = [
    ['zip-slip', validWith({ name: '../../evil.html', data: 'x' }), 'UNSAFE_PATH'],
    ['absolute path', validWith({ name: '/etc/cron.d/evil', data: 'x' }), 'UNSAFE_PATH'],
    ['backslashes', validWith({ name: '..\\..\\evil.html', data: 'x' }), 'UNSAFE_PATH'],
    ['drive letter', validWith({ name: 'C:/evil.html', data: 'x' }), 'UNSAFE_PATH'],
    ['symlink', validWith({ name: 'link', data: '/etc/passwd', unixMode: 0o120777 }), 'SYMLINK'],
    ['encrypted entry', validWith({ name: 'secret.html', data: 'x', encrypted: true }), 'ENCRYPTED'],
    ['duplicate names', validWith({ name: 'index.html', data: 'again' }), 'DUPLICATE_ENTRY'],
    ['a 1 GB zip bomb', buildBombZip('bomb.bin', 1024 ** 3, [{ name: 'imsmanifest.xml', data: MANIFEST_12 }, { name: 'index.html', data: 'x' }]), 'ZIP_BOMB'],
    ['a small entry that lies about its size', validWith({ name: 'liar.bin', data: Buffer.alloc(8 * 1024 * 1024), deflate: true, declaredSize: 100 }), 'CORRUPT_ENTRY'],
    ['100,000 entries', buildZip(Array.from({ length: 100_000 }, (_, i) => ({ name: `f/${i}.txt`, data: '' }))), 'TOO_MANY_ENTRIES'],
    ['an XXE manifest', buildZip([{ name: 'imsmanifest.xml', data: xxe }, { name: 'index.html', data: 'x' }]), 'XML_ENTITIES_FORBIDDEN'],
    ['a manifest over the size cap', buildZip([{ name: 'imsmanifest.xml', data: MANIFEST_12.replace('</manifest>', `<!-- ${'x'.repeat(70 * 1024)} --></manifest>`) }, { name: 'index.html', data: 'x' }]), 'MANIFEST_TOO_LARGE'],
    ['a truncated zip', golf.subarray(0, Math.floor(golf.length / 2)), 'NOT_A_ZIP'],
    ['not a zip at all', Buffer.from('%PDF-1.4 definitely not a zip'), 'NOT_A_ZIP'],
  ];
  for (const [label, zip, code] of cases) {
    const r = await upload(token, await zip);
    t.equal(r.statusCode, 422, `${label}: 422`);
    const error = r.json().error;
    t.equal(error.code, 'INVALID_PACKAGE', `${label}: INVALID_PACKAGE`);
    t.ok(error.details.some((p: { code: string }) => p.code === code), `${label}: ${code} (${JSON.stringify(error.details.map((p: { code: string }) => p.code))})`);
    t.notMatch(r.body, 'root:x:0', `${label}: no file content leaks`);
  }
  t.notOk(existsSync('/etc/cron.d/evil'));
  await assertNothingWritten(t, tenant);
});

t.test('warnings are kept and shown, and the import goes ahead', async (t) => {
  const tenant = await createTenant(app);
  const token = await apiToken(app, tenant.author.email);
  const r = await upload(token, validWith({ name: '__MACOSX/._index.html', data: 'junk' }, { name: 'extra/undeclared.js', data: '1' }));
  t.equal(r.statusCode, 201);
  const codes = r.json().data.warnings.map((w: { code: string }) => w.code);
  t.ok(codes.includes('MACOSX_JUNK'), 'macOS junk noted');
  t.ok(codes.includes('UNDECLARED_FILES'), 'undeclared files noted');
});

t.test('a new version leaves the old one untouched and becomes current', async (t) => {
  const tenant = await createTenant(app);
  const token = await apiToken(app, tenant.author.email);
  const first = (await upload(token, validWith())).json().data;
  const second = await upload(token, fixtureZip('scorm12-single-sco-golf', 'singlesco_scorm12.zip'), `/api/courses/${first.course.id}/versions`);
  t.equal(second.statusCode, 201);
  t.equal(second.json().data.version.versionNumber, 2);
  t.equal(second.json().data.course.id, first.course.id);
  const show = (await app.inject({ method: 'GET', url: `/api/courses/${first.course.id}`, headers: bearer(token) })).json().data;
  t.equal(show.course.currentVersionId, second.json().data.version.id);
  t.same(show.versions.map((v: { versionNumber: number }) => v.versionNumber), [2, 1]);
  t.ok(existsSync(join(config.dataDir, 'content', tenant.id, first.version.id, 'index.html')), 'version 1 files are still there');
});

t.test("another tenant's course is a 404 everywhere, and learners cannot manage courses", async (t) => {
  const a = await createTenant(app);
  const b = await createTenant(app);
  const tokenA = await apiToken(app, a.author.email);
  const tokenB = await apiToken(app, b.admin.email);
  const course = (await upload(tokenA, validWith())).json().data.course;
  t.equal((await app.inject({ method: 'GET', url: `/api/courses/${course.id}`, headers: bearer(tokenB) })).statusCode, 404);
  t.equal((await upload(tokenB, validWith(), `/api/courses/${course.id}/versions`)).statusCode, 404);
  t.equal((await app.inject({ method: 'DELETE', url: `/api/courses/${course.id}`, headers: bearer(tokenB) })).statusCode, 404);
  t.same((await app.inject({ method: 'GET', url: '/api/courses', headers: bearer(tokenB) })).json().data.items, []);
  const learner = await apiToken(app, a.learner.email);
  t.equal((await app.inject({ method: 'GET', url: '/api/courses', headers: bearer(learner) })).statusCode, 403);
  t.equal((await upload(learner, validWith())).statusCode, 403);
});

t.test('an upload over the configured size is a 413 and leaves nothing', async (t) => {
  const small = await buildTestApp({ uploadMaxBytes: 2048 });
  t.teardown(() => small.close());
  const tenant = await createTenant(small.app);
  const token = await apiToken(small.app, tenant.author.email);
  const body = multipartFile(fixtureZip('scorm12-single-sco-golf', 'singlesco_scorm12.zip'));
  const r = await small.app.inject({ method: 'POST', url: '/api/courses', headers: { ...bearer(token), ...body.headers }, payload: body.payload });
  t.equal(r.statusCode, 413);
  t.equal(r.json().error.code, 'PAYLOAD_TOO_LARGE');
  const tmp = join(small.config.dataDir, 'tmp');
  t.same(existsSync(tmp) ? readdirSync(tmp) : [], [], 'the partial upload is removed');
});

t.test('archive, then delete (confirmed with the title) removes the course’s files and takes it out of sight', async (t) => {
  const tenant = await createTenant(app);
  const token = await apiToken(app, tenant.author.email);
  const { course, version } = (await upload(token, validWith())).json().data;
  const confirm = { confirm: course.title };
  const early = await app.inject({ method: 'DELETE', url: `/api/courses/${course.id}`, headers: bearer(token), payload: confirm });
  t.equal(early.statusCode, 409, 'an active course must be archived first');
  t.equal((await app.inject({ method: 'POST', url: `/api/courses/${course.id}/archive`, headers: bearer(token) })).statusCode, 200);
  t.equal((await app.inject({ method: 'DELETE', url: `/api/courses/${course.id}`, headers: bearer(token), payload: confirm })).statusCode, 200);
  t.notOk(existsSync(join(config.dataDir, 'content', tenant.id, version.id)), 'files removed');
  t.equal((await app.inject({ method: 'GET', url: `/api/courses/${course.id}`, headers: bearer(token) })).statusCode, 404);
  t.equal((await app.inject({ method: 'DELETE', url: `/api/courses/${course.id}`, headers: bearer(token), payload: confirm })).statusCode, 404, 'deleting twice finds nothing');
});

t.test('a manifest whose text the database cannot store (a lone surrogate by character reference) is refused with the reason, and nothing is stored', async (t) => {
  const tenant = await createTenant(app);
  const token = await apiToken(app, tenant.author.email);
  const manifest = MANIFEST_12.replace('<title>Only item</title>', '<title>Only &#xD800; item</title>');
  const r = await upload(token, buildZip([{ name: 'imsmanifest.xml', data: manifest }, { name: 'index.html', data: '<p>hi</p>' }]));
  t.equal(r.statusCode, 422);
  const error = r.json().error;
  t.equal(error.code, 'INVALID_PACKAGE');
  t.ok(error.details.some((p: { code: string }) => p.code === 'UNSTORABLE_CHARACTER'), 'UNSTORABLE_CHARACTER');
  t.match(error.message, /imsmanifest\.xml contains a character that cannot be stored \(an unpaired UTF-16 surrogate, U\+D800\)/);
  await assertNothingWritten(t, tenant);
});
