// A cmi5 course as the LMS runs it: the parsed course structure plus the activity ids the LMS gives the course,
// its blocks and its AUs. cmi5 forbids reusing the publisher's ids (8.1.5, 9.4); ours are derived from the course
// and the publisher id, so they stay the same across registrations and across new versions of the same course.
import { createHash } from 'node:crypto';
import type { Cmi5Au, Cmi5Block, Cmi5Course, Cmi5Node, LangMap } from './course-structure.js';

/** What a cmi5 course version stores in course_versions.activity_tree. */
export interface Cmi5Package {
  format: 'cmi5';
  /** The LMS id of the course; blocks and AUs hang below it. */
  lmsCourseId: string;
  course: Cmi5Course;
  /** False for a bare cmi5.xml upload: every AU URL is absolute and nothing was stored. */
  hasFiles: boolean;
}

export interface AuPlan {
  index: number;
  au: Cmi5Au;
  lmsId: string;
  /** LMS ids of the blocks around the AU, outermost first. */
  blockIds: string[];
}

export interface BlockPlan {
  block: Cmi5Block;
  lmsId: string;
  /** LMS ids of the AUs and blocks directly inside it. */
  childIds: string[];
}

export interface Cmi5Plan {
  pkg: Cmi5Package;
  aus: AuPlan[];
  blocks: BlockPlan[];
  /** LMS ids of the top-level AUs and blocks. */
  topIds: string[];
}

export const isCmi5Package = (tree: unknown): tree is Cmi5Package => (tree as { format?: unknown } | null)?.format === 'cmi5';

const digest = (publisherId: string) => createHash('sha256').update(publisherId).digest('hex').slice(0, 32);

export function lmsCourseId(lmsOrigin: string, courseId: string): string {
  return `${lmsOrigin}/cmi5/courses/${courseId}`;
}

/** Versions never change, so their plans are kept (the most recent few hundred). */
const cache = new Map<string, Cmi5Plan>();
const CACHE_SIZE = 500;

export function cachedPlan(versionId: string): Cmi5Plan | null {
  return cache.get(versionId) ?? null;
}

export function planForVersion(version: { id: string; activityTree: unknown }): Cmi5Plan | null {
  if (!isCmi5Package(version.activityTree)) return null;
  const cached = cache.get(version.id);
  if (cached) return cached;
  const plan = planOf(version.activityTree);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(version.id, plan);
  return plan;
}

/** Flattens the tree: AUs in document order (their index), blocks (parents before children) with their children. */
export function planOf(pkg: Cmi5Package): Cmi5Plan {
  const aus: AuPlan[] = [];
  const blocks: BlockPlan[] = [];
  const walk = (nodes: Cmi5Node[], blockIds: string[]): string[] =>
    nodes.map((node) => {
      if (node.type === 'au') {
        const lmsId = `${pkg.lmsCourseId}/au/${digest(node.id)}`;
        aus.push({ index: aus.length, au: node, lmsId, blockIds });
        return lmsId;
      }
      const lmsId = `${pkg.lmsCourseId}/block/${digest(node.id)}`;
      const plan: BlockPlan = { block: node, lmsId, childIds: [] };
      blocks.push(plan);
      plan.childIds = walk(node.children, [...blockIds, lmsId]);
      return lmsId;
    });
  const topIds = walk(pkg.course.children, []);
  return { pkg, aus, blocks, topIds };
}

/** The text of a langstring for display: English, then undetermined, then whatever comes first. */
export function langText(map: LangMap, fallback = ''): string {
  const keys = Object.keys(map);
  const english = keys.find((k) => k.toLowerCase() === 'en' || k.toLowerCase().startsWith('en-'));
  return (english && map[english]) || map.und || (keys[0] ? map[keys[0]] : undefined) || fallback;
}
