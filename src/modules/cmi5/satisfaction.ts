// moveOn (cmi5 spec 13.1.4 and 9.3.9): when an AU counts as done, and which blocks and the course are then
// satisfied. Pure: the registration's AU results in, the satisfied set out.
import type { MoveOn } from './course-structure.js';
import type { Cmi5Plan } from './cmi5-plan.js';

export interface AuResult {
  completed: boolean;
  passed: boolean;
  waived: boolean;
}

export function auSatisfied(moveOn: MoveOn, result: AuResult | undefined): boolean {
  if (moveOn === 'NotApplicable' || result?.waived) return true;
  if (!result) return false;
  switch (moveOn) {
    case 'Completed':
      return result.completed;
    case 'Passed':
      return result.passed;
    case 'CompletedAndPassed':
      return result.completed && result.passed;
    case 'CompletedOrPassed':
      return result.completed || result.passed;
  }
}

export interface Satisfaction {
  /** LMS ids of the satisfied AUs and blocks. */
  nodes: Set<string>;
  course: boolean;
}

/** What is satisfied given each AU's result (keyed by the AU's LMS id). Blocks are listed parents-first, so inner blocks are worked out first by walking them backwards. */
export function evaluate(plan: Cmi5Plan, results: Map<string, AuResult>): Satisfaction {
  const nodes = new Set<string>();
  for (const au of plan.aus) if (auSatisfied(au.au.moveOn, results.get(au.lmsId))) nodes.add(au.lmsId);
  for (let i = plan.blocks.length - 1; i >= 0; i--) {
    const block = plan.blocks[i]!;
    if (block.childIds.every((id) => nodes.has(id))) nodes.add(block.lmsId);
  }
  return { nodes, course: plan.topIds.every((id) => nodes.has(id)) };
}
