// The manifest parser against real, public SCORM packages (../shared/fixtures/scorm, see each SOURCE.md). Every
// expected number below was read off the fixture's imsmanifest.xml by hand, not produced by the parser.
import t, { type Test } from 'tap';
import { parseManifest } from '../../../src/modules/courses/manifest/parse-manifest.js';
import type { Item, ManifestInput, ManifestResult, ParsedPackage } from '../../../src/modules/courses/manifest/types.js';
import { firstLaunchable, flatten, readZip, SCORM_FIXTURES, zipInput } from './manifest-zip.helper.js';

interface Expected {
  zip: string;
  standard: 'scorm12' | 'scorm2004';
  edition: '2nd' | '3rd' | '4th' | null;
  org: string;
  title: string;
  items: number;
  scos: number;
  assets: number;
  launch: string;
  /** Warning codes, sorted; [] means the package must parse without a single warning. */
  warnings: string[];
  /** Content files a manifest-only fixture left out (see "manifest-only fixtures" below). */
  strippedContent?: string[];
}

async function load(zip: string, extra: readonly string[] = []): Promise<ManifestInput> {
  const input = await zipInput(zip, extra);
  if (!input) throw new Error(`${zip} has no imsmanifest.xml at its root`);
  return input;
}

function expectOk(t: Test, result: ManifestResult): ParsedPackage {
  if (!result.ok) {
    t.fail(`expected the package to parse, got: ${result.errors.map((e) => `${e.code}: ${e.message}`).join(' | ')}`);
    throw new Error('parse failed');
  }
  return result.pkg;
}

function defaultItems(pkg: ParsedPackage): Item[] {
  return pkg.organizations.find((o) => o.identifier === pkg.defaultOrganizationId)?.items ?? [];
}

function item(pkg: ParsedPackage, identifier: string): Item {
  const found = pkg.organizations.flatMap((o) => flatten(o.items)).find((i) => i.identifier === identifier);
  if (!found) throw new Error(`no item ${identifier}`);
  return found;
}

const codes = (problems: { code: string }[]) => problems.map((p) => p.code).sort();

const GOLF = 'golf_sample_default_org';
const VALID: Expected[] = [
  // Rustici's Golf examples (via Moodle and elearning-module-parser)
  { zip: 'scorm12-single-sco-golf/singlesco_scorm12.zip', standard: 'scorm12', edition: null, org: GOLF, title: 'Golf Explained - CP Single SCO', items: 1, scos: 1, assets: 0, launch: 'shared/launchpage.html', warnings: [] },
  { zip: 'scorm12-single-sco-basic-runtime-golf/singlescobasic.zip', standard: 'scorm12', edition: null, org: GOLF, title: 'Golf Explained - Run-time Basic Calls', items: 1, scos: 1, assets: 0, launch: 'shared/launchpage.html', warnings: [] },
  { zip: 'scorm12-multi-sco-2sco-golf/RuntimeMinimumCalls_SCORM12-mini.zip', standard: 'scorm12', edition: null, org: GOLF, title: 'Golf Explained - Minimum Run-time Calls', items: 11, scos: 9, assets: 0, launch: 'Playing/Playing.html', warnings: [] },
  { zip: 'scorm12-multi-asset-one-file-per-item-golf/ContentPackagingOneFilePerSCO_SCORM12.zip', standard: 'scorm12', edition: null, org: GOLF, title: 'Golf Explained - CP One File Per SCO', items: 22, scos: 0, assets: 18, launch: 'Playing/Playing.html', warnings: [] },
  { zip: 'scorm2004-2nd-single-sco-golf/ContentPackagingSingleSCO_SCORM20042ndEdition.zip', standard: 'scorm2004', edition: '2nd', org: GOLF, title: 'Golf Explained - CP Single SCO', items: 1, scos: 1, assets: 0, launch: 'shared/launchpage.html', warnings: [] },
  { zip: 'scorm2004-3rd-single-sco-golf/ContentPackagingSingleSCO_SCORM20043rdEdition.zip', standard: 'scorm2004', edition: '3rd', org: GOLF, title: 'Golf Explained - CP Single SCO', items: 1, scos: 1, assets: 0, launch: 'shared/launchpage.html', warnings: [] },
  { zip: 'scorm2004-3rd-single-sco-basic-runtime-golf/RuntimeBasicCalls_SCORM20043rdEdition.zip', standard: 'scorm2004', edition: '3rd', org: GOLF, title: 'Golf Explained - Run-time Basic Calls', items: 1, scos: 1, assets: 0, launch: 'shared/launchpage.html', warnings: [] },
  { zip: 'scorm2004-3rd-metadata-golf/ContentPackagingMetadata_SCORM20043rdEdition.zip', standard: 'scorm2004', edition: '3rd', org: GOLF, title: 'Golf Explained - Metadata Example', items: 1, scos: 1, assets: 0, launch: 'shared/launchpage.html', warnings: [] },
  { zip: 'scorm2004-3rd-multi-asset-one-file-per-item-golf/ContentPackagingOneFilePerSCO_SCORM20043rdEdition.zip', standard: 'scorm2004', edition: '3rd', org: GOLF, title: 'Golf Explained - CP One File Per SCO', items: 22, scos: 0, assets: 18, launch: 'Playing/Playing.html', warnings: [] },
  { zip: 'scorm2004-3rd-multi-sco-golf/RuntimeMinimumCalls_SCORM20043rdEdition.zip', standard: 'scorm2004', edition: '3rd', org: GOLF, title: 'Golf Explained - Minimum Run-time Calls', items: 22, scos: 18, assets: 0, launch: 'Playing/Playing.html', warnings: [] },
  { zip: 'scorm2004-3rd-seq-forced-sequential-golf/SequencingForcedSequential_SCORM20043rdEdition.zip', standard: 'scorm2004', edition: '3rd', org: GOLF, title: 'Golf Explained - Sequencing Forced Order', items: 5, scos: 5, assets: 0, launch: 'shared/launchpage.html?content=playing', warnings: [] },
  { zip: 'scorm2004-3rd-seq-posttest-rollup-golf/SequencingPostTestRollup_SCORM20043rdEdition.zip', standard: 'scorm2004', edition: '3rd', org: GOLF, title: 'Golf Explained - Sequencing Post Test Rollup', items: 5, scos: 5, assets: 0, launch: 'shared/launchpage.html?content=playing', warnings: [] },
  { zip: 'scorm2004-3rd-seq-pre-or-posttest-rollup-golf/SequencingPreOrPostTestRollup_SCORM20043rdEdition.zip', standard: 'scorm2004', edition: '3rd', org: GOLF, title: 'Golf Explained - Sequencing Pre or Post Test Rollup', items: 8, scos: 6, assets: 0, launch: 'shared/launchpage.html?content=assessment', warnings: [] },
  { zip: 'scorm2004-3rd-seq-random-test-golf/SequencingRandomTest_SCORM20043rdEdition.zip', standard: 'scorm2004', edition: '3rd', org: GOLF, title: 'Golf Explained - Sequencing Random Test', items: 10, scos: 8, assets: 0, launch: 'shared/launchpage.html?content=playing', warnings: [] },
  // ADL CTS SX-04a, assembled: xml:base, dependency chains, one declared file (the Java applet) deliberately absent
  { zip: 'scorm2004-4th-xmlbase-seq-adl-cts-SX-04a-assembled/LMSTestPackage_SX-04a.zip', standard: 'scorm2004', edition: '4th', org: 'SX-04a', title: 'LMS Test Content Package SX-04a', items: 3, scos: 3, assets: 0, launch: 'resources/SequencingTest.htm?tc=SX-04a&act=1', warnings: ['DECLARED_FILE_MISSING'] },
  // elearning-module-parser edge cases that carry their content
  { zip: 'parser-edge-cases-elearning-module-parser/ContentPackagingWithMetadata_SCORM12.zip', standard: 'scorm12', edition: null, org: 'default', title: 'SCORM 1.2 With Metadata', items: 1, scos: 1, assets: 0, launch: 'index.html', warnings: [] },
  { zip: 'parser-edge-cases-elearning-module-parser/PrerequisitesTest_SCORM12.zip', standard: 'scorm12', edition: null, org: 'org1', title: 'Prerequisites Test Course', items: 4, scos: 4, assets: 0, launch: 'module1.html', warnings: [] },
  // Manifest-only edge cases: the fixture's author kept imsmanifest.xml and dropped the pages it launches.
  { zip: 'parser-edge-cases-elearning-module-parser/AdlAttributes_SCORM20043rdEdition.zip', standard: 'scorm2004', edition: '3rd', org: 'org1', title: 'ADL Attributes Example', items: 1, scos: 0, assets: 1, launch: 'index.html', warnings: ['SCORM_TYPE_MISSING'], strippedContent: ['index.html'] },
  {
    zip: 'parser-edge-cases-elearning-module-parser/CM-01-broken-default-org.zip',
    standard: 'scorm2004', edition: '4th', org: 'CM-01', title: 'LMS Test Content Package CM-01', items: 3, scos: 3, assets: 0,
    launch: 'resources/SequencingTest.htm?tc=CM-01&act=1',
    // the default organization is deliberately broken: it plays the only organization there is, and says so
    warnings: ['DEFAULT_ORGANIZATION_MISSING'],
    strippedContent: ['resources/SequencingTest.htm', 'common/lmsrtefunctions.js', 'common/LMSTest.jar', 'common/About.js', 'common/EmulationCode.js', 'common/BrowserDetect.js', 'includes/LMSTestContentPackages_style.css'],
  },
  {
    zip: 'parser-edge-cases-elearning-module-parser/ComplexNestedOrganization_SCORM12.zip',
    standard: 'scorm12', edition: null, org: 'default_org', title: 'Complex Nested Organization Test', items: 11, scos: 11, assets: 0, launch: 'content/module1.html', warnings: [],
    strippedContent: ['module1', 'chapter1_1', 'section1_1_1', 'topic1_1_1_1', 'topic1_1_1_2', 'section1_1_2', 'chapter1_2', 'module2', 'chapter2_1', 'section2_1_1', 'module3', 'alt1'].map((n) => `content/${n}.html`),
  },
  // No <schemaversion>, and nothing in the manifest separates 2nd from 3rd Edition (its adlcp_v1p2 namespace
  // exists in no edition): played as 3rd Edition with EDITION_GUESSED, despite the "2ndEdition" in its file name.
  { zip: 'parser-edge-cases-elearning-module-parser/ContentPackagingNoSchemaVersion_SCORM20042ndEdition.zip', standard: 'scorm2004', edition: '3rd', org: 'org1', title: 'Minimal 2nd Edition No SchemaVersion', items: 1, scos: 1, assets: 0, launch: 'index.html', warnings: ['EDITION_GUESSED'], strippedContent: ['index.html'] },
  { zip: 'parser-edge-cases-elearning-module-parser/MinimalValid_SCORM20043rdEdition.zip', standard: 'scorm2004', edition: '3rd', org: 'org1', title: 'Minimal Course', items: 1, scos: 0, assets: 1, launch: 'index.html', warnings: ['SCORM_TYPE_MISSING'], strippedContent: ['index.html'] },
  // An organization without a title still plays: the course is named after the manifest identifier.
  { zip: 'parser-edge-cases-elearning-module-parser/MissingRequiredFields_SCORM12.zip', standard: 'scorm12', edition: null, org: 'default_org', title: 'com.example.missing_title', items: 1, scos: 1, assets: 0, launch: 'content/index.html', warnings: ['ORGANIZATION_TITLE_MISSING'], strippedContent: ['content/index.html'] },
  // <organization> without identifier, so default="org1" resolves to nothing. Accepted with warnings: the
  // organization itself is complete and playable, the missing identifier only breaks the default reference, which
  // falls back to the first organization exactly like CM-01. Rejecting it would refuse a course that plays.
  { zip: 'parser-edge-cases-elearning-module-parser/InvalidMissingOrgIdentifier_SCORM20043rdEdition.zip', standard: 'scorm2004', edition: '3rd', org: '__organization_1', title: 'Minimal Course', items: 1, scos: 0, assets: 1, launch: 'index.html', warnings: ['DEFAULT_ORGANIZATION_MISSING', 'ORGANIZATION_IDENTIFIER_MISSING', 'SCORM_TYPE_MISSING'], strippedContent: ['index.html'] },
];

function stripped(name: string): string[] {
  return VALID.find((e) => e.zip.includes(name))?.strippedContent ?? [];
}

for (const expected of VALID) {
  t.test(`${expected.zip} parses into its activity tree`, async (t) => {
    const result = parseManifest(await load(expected.zip, expected.strippedContent));
    const pkg = expectOk(t, result);
    t.equal(pkg.standard, expected.standard, 'standard');
    t.equal(pkg.edition, expected.edition, 'edition');
    t.equal(pkg.defaultOrganizationId, expected.org, 'default organization');
    t.equal(pkg.title, expected.title, 'title');
    t.equal(pkg.itemCount, expected.items, 'items in the default organization, every level');
    t.equal(pkg.scoCount, expected.scos, 'launchable SCO items');
    t.equal(pkg.assetCount, expected.assets, 'launchable asset items');
    t.equal(pkg.launchableCount, expected.scos + expected.assets, 'launchable items');
    t.equal(firstLaunchable(defaultItems(pkg))?.launchUrl, expected.launch, 'launch URL of the first launchable item');
    t.same(codes(result.warnings), expected.warnings, 'exactly the expected warnings');
    t.same(JSON.parse(JSON.stringify(pkg)), pkg, 'plain JSON, ready for a jsonb column');
  });
}

t.test('manifest-only fixtures fail only because the pages they launch are not in the zip', async (t) => {
  for (const expected of VALID.filter((e) => e.strippedContent)) {
    const result = parseManifest(await load(expected.zip));
    t.equal(result.ok, false, expected.zip);
    if (!result.ok) t.same([...new Set(codes(result.errors))], ['LAUNCH_FILE_MISSING'], `${expected.zip}: nothing but missing launch pages`);
  }
});

t.test('1.2 multi-SCO: aggregations launch nothing and quiz items carry their parameters', async (t) => {
  const pkg = expectOk(t, parseManifest(await load('scorm12-multi-sco-2sco-golf/RuntimeMinimumCalls_SCORM12-mini.zip')));
  t.equal(item(pkg, 'playing_item').launchUrl, null);
  t.equal(item(pkg, 'playing_item').resourceId, null);
  t.equal(item(pkg, 'playing_quiz_item').launchUrl, 'shared/assessmenttemplate.html?questions=Playing');
  t.equal(item(pkg, 'havingfun_quiz_item').launchUrl, 'shared/assessmenttemplate.html?questions=HavingFun');
  t.equal(item(pkg, 'playing_par_item').scormType, 'sco');
});

t.test('1.2 one-file-per-item: lower-case adlcp:scormtype="asset" is read, and shared files come through the dependency', async (t) => {
  const pkg = expectOk(t, parseManifest(await load('scorm12-multi-asset-one-file-per-item-golf/ContentPackagingOneFilePerSCO_SCORM12.zip')));
  t.ok(flatten(defaultItems(pkg)).filter((i) => i.resourceId).every((i) => i.scormType === 'asset'));
  const playing = pkg.resources.find((r) => r.identifier === 'playing_playing_resource');
  t.same(playing?.files, ['Playing/Playing.html', 'Playing/playing.jpg']);
  t.same(playing?.dependencies, ['common_files']);
  t.ok(playing?.allFiles.includes('shared/style.css'), 'dependency files are part of the full list');
});

t.test('metadata: external LOM for the manifest and the organization, inline LOM on item and resource', async (t) => {
  const pkg = expectOk(t, parseManifest(await load('scorm2004-3rd-metadata-golf/ContentPackagingMetadata_SCORM20043rdEdition.zip')));
  t.equal(pkg.metadata?.title, 'Golf Explained');
  t.equal(pkg.metadata?.location, 'metadata_course.xml');
  t.same(pkg.metadata?.keywords, ['golf', 'golf etiquette', 'golf handicap']);
  t.match(pkg.description, /^A high level overview of the sport of golf\./);
  t.match(pkg.organizations[0]?.metadata?.description, /^A description of the default organization/);
  t.equal(item(pkg, 'item_1').metadata?.description, 'The primary item of the Golf Explained course, this training provides an overview of the sport of golf.');
  t.equal(pkg.resources[0]?.metadata?.description, 'The delivered SCO for the Golf Explained course.');
  t.equal(pkg.title, 'Golf Explained - Metadata Example', 'the organization title wins over the metadata title');
});

t.test('1.2 external metadata.xml with empty title and description: keywords read, nothing invented', async (t) => {
  const pkg = expectOk(t, parseManifest(await load('parser-edge-cases-elearning-module-parser/ContentPackagingWithMetadata_SCORM12.zip')));
  t.same(pkg.metadata, { title: null, description: null, keywords: ['Training'], location: 'metadata.xml' });
  t.equal(pkg.description, null);
  t.equal(item(pkg, 'i1').dataFromLms, 'RANDOM');
});

t.test('2004 basic runtime: delivery controls on the SCO, organization sequencing, objectives kept local', async (t) => {
  const pkg = expectOk(t, parseManifest(await load('scorm2004-3rd-single-sco-basic-runtime-golf/RuntimeBasicCalls_SCORM20043rdEdition.zip')));
  const org = pkg.organizations[0];
  t.equal(org?.objectivesGlobalToSystem, false);
  t.same(org?.sequencing?.controlMode, { choice: true, choiceExit: true, flow: true, forwardOnly: false, useCurrentAttemptObjectiveInfo: true, useCurrentAttemptProgressInfo: true });
  t.same(item(pkg, 'item_1').sequencing?.deliveryControls, { tracked: true, completionSetByContent: true, objectiveSetByContent: true });
});

t.test('forced sequential: each SCO merges the shared sequencingCollection entry with its own rules', async (t) => {
  const pkg = expectOk(t, parseManifest(await load('scorm2004-3rd-seq-forced-sequential-golf/SequencingForcedSequential_SCORM20043rdEdition.zip')));
  const etiquette = item(pkg, 'etuqiette_item').sequencing;
  t.equal(etiquette?.rollupRules.objectiveMeasureWeight, 0, 'from the collection');
  t.equal(etiquette?.deliveryControls.completionSetByContent, true, 'from the collection');
  t.same(etiquette?.sequencingRules.preConditionRules, [
    {
      conditionCombination: 'any',
      conditions: [
        { condition: 'satisfied', operator: 'not', referencedObjective: 'previous_sco_satisfied', measureThreshold: 0 },
        { condition: 'objectiveStatusKnown', operator: 'not', referencedObjective: 'previous_sco_satisfied', measureThreshold: 0 },
      ],
      action: 'disabled',
    },
  ]);
  t.same(etiquette?.objectives.objectives[0], {
    objectiveID: 'previous_sco_satisfied',
    satisfiedByMeasure: false,
    minNormalizedMeasure: 1,
    mapInfo: [{ targetObjectiveID: 'com.scorm.golfsamples.sequencing.forcedsequential.playing_satisfied', readSatisfiedStatus: true, readNormalizedMeasure: true, writeSatisfiedStatus: false, writeNormalizedMeasure: false }],
  });
  t.equal(item(pkg, 'playing_item').sequencing?.objectives.primaryObjective?.mapInfo[0]?.writeSatisfiedStatus, true);
  t.equal(item(pkg, 'assessment_item').launchUrl, 'shared/launchpage.html?content=assessment');
});

t.test('pre-or-post test: hidden wrappers, an attempt limit and custom rollup rules', async (t) => {
  const pkg = expectOk(t, parseManifest(await load('scorm2004-3rd-seq-pre-or-posttest-rollup-golf/SequencingPreOrPostTestRollup_SCORM20043rdEdition.zip')));
  t.equal(item(pkg, 'dummy_item').isVisible, false);
  t.equal(item(pkg, 'content_wrapper').isVisible, false);
  t.equal(item(pkg, 'playing_item').isVisible, true);
  t.equal(item(pkg, 'pretest_item').sequencing?.limitConditions.attemptLimit, 1);
  t.equal(item(pkg, 'pretest_item').sequencing?.sequencingRules.preConditionRules.length, 2);
  const dummy = item(pkg, 'dummy_item').sequencing?.rollupRules.rules;
  t.same(dummy?.map((r) => [r.childActivitySet, r.conditions[0]?.condition, r.action]), [['any', 'completed', 'incomplete'], ['all', 'completed', 'completed']]);
  t.equal(pkg.organizations[0]?.sequencing?.rollupRules.rules[0]?.action, 'completed');
});

t.test('random test: randomization, retry/exitAll post-conditions and collection-based test SCOs', async (t) => {
  const pkg = expectOk(t, parseManifest(await load('scorm2004-3rd-seq-random-test-golf/SequencingRandomTest_SCORM20043rdEdition.zip')));
  const post = item(pkg, 'posttest_item').sequencing;
  t.same(post?.randomizationControls, { randomizationTiming: 'onEachNewAttempt', selectCount: null, reorderChildren: true, selectionTiming: 'never' });
  t.equal(post?.limitConditions.attemptLimit, 2);
  t.same([post?.controlMode.choice, post?.controlMode.flow], [false, true]);
  t.same(post?.sequencingRules.postConditionRules.map((r) => r.action), ['retry', 'retry', 'exitAll']);
  for (const id of ['test_1', 'test_2', 'test_3', 'test_4']) {
    const test = item(pkg, id);
    t.equal(test.isVisible, false, `${id} hidden`);
    t.same(test.presentation, { hideLMSUI: ['suspendAll'] });
    t.equal(test.launchUrl, `shared/launchpage.html?content=assessment${id.slice(-1)}`, 'resource href plus the item parameters');
    t.same(test.sequencing?.sequencingRules.postConditionRules, [{ conditionCombination: 'all', conditions: [{ condition: 'always', operator: 'noOp', referencedObjective: null, measureThreshold: 0 }], action: 'exitParent' }]);
    t.same(test.sequencing?.objectives.primaryObjective?.mapInfo[0], { targetObjectiveID: 'com.scorm.golfsamples.sequencing.randomtest.course_score', readSatisfiedStatus: false, readNormalizedMeasure: false, writeSatisfiedStatus: false, writeNormalizedMeasure: true });
  }
});

t.test('SX-04a: xml:base on the resource, dependency chain, one resource shared by three items', async (t) => {
  const result = parseManifest(await load('scorm2004-4th-xmlbase-seq-adl-cts-SX-04a-assembled/LMSTestPackage_SX-04a.zip'));
  const pkg = expectOk(t, result);
  const seq01 = pkg.resources.find((r) => r.identifier === 'SEQ01');
  t.equal(seq01?.base, 'resources/');
  t.equal(seq01?.launchUrl, 'resources/SequencingTest.htm');
  t.same(seq01?.files, ['resources/SequencingTest.htm']);
  t.ok(seq01?.allFiles.includes('common/BrowserDetect.js'), 'reached through EMULATION01 -> BROWSERDETECT01');
  t.ok(seq01?.allFiles.includes('common/LMSTest.jar'), 'JAR01 has its own xml:base common/');
  t.same(flatten(defaultItems(pkg)).map((i) => i.launchUrl), [1, 2, 3].map((n) => `resources/SequencingTest.htm?tc=SX-04a&act=${n}`));
  t.match(result.warnings, [{ code: 'DECLARED_FILE_MISSING', message: /common\/LMSTest\.jar/ }]);
  t.equal(item(pkg, 'activity_1').sequencing?.sequencingRules.preConditionRules[0]?.action, 'skip');
  t.same(pkg.organizations[0]?.sequencing?.controlMode.choice, false);
});

t.test('edge cases: item attributes of 1.2 and 2004, nesting, several organizations', async (t) => {
  const adl = expectOk(t, parseManifest(await load('parser-edge-cases-elearning-module-parser/AdlAttributes_SCORM20043rdEdition.zip', ['index.html'])));
  const item1 = item(adl, 'item1');
  t.equal(item1.dataFromLms, 'Launch Data');
  t.equal(item1.timeLimitAction, 'exit,message');
  t.same(item1.completionThreshold, { completedByMeasure: true, minProgressMeasure: 0.75, progressWeight: 1 });
  t.same(item1.presentation, { hideLMSUI: ['exit', 'continue'] });
  t.same([item1.sequencing?.controlMode.choice, item1.sequencing?.controlMode.choiceExit, item1.sequencing?.controlMode.flow], [false, false, true]);

  const prereq = expectOk(t, parseManifest(await load('parser-edge-cases-elearning-module-parser/PrerequisitesTest_SCORM12.zip')));
  t.same([item(prereq, 'module1').masteryScore, item(prereq, 'module1').maxTimeAllowed, item(prereq, 'module1').prerequisites], [80, '02:30:00', null]);
  t.same([item(prereq, 'module2').prerequisites, item(prereq, 'module2').dataFromLms], ['module1', 'custom_data_for_module2']);
  t.same([item(prereq, 'module3').prerequisites, item(prereq, 'module3').timeLimitAction], ['module1 AND module2', 'exit,message']);
  t.same([item(prereq, 'module4').prerequisites, item(prereq, 'module4').masteryScore], ['(module1 AND module2) OR module3', 90]);

  const nested = expectOk(t, parseManifest(await load('parser-edge-cases-elearning-module-parser/ComplexNestedOrganization_SCORM12.zip', stripped('ComplexNestedOrganization_SCORM12'))));
  t.equal(nested.organizations.length, 2);
  const both = flatten(defaultItems(nested)).filter((i) => i.resourceId && i.children.length > 0).map((i) => i.identifier);
  t.same(both, ['module_1', 'chapter_1_1', 'section_1_1_1', 'module_2', 'chapter_2_1'], 'items with a resource and children keep both');
  t.equal(item(nested, 'alt_item_1').launchUrl, 'content/alt1.html', 'the other organization is parsed too');

  const cm01 = expectOk(t, parseManifest(await load('parser-edge-cases-elearning-module-parser/CM-01-broken-default-org.zip', stripped('CM-01-broken-default-org'))));
  t.equal(item(cm01, 'activity_1').sequencing?.limitConditions.attemptAbsoluteDurationLimit, 'P5Y6M4DT12H30M58S');
  t.same(item(cm01, 'activity_2').sequencing?.objectives.primaryObjective, { objectiveID: null, satisfiedByMeasure: true, minNormalizedMeasure: 0.8, mapInfo: [] });
});

t.test('broken packages fail with the error that names what is wrong', async (t) => {
  const empty = parseManifest(await load('broken-manifest-empty-root/validscorm.zip'));
  t.match(empty, { ok: false, errors: [{ code: 'EMPTY_MANIFEST' }] }, 'an XML declaration and nothing else');

  const malformed = parseManifest(await load('parser-edge-cases-elearning-module-parser/MalformedXml_SCORM12.zip'));
  t.match(malformed, { ok: false, errors: [{ code: 'MALFORMED_XML', message: /line 27/, path: 'line 27' }] }, 'the unclosed <item> is reported at its line');

  const dangling = parseManifest(await load('parser-edge-cases-elearning-module-parser/ItemWithNonExistentResourceId_SCORM12.zip'));
  t.match(dangling, { ok: false, errors: [{ code: 'MISSING_RESOURCE', message: /item_1.*non_existent_resource/ }] });
  if (!dangling.ok) t.equal(dangling.errors.length, 1, 'the item that does resolve is fine');

  const noHref = parseManifest(await load('parser-edge-cases-elearning-module-parser/MissingLaunchUrl_SCORM12.zip'));
  t.match(noHref, { ok: false, errors: [{ code: 'MISSING_LAUNCH_URL', message: /item_1.*resource_1/ }] });
});

t.test('no organization but a SCO resource: a one-item organization is made, as Moodle does', async (t) => {
  const result = parseManifest(await load('broken-missing-organization/singlescobasic_missingorg.zip'));
  const pkg = expectOk(t, result);
  t.same([pkg.itemCount, pkg.scoCount, pkg.launchableCount], [1, 1, 1]);
  t.equal(firstLaunchable(defaultItems(pkg))?.launchUrl, 'sso/launchpage.html');
  t.equal(pkg.title, 'com.scorm.golfsamples.runtime.basicruntime.12', 'no title anywhere: the manifest identifier');
  t.ok(result.warnings.some((w) => w.code === 'NO_ORGANIZATION'));
});

t.test('zips without a manifest at the root never reach the parser (the importer rejects them first)', async (t) => {
  for (const zip of ['broken-no-manifest/invalid.zip', 'broken-aicc-only-cst/validaicc.zip', 'broken-manifest-in-subfolder/badscorm.zip']) {
    t.equal(await zipInput(zip), null, `${zip}: no root imsmanifest.xml`);
  }
  const nested = await readZip(`${SCORM_FIXTURES}/broken-manifest-in-subfolder/badscorm.zip`);
  const xml = nested.read('badscorm/imsmanifest.xml');
  t.ok(xml !== null, 'the manifest is only inside a folder');
  t.match(parseManifest({ xml: xml ?? '', files: nested.files }), { ok: false, errors: [{ code: 'EMPTY_MANIFEST' }] }, 'and even that one is empty');
});
