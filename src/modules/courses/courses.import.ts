// Importing a SCORM or cmi5 package (a zip, or for cmi5 also a bare cmi5.xml): safe extraction into a private
// staging directory, manifest or course structure checks, then the course and version rows and the published files
// together. All or nothing: a failure removes the staging directory and
// writes no rows; a failure after publishing removes the published files again.
import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { Course, CourseVersion, VersionProblem } from '../../db/schema/index.js';
import type { ContentStore } from '../../lib/content-store.js';
import { DomainError, NotFoundError } from '../../lib/errors.js';
import { extractZip, formatBytes, UnsafeZipError } from '../../lib/zip.js';
import { readCmi5 } from '../cmi5/cmi5.import.js';
import { parseManifest } from './manifest/parse-manifest.js';
import * as q from './courses.queries.js';

export class InvalidPackageError extends DomainError {
  constructor(
    readonly problems: VersionProblem[],
    readonly warnings: VersionProblem[] = [],
  ) {
    const first = problems[0]?.message ?? 'The package cannot be imported.';
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
    super(422, 'INVALID_PACKAGE', `This package cannot be imported: ${first}${more}`, problems);
  }
}

export interface ImportDeps {
  db: Db;
  store: ContentStore;
  limits: Config['import'];
  /** The origin cmi5 activity ids are minted under. */
  lmsOrigin: string;
}

export interface ImportInput {
  tenantId: string;
  userId: string | null;
  zipPath: string;
  filename: string | null;
  /** Add a version to this course; otherwise a new course is created. */
  courseId?: string;
}

export interface ImportResult {
  course: Course;
  version: CourseVersion;
  warnings: VersionProblem[];
}

export type ProgressReporter = (percent: number, message: string) => void;

const METADATA_MAX_BYTES = 1024 * 1024;

export async function importPackage(deps: ImportDeps, input: ImportInput, onProgress: ProgressReporter = () => {}): Promise<ImportResult> {
  const { db, store, limits } = deps;
  const staging = await store.createStaging();
  let publishedKey: string | null = null;
  // Known before the rows exist: cmi5 activity ids are minted from it.
  const courseId = input.courseId ?? randomUUID();
  try {
    onProgress(2, 'Checking the file');
    const kind = await sniff(input.zipPath);
    if (kind === 'other') {
      throw new InvalidPackageError([{ code: 'NOT_A_ZIP', message: 'This file is not a zip (nor a cmi5.xml). Upload a SCORM or cmi5 package as a .zip, or a cmi5 course structure as a bare cmi5.xml.' }]);
    }
    let fileList: string[] = [];
    let totalBytes = 0;
    const warnings: VersionProblem[] = [];
    let content: VersionContent;
    if (kind === 'xml') {
      content = cmi5Content(readSmallXml(input.zipPath, 'cmi5.xml', limits.maxManifestBytes), null, deps.lmsOrigin, courseId, warnings);
    } else {
      let extracted;
      try {
        extracted = await extractZip(input.zipPath, staging, limits, (fraction) => onProgress(2 + Math.round(fraction * 78), 'Extracting files'));
      } catch (error) {
        if (error instanceof UnsafeZipError) throw new InvalidPackageError(error.problems);
        throw error;
      }
      fileList = extracted.files;
      totalBytes = extracted.totalBytes;
      const files = new Set(extracted.files);
      if (extracted.skipped.some((name) => name.startsWith('__MACOSX/') || name.includes('/__MACOSX/'))) {
        warnings.push({ code: 'MACOSX_JUNK', message: 'The zip contains macOS "__MACOSX" folders; they were left out.' });
      }
      onProgress(82, 'Reading the manifest');
      if (!files.has('imsmanifest.xml') && files.has('cmi5.xml')) {
        content = cmi5Content(readSmallXml(join(staging, 'cmi5.xml'), 'cmi5.xml', limits.maxManifestBytes), files, deps.lmsOrigin, courseId, warnings);
      } else {
        const parsed = parseManifest({
          xml: readManifest(staging, files, limits.maxManifestBytes),
          files,
          readFile: (path) => (files.has(path) ? readSmallFile(join(staging, path)) : null),
        });
        if (!parsed.ok) throw new InvalidPackageError(parsed.errors, [...warnings, ...parsed.warnings]);
        warnings.push(...parsed.warnings.filter((w) => w.code !== 'MACOSX_JUNK'));
        const pkg = parsed.pkg;
        content = {
          standard: pkg.standard, edition: pkg.edition, schemaVersion: pkg.schemaVersion, identifier: pkg.identifier, title: pkg.title, description: pkg.description,
          activityTree: pkg, itemCount: pkg.itemCount, scoCount: pkg.scoCount, assetCount: pkg.assetCount,
        };
      }
    }

    onProgress(92, 'Saving the course');
    const saved = await db.transaction(async (tx) => {
      let course: Course;
      if (input.courseId) {
        const locked = await q.lockCourse(tx, { tenantId: input.tenantId, courseId: input.courseId });
        // A queued upload may finish after the course was deleted: no new content for a deleted course.
        if (!locked || locked.status === 'deleted') throw new NotFoundError('No such course in your organisation.');
        course = locked;
      } else {
        course = await q.insertCourse(tx, { id: courseId, tenantId: input.tenantId, title: content.title, description: content.description, createdBy: input.userId });
      }
      const versionId = randomUUID();
      const storageKey = `${input.tenantId}/${versionId}`;
      const version = await q.insertVersion(tx, {
        id: versionId,
        tenantId: input.tenantId,
        courseId: course.id,
        versionNumber: await q.nextVersionNumber(tx, { tenantId: input.tenantId, courseId: course.id }),
        standard: content.standard,
        edition: content.edition,
        schemaVersion: content.schemaVersion,
        manifestIdentifier: content.identifier,
        title: content.title,
        activityTree: content.activityTree,
        itemCount: content.itemCount,
        scoCount: content.scoCount,
        assetCount: content.assetCount,
        fileCount: fileList.length,
        totalBytes,
        warnings,
        storageKey,
        sourceFilename: input.filename,
        sourceBytes: statSync(input.zipPath).size,
        createdBy: input.userId,
      });
      await q.setCurrentVersion(tx, { tenantId: input.tenantId, courseId: course.id, versionId });
      // Published inside the transaction: if the commit then fails, the catch below takes the files away again.
      await store.publish(staging, storageKey);
      publishedKey = storageKey;
      return { course: { ...course, currentVersionId: versionId }, version };
    });
    onProgress(100, 'Imported');
    return { ...saved, warnings };
  } catch (error) {
    await store.discardStaging(staging);
    if (publishedKey) await store.remove(publishedKey);
    throw error;
  }
}

interface VersionContent {
  standard: CourseVersion['standard'];
  edition: string | null;
  schemaVersion: string | null;
  identifier: string | null;
  title: string;
  description: string | null;
  activityTree: unknown;
  itemCount: number;
  scoCount: number;
  assetCount: number;
}

function cmi5Content(xml: string, files: ReadonlySet<string> | null, lmsOrigin: string, courseId: string, warnings: VersionProblem[]): VersionContent {
  const read = readCmi5(xml, files, lmsOrigin, courseId);
  if (!read.ok) throw new InvalidPackageError(read.errors, [...warnings, ...read.warnings]);
  warnings.push(...read.content.warnings);
  return read.content;
}

/** A zip starts with a local file header (or, when empty, the end record); a bare cmi5.xml with "<" after any BOM. */
async function sniff(path: string): Promise<'zip' | 'xml' | 'other'> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(64), 0, 64, 0);
    const head = buffer.subarray(0, bytesRead);
    if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5) && (head[3] === 4 || head[3] === 6)) return 'zip';
    const text = head.toString('utf8').replace(/^\uFEFF/, '').trimStart();
    return text.startsWith('<') ? 'xml' : 'other';
  } finally {
    await handle.close();
  }
}

function readSmallXml(path: string, name: string, maxBytes: number): string {
  const size = statSync(path).size;
  if (size > maxBytes) throw new InvalidPackageError([{ code: 'MANIFEST_TOO_LARGE', message: `${name} is ${formatBytes(size)}, more than the ${formatBytes(maxBytes)} this server reads.` }]);
  return readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
}

function readManifest(dir: string, files: Set<string>, maxBytes: number): string {
  if (!files.has('imsmanifest.xml')) {
    const nested = [...files].find((f) => f.toLowerCase().endsWith('/imsmanifest.xml'));
    if (nested) {
      const folder = nested.slice(0, -'imsmanifest.xml'.length);
      throw new InvalidPackageError([{ code: 'MANIFEST_NOT_AT_ROOT', message: `imsmanifest.xml must be at the top of the zip, but it is inside "${folder}". Zip the contents of that folder, not the folder itself.`, path: nested }]);
    }
    if ([...files].some((f) => /\.(cst|crs|au|des)$/i.test(f))) {
      throw new InvalidPackageError([{ code: 'NOT_SCORM', message: 'This looks like an AICC course (.cst/.crs/.au files). Only SCORM packages with an imsmanifest.xml can be imported.' }]);
    }
    throw new InvalidPackageError([{ code: 'NO_MANIFEST', message: 'There is no imsmanifest.xml at the top of the zip (SCORM), nor a cmi5.xml (cmi5), so this is not a course package. Export the course as SCORM 1.2, SCORM 2004 or cmi5 from your authoring tool.' }]);
  }
  return readSmallXml(join(dir, 'imsmanifest.xml'), 'imsmanifest.xml', maxBytes);
}

function readSmallFile(path: string): string | null {
  try {
    if (statSync(path).size > METADATA_MAX_BYTES) return null;
    return readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  } catch {
    return null;
  }
}
