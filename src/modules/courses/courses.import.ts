// Importing a SCORM package: safe extraction into a private staging directory, manifest checks, then the course
// and version rows and the published files together. All or nothing: a failure removes the staging directory and
// writes no rows; a failure after publishing removes the published files again.
import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { Course, CourseVersion, VersionProblem } from '../../db/schema/index.js';
import type { ContentStore } from '../../lib/content-store.js';
import { DomainError, NotFoundError } from '../../lib/errors.js';
import { extractZip, formatBytes, UnsafeZipError } from '../../lib/zip.js';
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
  try {
    onProgress(2, 'Checking the zip');
    let extracted;
    try {
      extracted = await extractZip(input.zipPath, staging, limits, (fraction) => onProgress(2 + Math.round(fraction * 78), 'Extracting files'));
    } catch (error) {
      if (error instanceof UnsafeZipError) throw new InvalidPackageError(error.problems);
      throw error;
    }
    const files = new Set(extracted.files);
    const warnings: VersionProblem[] = [];
    if (extracted.skipped.some((name) => name.startsWith('__MACOSX/') || name.includes('/__MACOSX/'))) {
      warnings.push({ code: 'MACOSX_JUNK', message: 'The zip contains macOS "__MACOSX" folders; they were left out.' });
    }

    onProgress(82, 'Reading the manifest');
    const xml = readManifest(staging, files, limits.maxManifestBytes);
    const parsed = parseManifest({
      xml,
      files,
      readFile: (path) => (files.has(path) ? readSmallFile(join(staging, path)) : null),
    });
    if (!parsed.ok) throw new InvalidPackageError(parsed.errors, [...warnings, ...parsed.warnings]);
    warnings.push(...parsed.warnings.filter((w) => w.code !== 'MACOSX_JUNK'));
    const pkg = parsed.pkg;

    onProgress(92, 'Saving the course');
    const saved = await db.transaction(async (tx) => {
      let course: Course;
      if (input.courseId) {
        const locked = await q.lockCourse(tx, { tenantId: input.tenantId, courseId: input.courseId });
        if (!locked) throw new NotFoundError('No such course in your organisation.');
        course = locked;
      } else {
        course = await q.insertCourse(tx, { tenantId: input.tenantId, title: pkg.title, description: pkg.description, createdBy: input.userId });
      }
      const versionId = randomUUID();
      const storageKey = `${input.tenantId}/${versionId}`;
      const version = await q.insertVersion(tx, {
        id: versionId,
        tenantId: input.tenantId,
        courseId: course.id,
        versionNumber: await q.nextVersionNumber(tx, { tenantId: input.tenantId, courseId: course.id }),
        standard: pkg.standard,
        edition: pkg.edition,
        schemaVersion: pkg.schemaVersion,
        manifestIdentifier: pkg.identifier,
        title: pkg.title,
        activityTree: pkg,
        itemCount: pkg.itemCount,
        scoCount: pkg.scoCount,
        assetCount: pkg.assetCount,
        fileCount: extracted.files.length,
        totalBytes: extracted.totalBytes,
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
    throw new InvalidPackageError([{ code: 'NO_MANIFEST', message: 'There is no imsmanifest.xml at the top of the zip, so this is not a SCORM package. Export the course as SCORM 1.2 or 2004 from your authoring tool.' }]);
  }
  const path = join(dir, 'imsmanifest.xml');
  const size = statSync(path).size;
  if (size > maxBytes) {
    throw new InvalidPackageError([{ code: 'MANIFEST_TOO_LARGE', message: `imsmanifest.xml is ${formatBytes(size)}, more than the ${formatBytes(maxBytes)} this server reads.` }]);
  }
  return readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
}

function readSmallFile(path: string): string | null {
  try {
    if (statSync(path).size > METADATA_MAX_BYTES) return null;
    return readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  } catch {
    return null;
  }
}
