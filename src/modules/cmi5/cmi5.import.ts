// Turning a cmi5 course structure into what a course version stores. The checks themselves are the parser's
// (course-structure.ts); this names the result the way the course pages and the launch code read it.
import type { VersionProblem } from '../../db/schema/index.js';
import { parseCourseStructure } from './course-structure.js';
import { langText, lmsCourseId, type Cmi5Package } from './cmi5-plan.js';

export interface Cmi5VersionContent {
  standard: 'cmi5';
  edition: null;
  schemaVersion: string;
  identifier: string;
  title: string;
  description: string | null;
  activityTree: Cmi5Package;
  itemCount: number;
  scoCount: number;
  assetCount: number;
  warnings: VersionProblem[];
}

export type Cmi5Read = { ok: true; content: Cmi5VersionContent } | { ok: false; errors: VersionProblem[]; warnings: VersionProblem[] };

/** `files` is the zip's file list, or null for a bare cmi5.xml (whose AU URLs must then be absolute). */
export function readCmi5(xml: string, files: ReadonlySet<string> | null, lmsOrigin: string, courseId: string): Cmi5Read {
  const parsed = parseCourseStructure({ xml, files });
  if (!parsed.ok) return parsed;
  const course = parsed.course;
  const activityTree: Cmi5Package = { format: 'cmi5', lmsCourseId: lmsCourseId(lmsOrigin, courseId), course, hasFiles: files !== null };
  return {
    ok: true,
    content: {
      standard: 'cmi5',
      edition: null,
      schemaVersion: 'cmi5',
      identifier: course.id,
      title: langText(course.title, 'Untitled cmi5 course').slice(0, 500),
      description: langText(course.description) || null,
      activityTree,
      itemCount: course.auCount + course.blockCount,
      scoCount: course.auCount,
      assetCount: 0,
      warnings: parsed.warnings,
    },
  };
}
