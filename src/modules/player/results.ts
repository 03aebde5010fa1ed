// The course result of a registration, recomputed after a launch or a commit.
import type { Db } from '../../db/client.js';
import { rollupCourse, type ItemResult } from './cmi.js';
import * as q from './player.queries.js';
import type { RootResult } from './sequencing/sequencing-engine.js';

/**
 * The course result. SCORM 2004 takes status and score from the sequencer's root activity (rollup rules, measure
 * weights, objectives all applied), or keeps them ('unchanged') between SCO terminations; 1.2 has no rollup model,
 * so the SCOs' results are combined. `latest` is the result just written, which spares a query for one-SCO courses.
 */
export async function recomputeResult(
  db: Db,
  tenantId: string,
  registrationId: string,
  launchable: string[],
  lastItem: string,
  root: RootResult | 'unchanged' | null | undefined,
  latest?: ItemResult,
) {
  const results = latest && launchable.length === 1 && launchable[0] === latest.itemIdentifier
    ? [latest]
    : await q.listLatestResults(db, { tenantId, registrationId });
  const combined = rollupCourse(launchable, results);
  if (root === 'unchanged') {
    await q.touchRegistration(db, { tenantId, registrationId }, { totalTimeSeconds: combined.totalTimeSeconds, lastItemIdentifier: lastItem });
    return;
  }
  const result = root
    ? {
        ...combined,
        completionStatus: root.completionStatus !== 'unknown' ? root.completionStatus : combined.completionStatus === 'not attempted' ? 'not attempted' : 'incomplete',
        successStatus: root.successStatus,
        scoreScaled: root.scoreScaled ?? (launchable.length === 1 ? combined.scoreScaled : null),
      }
    : combined;
  await q.touchRegistration(db, { tenantId, registrationId }, {
    completionStatus: result.completionStatus,
    successStatus: result.successStatus,
    scoreScaled: result.scoreScaled,
    scoreRaw: result.scoreRaw,
    scoreMin: result.scoreMin,
    scoreMax: result.scoreMax,
    totalTimeSeconds: result.totalTimeSeconds,
    lastItemIdentifier: lastItem,
  }, { completed: result.completionStatus === 'completed' });
}
