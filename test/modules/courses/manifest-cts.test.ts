// The 189 manifests of ADL's SCORM 2004 4th Edition conformance test suite (LMSRTE/Courses/*/imsmanifest.xml)
// must all become activity trees. The fixture keeps each course folder with its manifest only: ADL's build
// (buildTestPackageWithDefaults, see scorm2004-4th-xmlbase-seq-adl-cts-SX-04a-assembled/SOURCE.md) assembles the
// packages, copying the SCO pages from SCODepot/ into resources/, the scripts into common/ and the style sheet into
// includes/ (API, DMB and DMI keep their own pages in resources/ beside the manifest). These tests rebuild that file
// list instead of trusting every declared file to exist.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parseManifest } from '../../../src/modules/courses/manifest/parse-manifest.js';
import type { ManifestInput, ParsedPackage } from '../../../src/modules/courses/manifest/types.js';
import { flatten, folderInput, SCORM_FIXTURES } from './manifest-zip.helper.js';

const CTS = join(SCORM_FIXTURES, 'scorm2004-4th-adl-cts-lms-test-packages');
const COURSES = join(CTS, 'LMSRTE', 'Courses');

/** What ADL's build copies into every package beside the manifest (LMSTest.jar is a compiled applet: never there). */
const BUILD_LAYOUT = [
  ...readdirSync(join(COURSES, 'SCODepot')).map((f) => `resources/${f}`),
  ...readdirSync(join(CTS, 'scripts')).map((f) => `common/${f}`),
  'common/lmsrtefunctions.js',
  'includes/LMSTestContentPackages_style.css',
];

const packages = readdirSync(COURSES)
  .filter((name) => name.startsWith('LMSTestPackage_'))
  .sort();

function input(name: string): ManifestInput {
  return folderInput(join(COURSES, name), BUILD_LAYOUT);
}

function parsed(name: string): ParsedPackage {
  const result = parseManifest(input(name));
  if (!result.ok) throw new Error(`${name}: ${result.errors.map((e) => `${e.code}: ${e.message}`).join(' | ')}`);
  return result.pkg;
}

t.test('the fixture holds all 189 CTS course manifests', async (t) => {
  t.equal(packages.length, 189);
});

t.test('every CTS manifest parses into an activity tree whose launchable items all have a launch page', async (t) => {
  for (const name of packages) {
    const xml = readFileSync(join(COURSES, name, 'imsmanifest.xml'), 'utf8');
    const result = parseManifest(input(name));
    if (!result.ok) {
      t.fail(`${name}: ${result.errors.map((e) => `${e.code}: ${e.message}`).join(' | ')}`);
      continue;
    }
    const pkg = result.pkg;
    const items = pkg.organizations.flatMap((o) => flatten(o.items));
    const problems: string[] = [];
    if (pkg.standard !== 'scorm2004' || pkg.edition !== '4th') problems.push(`edition ${pkg.standard} ${pkg.edition}`);
    if (pkg.launchableCount < 1) problems.push('nothing launchable');
    // Every CTS manifest has one organization, so the item count can be read straight off the XML.
    const itemsInXml = xml.match(/<item[\s>]/g)?.length ?? 0;
    if (pkg.organizations.length !== 1 || pkg.itemCount !== itemsInXml) problems.push(`${pkg.itemCount} items, the XML has ${itemsInXml}`);
    for (const item of items.filter((i) => i.resourceId !== null)) {
      const path = item.launchUrl?.split(/[?#]/)[0];
      if (!path || !input(name).files.has(path)) problems.push(`item ${item.identifier} launches ${item.launchUrl}`);
    }
    if (result.warnings.some((w) => w.code.startsWith('SEQUENCING_'))) problems.push(`sequencing warnings: ${result.warnings.map((w) => w.message).join(' ')}`);
    t.same(problems, [], name);
  }
});

t.test('without the files the build adds, a package fails only because its launch pages are missing', async (t) => {
  // API, DMB and DMI carry their own SCO pages in their folder; every other package launches SCODepot pages.
  const selfContained = ['LMSTestPackage_API', 'LMSTestPackage_DMB', 'LMSTestPackage_DMI'];
  for (const name of packages) {
    const result = parseManifest(folderInput(join(COURSES, name)));
    if (selfContained.includes(name)) {
      t.equal(result.ok, true, `${name} plays from its own folder`);
    } else if (result.ok) {
      t.fail(`${name} parsed without its launch pages`);
    } else {
      const codes = [...new Set(result.errors.map((e) => e.code))];
      if (codes.length !== 1 || codes[0] !== 'LAUNCH_FILE_MISSING') t.fail(`${name}: ${codes.join(', ')}`);
    }
  }
  t.pass('checked every package');
});

t.test('CM-03b: the organization lays its own control mode over the sequencingCollection entry', async (t) => {
  // The collection entry says forwardOnly="true"; the organization says choice="false" flow="true". ADL's expected
  // result for this test (TestCases/CM-03b.properties): choice false, flow true, forward only true.
  const pkg = parsed('LMSTestPackage_CM-03b');
  t.same(pkg.organizations[0]?.sequencing?.controlMode, {
    choice: false,
    choiceExit: true,
    flow: true,
    forwardOnly: true,
    useCurrentAttemptObjectiveInfo: true,
    useCurrentAttemptProgressInfo: true,
  });
});

t.test('4th Edition extensions: adlseq:objectives and adlcp:data shared data maps', async (t) => {
  const co01 = parsed('LMSTestPackage_CO-01');
  const withAdl = co01.organizations.flatMap((o) => flatten(o.items)).find((i) => (i.sequencing?.adlObjectives.length ?? 0) > 0);
  t.match(withAdl?.sequencing?.adlObjectives[0], {
    objectiveID: 'PRIMARYOBJ_1',
    mapInfo: [{ targetObjectiveID: 'gObj-CO01', writeCompletionStatus: true, readCompletionStatus: true, writeRawScore: false }],
  });
  t.same(withAdl?.sequencing?.objectives.objectives.filter((o) => o.objectiveID === 'PRIMARYOBJ_1'), [], 'adlseq objectives are not mistaken for imsss ones');

  const ddm = parsed('LMSTestPackage_DDMa');
  const [writer, reader] = ddm.organizations.flatMap((o) => flatten(o.items)).filter((i) => i.sharedData.length > 0);
  t.same(writer?.sharedData.map((m) => m.targetID), ['tarID_1', 'tarID_2', 'tarID_3', 'tarID_4']);
  t.ok(writer?.sharedData.every((m) => m.readSharedData && m.writeSharedData), 'read and write default to true');
  t.ok(reader?.sharedData.every((m) => m.readSharedData && !m.writeSharedData), 'writeSharedData="false" is kept');
});
