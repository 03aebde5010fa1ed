// The manifest's sequencing (as our parser stores it, every IMS SS default filled in) in the shape scorm-again's
// sequencing engine takes: one activity per item, the organization as the root activity. Pure data mapping; the
// rules themselves are evaluated by the engine (sequencing-engine.ts).
import type { Item, Objective, Organization, Sequencing, SequencingRule } from '../../courses/manifest/types.js';

// scorm-again's package entry does not export its sequencing setting types (ActivitySettings and friends), so
// the shapes we hand it are declared here, as its sequencing_types.d.ts (3.4) defines them.
export interface ActivitySettings {
  id: string;
  title: string;
  isVisible?: boolean;
  children?: ActivitySettings[];
  attemptLimit?: number | null;
  attemptAbsoluteDurationLimit?: string | null;
  primaryObjective?: ObjectiveSettings;
  objectives?: ObjectiveSettings[];
  sequencingRules?: { preConditionRules: RuleSettings[]; exitConditionRules: RuleSettings[]; postConditionRules: RuleSettings[] };
  sequencingControls?: Record<string, boolean | number | string | null>;
  deliveryControls?: { tracked: boolean; completionSetByContent: boolean; objectiveSetByContent: boolean };
  rollupRules?: { rules: RollupRuleSettings[] };
  rollupConsiderations?: Record<string, string | boolean>;
  completionThreshold?: { completedByMeasure: boolean; minProgressMeasure: number; progressWeight: number };
  hideLmsUi?: string[];
}

interface ObjectiveSettings {
  objectiveID: string;
  isPrimary: boolean;
  satisfiedByMeasure: boolean;
  minNormalizedMeasure: number;
  mapInfo: object[];
}

interface RuleSettings {
  action: string;
  conditionCombination: 'all' | 'any';
  conditions: { condition: string; operator?: 'not'; referencedObjective?: string; parameters: { threshold: number } }[];
}

interface RollupRuleSettings {
  action: string;
  conditionCombination: 'all' | 'any';
  consideration: string;
  minimumCount: number;
  minimumPercent: number;
  conditions: { condition: string; operator: string }[];
}

export function activityTreeOf(organization: Organization): ActivitySettings {
  return {
    ...activityOf(organization.identifier, organization.title, organization.sequencing ?? null, true),
    children: organization.items.map(itemActivity),
  };
}

function itemActivity(item: Item): ActivitySettings {
  const activity = activityOf(item.identifier, item.title, item.sequencing, item.isVisible);
  if (item.children.length) activity.children = item.children.map(itemActivity);
  if (item.completionThreshold) activity.completionThreshold = { ...item.completionThreshold };
  if (item.presentation?.hideLMSUI.length) activity.hideLmsUi = [...item.presentation.hideLMSUI];
  return activity;
}

/**
 * IMS SS control mode defaults (SCORM 2004 CAM 5.1.2): choice on, flow off. scorm-again defaults flow to on; an
 * item without <imsss:sequencing> must still get the standard's defaults, so they are stated explicitly.
 */
const DEFAULT_CONTROL_MODE = { choice: true, choiceExit: true, flow: false, forwardOnly: false, useCurrentAttemptObjectiveInfo: true, useCurrentAttemptProgressInfo: true };

function activityOf(id: string, title: string, seq: Sequencing | null, isVisible: boolean): ActivitySettings {
  const activity: ActivitySettings = { id, title, isVisible };
  if (!seq) return { ...activity, sequencingControls: { ...DEFAULT_CONTROL_MODE } };
  const { controlMode, rollupRules, randomizationControls: random, constrainedChoiceConsiderations: constrained } = seq;
  activity.sequencingControls = {
    ...controlMode,
    ...constrained,
    rollupObjectiveSatisfied: rollupRules.rollupObjectiveSatisfied,
    rollupProgressCompletion: rollupRules.rollupProgressCompletion,
    objectiveMeasureWeight: rollupRules.objectiveMeasureWeight,
    selectionTiming: random.selectionTiming,
    selectCount: random.selectCount,
    randomizeChildren: random.reorderChildren,
    randomizationTiming: random.randomizationTiming,
  };
  activity.deliveryControls = { ...seq.deliveryControls };
  activity.rollupConsiderations = { ...seq.rollupConsiderations };
  activity.attemptLimit = seq.limitConditions.attemptLimit;
  activity.attemptAbsoluteDurationLimit = seq.limitConditions.attemptAbsoluteDurationLimit;
  activity.sequencingRules = {
    preConditionRules: seq.sequencingRules.preConditionRules.map(ruleOf),
    exitConditionRules: seq.sequencingRules.exitConditionRules.map(ruleOf),
    postConditionRules: seq.sequencingRules.postConditionRules.map(ruleOf),
  };
  if (rollupRules.rules.length) activity.rollupRules = { rules: rollupRules.rules.map(rollupRuleOf) };
  const adlMaps = new Map(seq.adlObjectives.map((o) => [o.objectiveID, o.mapInfo]));
  if (seq.objectives.primaryObjective) activity.primaryObjective = objectiveOf(seq.objectives.primaryObjective, true, adlMaps, id);
  activity.objectives = seq.objectives.objectives.map((o) => objectiveOf(o, false, adlMaps, id));
  return activity;
}

function ruleOf(rule: SequencingRule): RuleSettings {
  return {
    action: rule.action,
    conditionCombination: rule.conditionCombination,
    conditions: rule.conditions.map((c) => ({
      condition: c.condition,
      ...(c.operator === 'not' ? { operator: 'not' as const } : {}),
      ...(c.referencedObjective ? { referencedObjective: c.referencedObjective } : {}),
      parameters: { threshold: c.measureThreshold },
    })),
  };
}

function rollupRuleOf(rule: Sequencing['rollupRules']['rules'][number]): RollupRuleSettings {
  return {
    action: rule.action,
    conditionCombination: rule.conditionCombination,
    consideration: rule.childActivitySet,
    minimumCount: rule.minimumCount,
    minimumPercent: rule.minimumPercent,
    conditions: rule.conditions.map((c) => ({ condition: c.condition, operator: c.operator })),
  };
}

function objectiveOf(
  objective: Objective,
  isPrimary: boolean,
  adlMaps: Map<string, Sequencing['adlObjectives'][number]['mapInfo']>,
  activityId: string,
): ObjectiveSettings {
  // A primary objective may be anonymous; the engine needs an id to key it by.
  const objectiveID = objective.objectiveID ?? `${activityId}#primary`;
  const adl = new Map((adlMaps.get(objectiveID) ?? []).map((m) => [m.targetObjectiveID, m]));
  const mapInfo = objective.mapInfo.map((m) => ({ ...m, ...(adl.get(m.targetObjectiveID) ?? {}) }));
  for (const [target, m] of adl) if (!mapInfo.some((x) => x.targetObjectiveID === target)) mapInfo.push({ ...m } as (typeof mapInfo)[number]);
  return {
    objectiveID,
    isPrimary,
    satisfiedByMeasure: objective.satisfiedByMeasure,
    minNormalizedMeasure: objective.minNormalizedMeasure,
    mapInfo,
  };
}
