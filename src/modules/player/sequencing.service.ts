// SCORM 2004 sequencing for one registration: what to deliver when the learner opens the player, navigation
// requests from the player (continue, previous, choice, exit, suspend), and the end of each SCO's session. The
// engine's snapshot lives on the registration row, which is locked while a step runs, so steps of one
// registration happen one at a time (a navigation click and a late final commit cannot interleave).
import type { Db } from '../../db/client.js';
import * as q from './player.queries.js';
import { activityTreeOf, type ActivitySettings } from './sequencing/activity-tree.js';
import type { VersionPlan } from './version-plan.js';
import { endSession, navigate, NAVIGATION_REQUESTS, type NavigationRequest, type SequencingSnapshot } from './sequencing/sequencing-engine.js';

export type { SequencingSnapshot } from './sequencing/sequencing-engine.js';

/** SCORM 2004 content is sequenced (with the IMS SS defaults when the manifest says nothing); 1.2 is not. */
export const isSequenced = (standard: string) => standard === 'scorm2004';

export function isNavigationRequest(value: unknown): value is NavigationRequest {
  return typeof value === 'string' && (NAVIGATION_REQUESTS as readonly string[]).includes(value);
}

const TREE_CACHE_SIZE = 200;
const trees = new Map<string, ActivitySettings>();

/** The version's activity tree in the engine's shape, built once per version (versions never change). */
export function activityTreeFor(plan: VersionPlan): ActivitySettings | null {
  const key = `${plan.tenantId}/${plan.id}`;
  const cached = trees.get(key);
  if (cached) return cached;
  if (!plan.organization) return null;
  const tree = activityTreeOf(plan.organization);
  if (trees.size >= TREE_CACHE_SIZE) trees.delete(trees.keys().next().value!);
  trees.set(key, tree);
  return tree;
}

function firstLeaf(activity: ActivitySettings): string | null {
  if (!activity.children?.length) return activity.id;
  for (const child of activity.children) {
    const leaf = firstLeaf(child);
    if (leaf) return leaf;
  }
  return null;
}

type Scope = { tenantId: string; registrationId: string };

/** Opening the player: the current activity, starting the session (or resuming a suspended one) when needed. */
export async function openSession(db: Db, scope: Scope, tree: ActivitySettings): Promise<SequencingSnapshot> {
  return db.transaction(async (tx) => {
    const row = await q.lockSequencingState(tx, scope);
    const snapshot = (row?.sequencingState ?? null) as SequencingSnapshot | null;
    const request = !snapshot ? 'start' : snapshot.suspended ? 'resumeAll' : null;
    if (!request) return snapshot!;
    let step = navigate(tree, snapshot, request);
    // Flow off at the root (the IMS default when the manifest says nothing) means Start delivers nothing and the
    // learner must choose. Learners expect a course to open on its first activity, as every LMS does: choose it.
    const first = firstLeaf(tree);
    if (!step.accepted && !snapshot && first) step = navigate(tree, null, 'choice', first);
    if (!step.accepted) return snapshot ?? step.snapshot;
    await q.touchRegistration(tx, scope, { sequencingState: step.snapshot });
    return step.snapshot;
  });
}

/**
 * A navigation request from the player. The player unloads the SCO first, so its final commit has normally ended
 * its session; if that commit never came, the session is ended here with what the SCO last committed (kept as a
 * suspend, so its data is resumed next time). That attempt is closed in a transaction of its own, before the
 * registration is locked: commits lock attempt then registration, and taking them the other way round here could
 * deadlock with a commit in flight.
 */
export async function requestNavigation(
  db: Db,
  scope: Scope,
  tree: ActivitySettings,
  request: NavigationRequest,
  target?: string,
): Promise<{ accepted: boolean; snapshot: SequencingSnapshot | null }> {
  const before = (await q.readSequencingState(db, scope))?.sequencingState as SequencingSnapshot | null;
  const closed = before?.current ? await closeOpenAttempt(db, scope, before.current) : null;
  return db.transaction(async (tx) => {
    const row = await q.lockSequencingState(tx, scope);
    let snapshot = (row?.sequencingState ?? null) as SequencingSnapshot | null;
    const changed = Boolean(closed && snapshot?.current === closed.item);
    if (changed) snapshot = endSession(tree, snapshot!, closed!.cmi, null).snapshot;
    const step = navigate(tree, snapshot, request, target);
    const saved = step.accepted ? step.snapshot : snapshot;
    if (step.accepted || changed) await q.touchRegistration(tx, scope, { sequencingState: saved });
    return { accepted: step.accepted, snapshot: saved };
  });
}

/** Terminates the item's latest attempt if the SCO never did; returns the CMI it ended with, or null. */
async function closeOpenAttempt(db: Db, scope: Scope, item: string) {
  return db.transaction(async (tx) => {
    const latest = await q.findLatestAttempt(tx, { ...scope, itemIdentifier: item });
    const open = latest ? await q.lockAttempt(tx, { tenantId: scope.tenantId, attemptId: latest.id }) : null;
    if (!open || open.terminatedAt) return null;
    await q.updateAttempt(tx, { tenantId: scope.tenantId, attemptId: open.id }, { terminatedAt: new Date(), exit: open.exit ?? 'suspend' });
    return { item, cmi: open.cmi as Record<string, unknown> };
  });
}

/**
 * The SCO of the current activity terminated: its final CMI reaches the activity, rollup runs and the content's
 * own navigation request (adl.nav.request) is processed. Runs inside the commit's transaction, after
 * lockSequencingState. Returns the new snapshot, or null when the SCO is not the current activity (a stale one).
 */
export function endScoSession(
  tree: ActivitySettings,
  snapshot: SequencingSnapshot | null,
  itemIdentifier: string,
  cmi: Record<string, unknown>,
  navRequest: string | null,
): SequencingSnapshot | null {
  if (!snapshot || snapshot.current !== itemIdentifier) return null;
  return endSession(tree, snapshot, cmi, navRequest).snapshot;
}
