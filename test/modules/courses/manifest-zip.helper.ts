// Test helpers for the manifest parser: read the shared SCORM fixtures (zips and folders) into the ManifestInput the
// importer would build, without extracting anything to disk. Not a test file itself (tap runs only *.test.ts).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import yauzl from 'yauzl';
import type { Item, ManifestInput } from '../../../src/modules/courses/manifest/types.js';
import { PROJECT_ROOT } from '../../../src/paths.js';

export const SCORM_FIXTURES = join(PROJECT_ROOT, '..', 'shared', 'fixtures', 'scorm');

export interface ZipContents {
  /** Every file entry ('/'-separated, as stored in the zip); directory entries left out. */
  files: Set<string>;
  read(path: string): string | null;
}

/** Reads a whole (small) zip into memory. */
export function readZip(zipPath: string): Promise<ZipContents> {
  return new Promise((resolve, reject) => {
    yauzl.open(zipPath, { lazyEntries: true }, (openError, zip) => {
      if (openError || !zip) return reject(openError ?? new Error(`cannot open ${zipPath}`));
      const contents = new Map<string, Buffer>();
      zip.on('error', reject);
      zip.on('end', () =>
        resolve({
          files: new Set(contents.keys()),
          read: (path) => contents.get(path)?.toString('utf8').replace(/^\uFEFF/, '') ?? null,
        }),
      );
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith('/')) return zip.readEntry();
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError ?? new Error(`cannot read ${entry.fileName}`));
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('error', reject);
          stream.on('end', () => {
            contents.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

/**
 * What the importer hands the parser for a zip: the root imsmanifest.xml (null when the zip has none at its root)
 * and the file list. `extraFiles` stand in for content a manifest-only fixture left out.
 */
export async function zipInput(fixtureZip: string, extraFiles: readonly string[] = []): Promise<ManifestInput | null> {
  const zip = await readZip(join(SCORM_FIXTURES, fixtureZip));
  const xml = zip.read('imsmanifest.xml');
  if (xml === null) return null;
  return { xml, files: new Set([...zip.files, ...extraFiles]), readFile: (path) => zip.read(path) };
}

/** Every file below a folder, '/'-separated, relative to it. */
export function walkFolder(dir: string, root = dir, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walkFolder(path, root, out);
    else out.push(relative(root, path).split(sep).join('/'));
  }
  return out;
}

export function folderInput(dir: string, extraFiles: readonly string[] = []): ManifestInput {
  const files = new Set([...walkFolder(dir), ...extraFiles]);
  return {
    xml: readFileSync(join(dir, 'imsmanifest.xml'), 'utf8'),
    files,
    readFile: (path) => (files.has(path) ? readFileSync(join(dir, path), 'utf8') : null),
  };
}

/** Items in document order, depth first. */
export function flatten(items: readonly Item[]): Item[] {
  return items.flatMap((item) => [item, ...flatten(item.children)]);
}

export function firstLaunchable(items: readonly Item[]): Item | undefined {
  return flatten(items).find((item) => item.launchUrl !== null);
}

/** A manifest built around the given pieces, for the hand-written hostile and edge cases. */
export function manifest12(organizations: string, resources: string, extra = ''): string {
  return `<?xml version="1.0"?>
<manifest identifier="test.12" version="1" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org">${organizations}</organizations>
  <resources>${resources}</resources>${extra}
</manifest>`;
}

export function manifest2004(organizations: string, resources: string, extra = '', schemaVersion = '2004 4th Edition'): string {
  return `<?xml version="1.0"?>
<manifest identifier="test.2004" version="1" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
  xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3" xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>${schemaVersion}</schemaversion></metadata>
  <organizations default="org">${organizations}</organizations>
  <resources>${resources}</resources>${extra}
</manifest>`;
}
