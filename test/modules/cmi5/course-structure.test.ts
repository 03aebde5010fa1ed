// The cmi5 course structure parser against ADL's CATAPULT fixtures (../shared/fixtures/cmi5, see MANIFEST.md), then
// against the spec's own examples and hand-written edge cases. Every expected value below was read off the fixture's
// cmi5.xml (or MANIFEST.md) by hand, not produced by the parser.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import yauzl from 'yauzl';
import { parseCourseStructure, type Cmi5Au, type Cmi5Course, type Cmi5Node, type Cmi5Result, type LangMap } from '../../../src/modules/cmi5/course-structure.js';
import { PROJECT_ROOT } from '../../../src/paths.js';

// test/helpers/fixtures.ts only exports the SCORM folder; the cmi5 one sits beside it.
const CMI5_FIXTURES = join(PROJECT_ROOT, '..', 'shared', 'fixtures', 'cmi5');
const SPEC_EXAMPLES = join(CMI5_FIXTURES, 'spec', 'v1', 'examples');

interface ManifestEntry {
  path: string;
  expected: string;
  zip_check: string;
}

interface ZipListing {
  entries: Set<string>;
  cmi5Xml: string | null;
}

/** Every entry name of a zip (directories included, as stored), and the text of its root cmi5.xml if it has one. */
function listZip(path: string): Promise<ZipListing> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true }, (openError, zip) => {
      if (openError || !zip) return reject(openError ?? new Error(`cannot open ${path}`));
      const entries = new Set<string>();
      let cmi5Xml: string | null = null;
      zip.on('error', reject);
      zip.on('end', () => resolve({ entries, cmi5Xml }));
      zip.on('entry', (entry: yauzl.Entry) => {
        entries.add(entry.fileName);
        if (entry.fileName !== 'cmi5.xml') return zip.readEntry();
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError ?? new Error('cannot read cmi5.xml'));
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('error', reject);
          stream.on('end', () => {
            cmi5Xml = Buffer.concat(chunks).toString('utf8');
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

/** What the import step hands the parser: a bare .xml with files null, a zip's cmi5.xml with its entry names. */
async function parseFixture(path: string): Promise<Cmi5Result> {
  const full = join(CMI5_FIXTURES, path);
  if (path.endsWith('.xml')) return parseCourseStructure({ xml: readFileSync(full, 'utf8'), files: null });
  const zip = await listZip(full);
  if (zip.cmi5Xml === null) throw new Error(`${path} has no cmi5.xml`);
  return parseCourseStructure({ xml: zip.cmi5Xml, files: zip.entries });
}

const codes = (problems: { code: string }[]) => problems.map((p) => p.code).sort();

function expectOk(t: Test, result: Cmi5Result): Cmi5Course {
  if (!result.ok) {
    t.fail(`expected the course to parse, got: ${result.errors.map((e) => `${e.code} at ${e.path}: ${e.message}`).join(' | ')}`);
    throw new Error('parse failed');
  }
  return result.course;
}

function allAus(nodes: readonly Cmi5Node[]): Cmi5Au[] {
  return nodes.flatMap((n) => (n.type === 'au' ? [n] : allAus(n.children)));
}

interface Valid {
  aus: number;
  blocks: number;
  title?: LangMap;
  firstAu: Partial<Cmi5Au>;
  lastAu?: Partial<Cmi5Au>;
}

type Expected =
  | { valid: Valid }
  /** rejectedFor: the code the fixture is about; errors: every code the fixture earns, sorted. */
  | { rejectedFor: string; errors: string[] }
  /** Rejected before any XML is parsed: the import pipeline's job (see the test below). */
  | { pipeline: 'not-a-zip' | 'no-cmi5-xml' | 'neither-zip-nor-xml' };

const LTS = 'https://w3id.org/xapi/cmi5/catapult/lts';
const cop = { moveOn: 'CompletedOrPassed', launchMethod: 'AnyWindow', masteryScore: null, url: 'index.html', urlIsRelative: true } as const;
// The bare-XML fixtures 201-x and 204 also have relative urls (index.html), so they earn AU_URL_RELATIVE_WITHOUT_ZIP too.
const EXPECTED: Record<string, Expected> = {
  'catapult-lts/001-essentials.zip': {
    valid: {
      aus: 1, blocks: 1, title: { en: 'CATAPULT LMS Test Course: 001 Essentials' },
      firstAu: { id: `${LTS}/au/001-essentials`, moveOn: 'CompletedAndPassed', masteryScore: 0.9, launchMethod: 'AnyWindow', launchParameters: 'sample string', entitlementKey: 'sample value', url: 'index.html?paramA=1&paramB=2', urlIsRelative: true, title: { en: 'CATAPULT LMS Test AU: 001 Essentials' } },
    },
  },
  'catapult-lts/002-allowed.zip': { valid: { aus: 1, blocks: 0, firstAu: { ...cop, id: `${LTS}/au/002-allowed`, launchParameters: null, entitlementKey: null } } },
  'catapult-lts/003-launchMethod-OwnWindow.zip': { valid: { aus: 1, blocks: 0, firstAu: { ...cop, launchMethod: 'OwnWindow' } } },
  'catapult-lts/004-1-moveOn-Completed.zip': { valid: { aus: 1, blocks: 1, firstAu: { ...cop, moveOn: 'Completed' } } },
  'catapult-lts/004-2-moveOn-CompletedOrPassed.zip': { valid: { aus: 1, blocks: 1, firstAu: cop } },
  'catapult-lts/004-3-moveOn-Passed.zip': { valid: { aus: 1, blocks: 1, firstAu: { ...cop, moveOn: 'Passed' } } },
  'catapult-lts/004-4-moveOn-CompletedOrPassed.zip': { valid: { aus: 1, blocks: 1, firstAu: cop } },
  'catapult-lts/004-5-moveOn-NotApplicable.zip': { valid: { aus: 1, blocks: 1, firstAu: { ...cop, moveOn: 'NotApplicable' } } },
  'catapult-lts/005-1-invalid-au.zip': { valid: { aus: 1, blocks: 0, firstAu: { ...cop, masteryScore: 0.9 } } },
  'catapult-lts/005-2-invalid-au.zip': { valid: { aus: 1, blocks: 0, firstAu: { ...cop, masteryScore: 0.9 } } },
  'catapult-lts/006-launchMode.zip': { valid: { aus: 1, blocks: 0, firstAu: cop } },
  'catapult-lts/007-1-multi-session.zip': { valid: { aus: 1, blocks: 0, firstAu: cop } },
  'catapult-lts/007-2-multi-session.zip': { valid: { aus: 1, blocks: 0, firstAu: cop } },
  'catapult-lts/008-1-abandoned.zip': { valid: { aus: 1, blocks: 0, firstAu: cop } },
  'catapult-lts/009-1-waived.zip': { valid: { aus: 1, blocks: 0, firstAu: { ...cop, id: `${LTS}/au/009-1-waived/0` } } },
  'catapult-lts/101-one-thousand-aus.xml': {
    valid: { aus: 1001, blocks: 0, firstAu: { id: `${LTS}/au/0002-one-thousand-aus/0`, url: 'http://example.com/index.html', urlIsRelative: false, moveOn: 'NotApplicable' }, lastAu: { id: `${LTS}/au/0002-one-thousand-aus/1000` } },
  },
  'catapult-lts/102-zip64.zip': { valid: { aus: 1, blocks: 0, firstAu: { ...cop, id: `${LTS}/au/102-zip64` } } },
  'catapult-lts/201-1-iris-course-id.xml': { rejectedFor: 'ID_NOT_IRI', errors: ['AU_URL_RELATIVE_WITHOUT_ZIP', 'ID_NOT_IRI'] },
  'catapult-lts/201-2-iris-block-id.xml': { rejectedFor: 'ID_NOT_IRI', errors: ['AU_URL_RELATIVE_WITHOUT_ZIP', 'ID_NOT_IRI'] },
  'catapult-lts/201-3-iris-au-id.xml': { rejectedFor: 'ID_NOT_IRI', errors: ['AU_URL_RELATIVE_WITHOUT_ZIP', 'ID_NOT_IRI'] },
  // the objective's id and the AU's reference to it
  'catapult-lts/201-4-iris-objective-id.xml': { rejectedFor: 'ID_NOT_IRI', errors: ['AU_URL_RELATIVE_WITHOUT_ZIP', 'ID_NOT_IRI', 'ID_NOT_IRI'] },
  'catapult-lts/202-1-relative-url-no-zip.xml': { rejectedFor: 'AU_URL_RELATIVE_WITHOUT_ZIP', errors: ['AU_URL_RELATIVE_WITHOUT_ZIP'] },
  'catapult-lts/202-2-relative-url-no-zip.xml': { rejectedFor: 'AU_URL_RELATIVE_WITHOUT_ZIP', errors: ['AU_URL_RELATIVE_WITHOUT_ZIP'] },
  'catapult-lts/202-3-relative-url-no-zip.xml': { rejectedFor: 'AU_URL_RELATIVE_WITHOUT_ZIP', errors: ['AU_URL_RELATIVE_WITHOUT_ZIP'] },
  'catapult-lts/202-4-relative-url-no-zip.xml': { rejectedFor: 'AU_URL_RELATIVE_WITHOUT_ZIP', errors: ['AU_URL_RELATIVE_WITHOUT_ZIP'] },
  'catapult-lts/202-5-relative-url-no-zip.xml': { rejectedFor: 'AU_URL_RELATIVE_WITHOUT_ZIP', errors: ['AU_URL_RELATIVE_WITHOUT_ZIP'] },
  'catapult-lts/203-1-relative-url-no-reference.zip': { rejectedFor: 'AU_URL_FILE_MISSING', errors: ['AU_URL_FILE_MISSING'] },
  'catapult-lts/204-query-string-conflict-endpoint.xml': { rejectedFor: 'AU_URL_LAUNCH_PARAMETER_CONFLICT', errors: ['AU_URL_LAUNCH_PARAMETER_CONFLICT', 'AU_URL_RELATIVE_WITHOUT_ZIP'] },
  'catapult-lts/205-1-duplicated-block.xml': { rejectedFor: 'DUPLICATE_BLOCK_ID', errors: ['DUPLICATE_BLOCK_ID'] },
  // its AU also references the objective as "w3id.org/..." (no scheme): not an IRI, and not the declared id either
  'catapult-lts/205-2-duplicated-objective.xml': { rejectedFor: 'DUPLICATE_OBJECTIVE_ID', errors: ['DUPLICATE_OBJECTIVE_ID', 'ID_NOT_IRI'] },
  'catapult-lts/205-3-duplicated-au.xml': { rejectedFor: 'DUPLICATE_AU_ID', errors: ['DUPLICATE_AU_ID'] },
  // "http://example.com index.html": a space
  'catapult-lts/206-1-invalid-au-url.xml': { rejectedFor: 'AU_URL_INVALID', errors: ['AU_URL_INVALID'] },
  // <url> before <title> and <description>; and the same url with a space as 206-1
  'catapult-lts/207-1-invalid-courseStructure.xml': { rejectedFor: 'XSD_ELEMENT_ORDER', errors: ['AU_URL_INVALID', 'XSD_ELEMENT_ORDER'] },
  'catapult-lts/208-1-invalid-package.md': { pipeline: 'neither-zip-nor-xml' },
  'catapult-lts/209-1-not-a-zip.zip': { pipeline: 'not-a-zip' },
  'catapult-lts/210-1-no-cmi5-xml.zip': { pipeline: 'no-cmi5-xml' },
  'catapult-course-examples/multi_au_framed.zip': {
    valid: {
      aus: 8, blocks: 0, title: { 'en-US': 'Introduction to Geology - Multi AU at Root' },
      // &amp; in the XML
      firstAu: { ...cop, url: 'index.html?pages=1&complete=launch', title: { 'en-US': 'Introduction to Geology' } },
      lastAu: { id: 'https://w3id.org/xapi/cmi5/catapult/lts/course/geology-intro-multi-au-framed/quiz', moveOn: 'CompletedAndPassed', url: 'index.html?pages=quiz&complete=quiz' },
    },
  },
  'catapult-course-examples/single_au_basic_responsive.zip': { valid: { aus: 1, blocks: 0, title: { 'en-US': 'Introduction to Geology - Responsive Style' }, firstAu: cop } },
};

const manifest: ManifestEntry[] = JSON.parse(readFileSync(join(CMI5_FIXTURES, 'MANIFEST.json'), 'utf8'));

t.test('every fixture on disk is in MANIFEST.json, and every MANIFEST entry has an expectation here', async (t) => {
  const onDisk = ['catapult-lts', 'catapult-course-examples'].flatMap((dir) => readdirSync(join(CMI5_FIXTURES, dir)).map((f) => `${dir}/${f}`));
  // procedure.md is CATAPULT's manual test procedure, not a package
  t.same(onDisk.filter((p) => !p.endsWith('procedure.md')).sort(), manifest.map((m) => m.path).sort());
  t.same(Object.keys(EXPECTED).sort(), manifest.map((m) => m.path).sort());
  for (const entry of manifest) {
    const expected = EXPECTED[entry.path];
    const mustReject = entry.expected.startsWith('MUST be rejected');
    t.equal(expected !== undefined && !('valid' in expected), mustReject, `${entry.path}: "${entry.expected}"`);
    if (!mustReject) t.match(entry.expected, /^valid/, entry.path);
  }
});

for (const entry of manifest) {
  const expected = EXPECTED[entry.path];
  if (!expected || 'pipeline' in expected) continue;
  t.test(`${entry.path}: ${entry.expected}`, async (t) => {
    const result = await parseFixture(entry.path);
    if ('rejectedFor' in expected) {
      if (result.ok) return void t.fail('expected the course to be rejected, but it parsed');
      t.ok(codes(result.errors).includes(expected.rejectedFor), `rejected with ${expected.rejectedFor}`);
      t.same(codes(result.errors), expected.errors, 'every error code');
      for (const error of result.errors) t.ok(error.message.length > 20 && error.path, `${error.code} has a message and a path`);
      return;
    }
    const course = expectOk(t, result);
    const { valid } = expected;
    t.same(result.warnings, [], 'no warnings');
    t.equal(course.auCount, valid.aus, 'AU count');
    t.equal(course.blockCount, valid.blocks, 'block count');
    const aus = allAus(course.children);
    t.equal(aus.length, valid.aus, 'AUs in the tree');
    if (valid.title) t.same(course.title, valid.title, 'course title');
    t.match(aus[0], valid.firstAu, 'first AU');
    if (valid.lastAu) t.match(aus.at(-1), valid.lastAu, 'last AU');
  });
}

// 208, 209 and 210 are rejected before there is any cmi5.xml to parse, so the IMPORT STEP (not this parser) must
// reject them: 208 is neither a zip nor XML, 209 is a .zip that is not a zip, 210 is a zip without a root cmi5.xml.
// These assertions pin down what that step will see, so it can report each one.
t.test('208, 209, 210: rejected by the import step, before the parser', async (t) => {
  const md = join(CMI5_FIXTURES, 'catapult-lts/208-1-invalid-package.md');
  await t.rejects(listZip(md), '208 (markdown) is not a zip');
  const asXml = parseCourseStructure({ xml: readFileSync(md, 'utf8'), files: null });
  t.same(asXml.ok ? [] : codes(asXml.errors), ['NOT_XML'], '208 is not XML either, should the import step ever hand it over as a bare cmi5.xml');
  await t.rejects(listZip(join(CMI5_FIXTURES, 'catapult-lts/209-1-not-a-zip.zip')), '209: yauzl cannot open it');
  const noXml = await listZip(join(CMI5_FIXTURES, 'catapult-lts/210-1-no-cmi5-xml.zip'));
  t.ok(noXml.entries.size > 0, '210 opens as a zip');
  t.notOk(noXml.entries.has('cmi5.xml'), '210 has no cmi5.xml entry');
  t.equal(noXml.cmi5Xml, null);
});

t.test('202-x: the same relative urls are fine inside a zip that has the files, except a leading "/"', async (t) => {
  const files = new Set(['cmi5.xml', 'index.html', 'path/1/index.html']);
  for (const n of [1, 2, 3, 4]) {
    const xml = readFileSync(join(CMI5_FIXTURES, `catapult-lts/202-${n}-relative-url-no-zip.xml`), 'utf8');
    t.ok(parseCourseStructure({ xml, files }).ok, `202-${n} in a zip`);
  }
  const xml = readFileSync(join(CMI5_FIXTURES, 'catapult-lts/202-5-relative-url-no-zip.xml'), 'utf8');
  const result = parseCourseStructure({ xml, files });
  t.same(result.ok ? [] : codes(result.errors), ['AU_URL_OUTSIDE_PACKAGE'], '"/index.html" leaves the package');
});

t.test('the spec examples (simple, complex, extended with vendor elements) are accepted', async (t) => {
  const parse = (name: string) => expectOk(t, parseCourseStructure({ xml: readFileSync(join(SPEC_EXAMPLES, name), 'utf8'), files: null }));
  const simple = parse('simple-cmi5.xml');
  t.equal(simple.auCount, 1);
  const complex = parse('complex-cmi5.xml');
  t.match(complex, { auCount: 14, blockCount: 6, title: { 'en-US': 'Geology', 'de-DE': 'Geologie' } });
  t.equal(complex.objectives.length, 4);
  const first = complex.children[0];
  t.match(first, { type: 'block', id: 'http://courses.example.edu/identifiers/courses/d07e186b/blocks/001', objectives: ['http://objectives.example.com/identifiers/geology/basics', 'http://objectives.example.com/identifiers/geology/material-identification'] });
  t.match(allAus(complex.children)[0], {
    activityType: 'http://adlnet.gov/expapi/activities/lesson', masteryScore: 1, moveOn: 'CompletedOrPassed',
    url: 'http://courses.example.edu/identifiers/courses/d07e186b/blocks/001/aus/64f6/launch', launchParameters: "{'initialSpeed':3.0,'mode':1}", entitlementKey: '833d0c7c-a3f8-4f9b-a51f-cbd8a9dac9fb',
  });
  // kw:keyword elements inside <au> and a kw:keywords element after it: xs:any namespace="##other"
  t.equal(parse('extended-cmi5.xml').auCount, 1);
});

// ---- hand-written cases ----

const NS = 'https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd';
const TEXT = '<title><langstring lang="en">T</langstring></title><description><langstring lang="en">D</langstring></description>';
function au(attrs = '', body = '<url>https://example.com/au</url>', id = 'https://example.com/au/1'): string {
  return `<au id="${id}" ${attrs}>${TEXT}${body}</au>`;
}
function structure(nodes: string, rootExtra = ''): string {
  return `<?xml version="1.0"?>\n<courseStructure xmlns="${NS}" xmlns:v="https://vendor.example/ext" ${rootExtra}><course id="https://example.com/course">${TEXT}</course>${nodes}</courseStructure>`;
}
function errorCodes(xml: string, files: ReadonlySet<string> | null = null): string[] {
  const result = parseCourseStructure({ xml, files });
  return result.ok ? [] : codes(result.errors);
}

t.test('not a course structure', async (t) => {
  t.same(errorCodes(''), ['NOT_XML']);
  t.same(errorCodes('<courseStructure xmlns="x"><course></courseStructure>'), ['MALFORMED_XML']);
  t.same(errorCodes('<!DOCTYPE x [<!ENTITY e "boom">]><courseStructure>&e;</courseStructure>'), ['XML_ENTITIES_FORBIDDEN']);
  t.same(errorCodes(`<manifest xmlns="${NS}"/>`), ['NOT_COURSE_STRUCTURE']);
  t.same(errorCodes(structure(au()).replace(` xmlns="${NS}"`, '')), ['NOT_COURSE_STRUCTURE'], 'no cmi5 namespace');
  t.same(errorCodes(`<courseStructure xmlns="${NS}">${au()}</courseStructure>`), ['COURSE_MISSING']);
  t.same(errorCodes(structure(`<v:x/>${au()}`).replace(' xmlns:v="https://vendor.example/ext"', '')), ['MALFORMED_XML'], 'undeclared prefix');
});

t.test('XSD structure', async (t) => {
  t.same(errorCodes(structure(au())), [], 'minimal course');
  t.same(errorCodes(structure(au('v:rating="5" xsi:type="x"'), 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="a b"')), [], 'foreign and xsi attributes');
  t.same(errorCodes(structure(au('foo="1"'))), ['XSD_UNEXPECTED_ATTRIBUTE']);
  t.same(errorCodes(structure(`${au('', '<url>https://example.com/au</url><v:meta><anything/></v:meta>')}<v:after/>`)), [], 'extension elements where xs:any allows them');
  t.same(errorCodes(structure(au('', '<v:meta/><url>https://example.com/au</url>'))), ['XSD_ELEMENT_ORDER'], 'extension before <url>');
  t.same(errorCodes(structure(au('', '<url>https://example.com/au</url><foo/>'))), ['XSD_UNEXPECTED_ELEMENT'], 'unknown cmi5 element');
  t.same(errorCodes(structure(au('', '<url>https://example.com/au</url><foo xmlns=""/>'))), ['XSD_UNEXPECTED_ELEMENT'], 'element in no namespace');
  t.same(errorCodes(structure(au('', '<url>https://example.com/au</url><url>https://example.com/b</url>'))), ['XSD_DUPLICATE_ELEMENT']);
  t.same(errorCodes(structure(au('', ''))), ['XSD_MISSING_ELEMENT'], 'no <url>');
  t.same(errorCodes(structure(au('', '<url>https://example.com/au</url>stray text'))), ['XSD_UNEXPECTED_TEXT']);
  t.same(errorCodes(structure(au().replace(' id="https://example.com/au/1"', ''))), ['XSD_MISSING_ATTRIBUTE'], 'AU without id');
  t.same(errorCodes(structure('')), ['XSD_MISSING_ELEMENT'], 'no AU or block');
  const objective = `<objectives><objective id="https://example.com/o1">${TEXT}<v:x/></objective></objectives>`;
  t.same(errorCodes(structure(au(), '').replace('</course>', `</course>${objective}`)), ['XSD_UNEXPECTED_ELEMENT'], 'a declared <objective> takes no extensions');
});

t.test('AU attribute values', async (t) => {
  t.same(errorCodes(structure(au('moveOn="passed"'))), ['MOVE_ON_INVALID']);
  t.same(errorCodes(structure(au('launchMethod="NewWindow"'))), ['LAUNCH_METHOD_INVALID']);
  for (const bad of ['1.5', '80', '-0.1', 'abc', '1e-1', '']) t.same(errorCodes(structure(au(`masteryScore="${bad}"`))), ['MASTERY_SCORE_INVALID'], `masteryScore="${bad}"`);
  for (const [raw, value] of [['0', 0], ['1', 1], [' 0.8500 ', 0.85], ['.5', 0.5]] as const) {
    const result = parseCourseStructure({ xml: structure(au(`masteryScore="${raw}"`)), files: null });
    t.equal(result.ok && allAus(result.course.children)[0]?.masteryScore, value, `masteryScore="${raw}"`);
  }
  t.same(errorCodes(structure(au('activityType="lesson"'))), ['ACTIVITY_TYPE_NOT_IRI']);
  t.same(errorCodes(structure(au('moveOn="Sometimes" masteryScore="2"', '<url>a b</url>', 'au-1'))), ['AU_URL_INVALID', 'ID_NOT_IRI', 'MASTERY_SCORE_INVALID', 'MOVE_ON_INVALID'], 'all problems of one AU at once');
});

t.test('AU urls', async (t) => {
  const inZip = (url: string, files: string[]) => errorCodes(structure(au('', `<url>${url}</url>`)), new Set(files));
  t.same(inZip('content/index.html?x=1#top', ['content/index.html']), [], 'query and fragment are not part of the file');
  t.same(inZip('./a/../content/my%20page.html', ['content/my page.html']), [], 'dot segments and %-escapes');
  t.same(inZip('https://cdn.example.com/au/', []), [], 'absolute urls need no file');
  t.same(inZip('Index.html', ['index.html']), ['AU_URL_FILE_MISSING'], 'file names are case-sensitive');
  t.same(inZip('../index.html', ['index.html']), ['AU_URL_OUTSIDE_PACKAGE']);
  t.same(inZip('index.html?a=1&amp;registration=2', ['index.html']), ['AU_URL_LAUNCH_PARAMETER_CONFLICT']);
  t.same(inZip('index.html?Endpoint=1&amp;activityid=2#fetch=3', ['index.html']), [], 'names are case-sensitive; the fragment is not the query');
  t.same(inZip('javascript:alert(1)', []), ['AU_URL_SCHEME_FORBIDDEN']);
  t.same(inZip('https://example.com/a%zz', []), ['AU_URL_INVALID'], 'broken %-escape');
  t.same(inZip('   ', []), ['AU_URL_INVALID'], 'empty');
  const result = parseCourseStructure({ xml: structure(au('', '<url>\n  <![CDATA[ https://example.com/au?a=1&b=2 ]]>\n</url>')), files: null });
  t.match(result.ok && allAus(result.course.children)[0], { url: 'https://example.com/au?a=1&b=2', urlIsRelative: false }, 'CDATA, trimmed');
});

t.test('tree, languages and objectives', async (t) => {
  const block = (id: string, inner: string) => `<block id="${id}">${TEXT}${inner}</block>`;
  const xml = structure(`${au('', undefined, 'https://example.com/a1')}${block('https://example.com/b1', `${au('', undefined, 'https://example.com/a2')}${block('https://example.com/b2', au('', undefined, 'https://example.com/a3'))}`)}`);
  const course = expectOk(t, parseCourseStructure({ xml, files: null }));
  t.match(course, { auCount: 3, blockCount: 2, children: [{ type: 'au', id: 'https://example.com/a1' }, { type: 'block', id: 'https://example.com/b1', children: [{ id: 'https://example.com/a2' }, { type: 'block', children: [{ id: 'https://example.com/a3' }] }] }] });
  const languages = structure(au()).replace('<title><langstring lang="en">T</langstring>', '<title><langstring>Untagged</langstring><langstring lang="de-DE"> Titel </langstring>');
  t.same(expectOk(t, parseCourseStructure({ xml: languages, files: null })).title, { und: 'Untagged', 'de-DE': 'Titel' });
  t.same(errorCodes(structure(au()).replace('lang="en"', 'lang="en_US"')), ['LANG_INVALID']);
  const refs = parseCourseStructure({ xml: structure(au('', '<objectives><objective idref="https://example.com/nowhere"/></objectives><url>https://example.com/au</url>')), files: null });
  t.same(refs.ok && codes(refs.warnings), ['OBJECTIVE_REFERENCE_UNKNOWN'], 'an undeclared objective is a warning');
  t.same(errorCodes(structure(au() + au())), ['DUPLICATE_AU_ID']);
});
