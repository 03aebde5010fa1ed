// A published course version never changes, so what the player derives from it (the parsed package, its default
// organization, the launchable items and an index of every item) is worked out once per version and kept in
// memory. Commits then read only the registration row, not the version's whole manifest JSON.
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { courseVersions } from '../../db/schema/index.js';
import { defaultOrganization } from '../courses/courses.service.js';
import type { Item, Organization, ParsedPackage } from '../courses/manifest/types.js';
import type { Standard } from './cmi.js';

export interface VersionPlan {
  id: string;
  tenantId: string;
  standard: Standard;
  pkg: ParsedPackage;
  organization: Organization | null;
  /** Launchable, visible items in document order (1.2 navigation order, course rollup set). */
  launchable: Item[];
  launchableIds: string[];
  /** Every item of the default organization, by identifier. */
  items: Map<string, Item>;
}

const PLAN_CACHE_SIZE = 200;
const plans = new Map<string, VersionPlan>();

export function launchableItems(items: Item[]): Item[] {
  return items.flatMap((item) => [...(item.launchUrl && item.isVisible ? [item] : []), ...launchableItems(item.children)]);
}

function index(items: Item[], into = new Map<string, Item>()): Map<string, Item> {
  for (const item of items) {
    into.set(item.identifier, item);
    index(item.children, into);
  }
  return into;
}

/** The plan of a version row the caller already has (its tenant was checked by the query that found it). */
export function planFor(version: { id: string; tenantId: string; standard: string; activityTree: unknown }): VersionPlan {
  const key = `${version.tenantId}/${version.id}`;
  const cached = plans.get(key);
  if (cached) return cached;
  const pkg = version.activityTree as ParsedPackage;
  const organization = defaultOrganization(pkg);
  const launchable = organization ? launchableItems(organization.items) : [];
  const plan: VersionPlan = {
    id: version.id,
    tenantId: version.tenantId,
    standard: version.standard as Standard,
    pkg,
    organization,
    launchable,
    launchableIds: launchable.map((i) => i.identifier),
    items: index(organization?.items ?? []),
  };
  if (plans.size >= PLAN_CACHE_SIZE) plans.delete(plans.keys().next().value!);
  plans.set(key, plan);
  return plan;
}

/** The plan of a version of the tenant, loading the version only when it is not cached yet. */
export async function loadPlan(db: Db, { tenantId, versionId }: { tenantId: string; versionId: string }): Promise<VersionPlan | null> {
  const cached = plans.get(`${tenantId}/${versionId}`);
  if (cached) return cached;
  const [row] = await db
    .select({ id: courseVersions.id, tenantId: courseVersions.tenantId, standard: courseVersions.standard, activityTree: courseVersions.activityTree })
    .from(courseVersions)
    .where(and(eq(courseVersions.id, versionId), eq(courseVersions.tenantId, tenantId)));
  return row ? planFor(row) : null;
}
