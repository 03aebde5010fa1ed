// A registration's cmi5 progress as pages and the API show it: the course tree with each AU's result and what is
// satisfied. moveOn is evaluated here too, so an AU that needs nothing (NotApplicable) shows as satisfied even
// before the first launch stores it.
import type { Cmi5NodeState } from '../../db/schema/index.js';
import type { Cmi5Node } from './course-structure.js';
import { langText, type Cmi5Plan } from './cmi5-plan.js';
import { evaluate, type AuResult } from './satisfaction.js';

export interface NodeProgress {
  type: 'au' | 'block';
  title: string;
  description: string;
  lmsId: string;
  publisherId: string;
  satisfied: boolean;
  /** AUs only. */
  index?: number;
  moveOn?: string;
  completed?: boolean;
  passed?: boolean;
  failed?: boolean;
  scoreScaled?: number | null;
  waivedReason?: string | null;
  children: NodeProgress[];
}

export interface CourseProgress {
  title: string;
  satisfied: boolean;
  nodes: NodeProgress[];
  auCount: number;
  satisfiedAus: number;
}

export function describeProgress(plan: Cmi5Plan, states: Cmi5NodeState[]): CourseProgress {
  const byId = new Map(states.map((s) => [s.nodeId, s]));
  const results = new Map<string, AuResult>(states.map((s) => [s.nodeId, { completed: s.completed, passed: s.passed, waived: s.waivedReason !== null }]));
  const satisfaction = evaluate(plan, results);
  const auIndex = new Map(plan.aus.map((a) => [a.au, a]));
  const blockIndex = new Map(plan.blocks.map((b) => [b.block, b]));
  const describe = (nodes: Cmi5Node[]): NodeProgress[] =>
    nodes.map((node) => {
      const title = langText(node.title, node.id);
      const description = langText(node.description);
      if (node.type === 'block') {
        const lmsId = blockIndex.get(node)!.lmsId;
        return { type: 'block', title, description, lmsId, publisherId: node.id, satisfied: satisfaction.nodes.has(lmsId), children: describe(node.children) };
      }
      const au = auIndex.get(node)!;
      const state = byId.get(au.lmsId);
      return {
        type: 'au', title, description, lmsId: au.lmsId, publisherId: node.id, satisfied: satisfaction.nodes.has(au.lmsId),
        index: au.index, moveOn: node.moveOn, completed: state?.completed ?? false, passed: state?.passed ?? false, failed: state?.failed ?? false,
        scoreScaled: state?.scoreScaled ?? null, waivedReason: state?.waivedReason ?? null, children: [],
      };
    });
  return {
    title: langText(plan.pkg.course.title, plan.pkg.course.id),
    satisfied: satisfaction.course,
    nodes: describe(plan.pkg.course.children),
    auCount: plan.aus.length,
    satisfiedAus: plan.aus.filter((a) => satisfaction.nodes.has(a.lmsId)).length,
  };
}
