// The shared third-party fixtures (../shared/fixtures beside the checkout; never copied into the project).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/paths.js';
import { buildZip } from './zip-writer.js';

export const SCORM_FIXTURES = join(PROJECT_ROOT, '..', 'shared', 'fixtures', 'scorm');

export interface FixtureEntry {
  fixture: string;
  file: string;
  scorm_version: string;
}

export function scormIndex(): FixtureEntry[] {
  return JSON.parse(readFileSync(join(SCORM_FIXTURES, 'INDEX.json'), 'utf8'));
}

/** The zip of a fixture, e.g. fixtureZip('scorm12-single-sco-golf', 'singlesco_scorm12.zip'). */
export function fixtureZip(fixture: string, file: string): Buffer {
  return readFileSync(join(SCORM_FIXTURES, fixture, file));
}

/** A multipart/form-data body with one file field, as a browser sends it. */
export function multipartFile(content: Buffer, filename = 'package.zip', field = 'file') {
  const boundary = `----sunscorm${Math.random().toString(16).slice(2)}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: application/zip\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { payload: Buffer.concat([head, content, tail]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

export const CMI5_FIXTURES = join(PROJECT_ROOT, '..', 'shared', 'fixtures', 'cmi5');

/** A cmi5 fixture file, e.g. cmi5Fixture('catapult-lts/001-essentials.zip'). */
export function cmi5Fixture(path: string): Buffer {
  return readFileSync(join(CMI5_FIXTURES, path));
}

/** A SCORM 1.2 package of one SCO whose page is the given HTML (index.html): a package anyone could write. */
export function singleScoPackage(html: string): Buffer {
  const manifest = `<?xml version="1.0"?>
<manifest identifier="evil" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>Hostile</title><item identifier="i" identifierref="r"><title>Lesson 1</title></item></organization></organizations>
  <resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco" href="index.html"><file href="index.html"/></resource></resources>
</manifest>`;
  return buildZip([{ name: 'imsmanifest.xml', data: manifest }, { name: 'index.html', data: html }]);
}
