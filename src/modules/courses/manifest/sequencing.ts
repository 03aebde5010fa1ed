// SCORM 2004 sequencing (IMS Simple Sequencing 1.0 binding + ADL adlseq extensions, SCORM 2004 CAM chapter 5)
// turned into plain JSON with every spec default filled in, so the player and the sequencing engine never have to
// know what the XML left out. Also resolves <imsss:sequencingCollection> references (IMS SS binding, IDRef).
import type { Problems } from './problems.js';
import type {
  AdlObjective,
  ControlMode,
  Objective,
  Objectives,
  RollupRule,
  RollupRules,
  Sequencing,
  SequencingRule,
} from './types.js';
import { attr, kid, kids, notAdlseq, onlyAdlseq, textOf, type XmlElement } from './xml.js';

/** Reads typed attribute values, falling back to the spec default (with a warning) on nonsense. */
class Reader {
  constructor(
    private readonly problems: Problems,
    private readonly where: string,
  ) {}

  private invalid(el: XmlElement, name: string, value: string, expected: string, fallback: unknown): void {
    this.problems.warn(
      'SEQUENCING_VALUE_INVALID',
      `In the sequencing of ${this.where}, <${el.local} ${name}="${value}"> is not ${expected}; the default (${String(fallback)}) is used.`,
      this.where,
    );
  }

  bool(el: XmlElement | undefined, name: string, fallback: boolean): boolean {
    const value = attr(el, name);
    if (value === undefined || value === '' || !el) return fallback;
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    this.invalid(el, name, value, 'true or false', fallback);
    return fallback;
  }

  num(el: XmlElement | undefined, name: string, fallback: number): number {
    const value = attr(el, name);
    if (value === undefined || value === '' || !el) return fallback;
    const n = Number(value);
    if (Number.isFinite(n)) return n;
    this.invalid(el, name, value, 'a number', fallback);
    return fallback;
  }

  /** A number written as element text (<imsss:minNormalizedMeasure>0.8</...>). */
  textNumber(el: XmlElement | undefined, fallback: number): number {
    const value = textOf(el);
    if (!el || value === '') return fallback;
    const n = Number(value);
    if (Number.isFinite(n)) return n;
    this.problems.warn(
      'SEQUENCING_VALUE_INVALID',
      `In the sequencing of ${this.where}, <${el.local}>${value}</${el.local}> is not a number; the default (${fallback}) is used.`,
      this.where,
    );
    return fallback;
  }

  int(el: XmlElement | undefined, name: string): number | null {
    const value = attr(el, name);
    if (value === undefined || value === '' || !el) return null;
    const n = Number(value);
    if (Number.isInteger(n) && n >= 0) return n;
    this.invalid(el, name, value, 'a whole number', 'none');
    return null;
  }

  str(el: XmlElement | undefined, name: string, fallback: string): string {
    const value = attr(el, name);
    return value === undefined || value === '' ? fallback : value;
  }
}

function combination(value: string | undefined, fallback: 'all' | 'any'): 'all' | 'any' {
  return value === 'all' || value === 'any' ? value : fallback;
}

function controlMode(el: XmlElement | undefined, r: Reader): ControlMode {
  return {
    choice: r.bool(el, 'choice', true),
    choiceExit: r.bool(el, 'choiceExit', true),
    flow: r.bool(el, 'flow', false),
    forwardOnly: r.bool(el, 'forwardOnly', false),
    useCurrentAttemptObjectiveInfo: r.bool(el, 'useCurrentAttemptObjectiveInfo', true),
    useCurrentAttemptProgressInfo: r.bool(el, 'useCurrentAttemptProgressInfo', true),
  };
}

function sequencingRule(el: XmlElement, r: Reader): SequencingRule {
  const conditions = kid(el, 'ruleConditions');
  return {
    conditionCombination: combination(attr(conditions, 'conditionCombination'), 'all'),
    conditions: kids(conditions, 'ruleCondition').map((c) => ({
      condition: r.str(c, 'condition', ''),
      operator: r.str(c, 'operator', 'noOp'),
      referencedObjective: attr(c, 'referencedObjective') || null,
      measureThreshold: r.num(c, 'measureThreshold', 0),
    })),
    action: r.str(kid(el, 'ruleAction'), 'action', ''),
  };
}

function rollupRules(el: XmlElement | undefined, r: Reader): RollupRules {
  return {
    rollupObjectiveSatisfied: r.bool(el, 'rollupObjectiveSatisfied', true),
    rollupProgressCompletion: r.bool(el, 'rollupProgressCompletion', true),
    objectiveMeasureWeight: r.num(el, 'objectiveMeasureWeight', 1),
    rules: kids(el, 'rollupRule').map((rule): RollupRule => {
      const conditions = kid(rule, 'rollupConditions');
      return {
        childActivitySet: r.str(rule, 'childActivitySet', 'all'),
        minimumCount: r.num(rule, 'minimumCount', 0),
        minimumPercent: r.num(rule, 'minimumPercent', 0),
        conditionCombination: combination(attr(conditions, 'conditionCombination'), 'any'),
        conditions: kids(conditions, 'rollupCondition').map((c) => ({ condition: r.str(c, 'condition', ''), operator: r.str(c, 'operator', 'noOp') })),
        action: r.str(kid(rule, 'rollupAction'), 'action', ''),
      };
    }),
  };
}

function objective(el: XmlElement, r: Reader): Objective {
  return {
    objectiveID: attr(el, 'objectiveID') || null,
    satisfiedByMeasure: r.bool(el, 'satisfiedByMeasure', false),
    minNormalizedMeasure: r.textNumber(kid(el, 'minNormalizedMeasure'), 1),
    mapInfo: kids(el, 'mapInfo', notAdlseq).map((m) => ({
      targetObjectiveID: r.str(m, 'targetObjectiveID', ''),
      readSatisfiedStatus: r.bool(m, 'readSatisfiedStatus', true),
      readNormalizedMeasure: r.bool(m, 'readNormalizedMeasure', true),
      writeSatisfiedStatus: r.bool(m, 'writeSatisfiedStatus', false),
      writeNormalizedMeasure: r.bool(m, 'writeNormalizedMeasure', false),
    })),
  };
}

function objectives(el: XmlElement | undefined, r: Reader): Objectives {
  const primary = kid(el, 'primaryObjective', notAdlseq);
  return { primaryObjective: primary ? objective(primary, r) : null, objectives: kids(el, 'objective', notAdlseq).map((o) => objective(o, r)) };
}

/** adlseq:objectives (SCORM 2004 4th Edition): extended global objective maps, read* default true, write* false. */
function adlObjectives(el: XmlElement | undefined, r: Reader): AdlObjective[] {
  return kids(el, 'objective').map((o) => ({
    objectiveID: r.str(o, 'objectiveID', ''),
    mapInfo: kids(o, 'mapInfo').map((m) => ({
      targetObjectiveID: r.str(m, 'targetObjectiveID', ''),
      readRawScore: r.bool(m, 'readRawScore', true),
      readMinScore: r.bool(m, 'readMinScore', true),
      readMaxScore: r.bool(m, 'readMaxScore', true),
      readCompletionStatus: r.bool(m, 'readCompletionStatus', true),
      readProgressMeasure: r.bool(m, 'readProgressMeasure', true),
      writeRawScore: r.bool(m, 'writeRawScore', false),
      writeMinScore: r.bool(m, 'writeMinScore', false),
      writeMaxScore: r.bool(m, 'writeMaxScore', false),
      writeCompletionStatus: r.bool(m, 'writeCompletionStatus', false),
      writeProgressMeasure: r.bool(m, 'writeProgressMeasure', false),
    })),
  }));
}

/** One <imsss:sequencing> element (already merged with its collection entry) as JSON. */
export function parseSequencing(el: XmlElement, where: string, problems: Problems): Sequencing {
  const r = new Reader(problems, where);
  const rules = kid(el, 'sequencingRules');
  const limits = kid(el, 'limitConditions');
  const random = kid(el, 'randomizationControls');
  const delivery = kid(el, 'deliveryControls');
  const constrained = kid(el, 'constrainedChoiceConsiderations');
  const considerations = kid(el, 'rollupConsiderations');
  const parsed: Sequencing = {
    controlMode: controlMode(kid(el, 'controlMode'), r),
    sequencingRules: {
      preConditionRules: kids(rules, 'preConditionRule').map((x) => sequencingRule(x, r)),
      exitConditionRules: kids(rules, 'exitConditionRule').map((x) => sequencingRule(x, r)),
      postConditionRules: kids(rules, 'postConditionRule').map((x) => sequencingRule(x, r)),
    },
    limitConditions: {
      attemptLimit: r.int(limits, 'attemptLimit'),
      attemptAbsoluteDurationLimit: attr(limits, 'attemptAbsoluteDurationLimit') || null,
    },
    auxiliaryResources: kids(kid(el, 'auxiliaryResources'), 'auxiliaryResource').map((a) => ({
      auxiliaryResourceID: r.str(a, 'auxiliaryResourceID', ''),
      purpose: r.str(a, 'purpose', ''),
    })),
    rollupRules: rollupRules(kid(el, 'rollupRules'), r),
    objectives: objectives(kid(el, 'objectives', notAdlseq), r),
    randomizationControls: {
      randomizationTiming: r.str(random, 'randomizationTiming', 'never'),
      selectCount: r.int(random, 'selectCount'),
      reorderChildren: r.bool(random, 'reorderChildren', false),
      selectionTiming: r.str(random, 'selectionTiming', 'never'),
    },
    deliveryControls: {
      tracked: r.bool(delivery, 'tracked', true),
      completionSetByContent: r.bool(delivery, 'completionSetByContent', false),
      objectiveSetByContent: r.bool(delivery, 'objectiveSetByContent', false),
    },
    constrainedChoiceConsiderations: {
      preventActivation: r.bool(constrained, 'preventActivation', false),
      constrainChoice: r.bool(constrained, 'constrainChoice', false),
    },
    rollupConsiderations: {
      requiredForSatisfied: r.str(considerations, 'requiredForSatisfied', 'always'),
      requiredForNotSatisfied: r.str(considerations, 'requiredForNotSatisfied', 'always'),
      requiredForCompleted: r.str(considerations, 'requiredForCompleted', 'always'),
      requiredForIncomplete: r.str(considerations, 'requiredForIncomplete', 'always'),
      measureSatisfactionIfActive: r.bool(considerations, 'measureSatisfactionIfActive', true),
    },
    adlObjectives: adlObjectives(kid(el, 'objectives', onlyAdlseq), r),
  };
  return parsed;
}

/** The reusable <imsss:sequencing ID="..."> entries of <imsss:sequencingCollection> at the manifest root. */
export function readSequencingCollection(manifest: XmlElement, problems: Problems): Map<string, XmlElement> {
  const collection = new Map<string, XmlElement>();
  for (const holder of kids(manifest, 'sequencingCollection')) {
    for (const seq of kids(holder, 'sequencing')) {
      const id = attr(seq, 'ID');
      if (!id) {
        problems.warn('SEQUENCING_COLLECTION_ID_MISSING', 'A <sequencing> in the sequencingCollection has no ID, so nothing can use it.', 'sequencingCollection');
      } else if (collection.has(id)) {
        problems.warn('SEQUENCING_COLLECTION_DUPLICATE', `The sequencingCollection defines "${id}" twice; the first one is used.`, `sequencingCollection/sequencing[${id}]`);
      } else {
        collection.set(id, seq);
      }
    }
  }
  return collection;
}

/** Element kind for override purposes: imsss:objectives and adlseq:objectives are different kinds. */
function kindKey(el: XmlElement): string {
  return `${el.ns === 'adlseq' ? 'adlseq:' : ''}${el.local.toLowerCase()}`;
}

/**
 * One kind of element stated both in the collection and locally: the attributes the local element states win one
 * by one, the others stay; its child list (rules, objectives, rollup rules) replaces the collection's when it has
 * one, except that <sequencingRules> is replaced per rule type (pre / exit / post).
 */
function mergeKind(shared: XmlElement, local: XmlElement): XmlElement {
  const stated = new Set(local.attrs.map((a) => `${a.prefix ?? ''}:${a.local}`));
  const attrs = [...shared.attrs.filter((a) => !stated.has(`${a.prefix ?? ''}:${a.local}`)), ...local.attrs];
  let children = local.children.length > 0 ? local.children : shared.children;
  if (local.local.toLowerCase() === 'sequencingrules') {
    const localKinds = new Set(local.children.map(kindKey));
    children = [...shared.children.filter((c) => !localKinds.has(kindKey(c))), ...local.children];
  }
  return { ...local, attrs, children };
}

/**
 * The sequencing of an item or organization: its own <imsss:sequencing>, and when that carries IDRef, the
 * sequencingCollection entry with whatever the local element states laid over it. This follows ADL's reference
 * implementation, which the conformance suite checks: CTS package CM-03b references a collection entry with
 * forwardOnly="true" from an organization stating <controlMode choice="false" flow="true"/>, and its expected
 * result is choice false, flow true, forwardOnly true.
 */
export function resolveSequencing(owner: XmlElement, where: string, collection: Map<string, XmlElement>, problems: Problems): Sequencing | null {
  const local = kid(owner, 'sequencing');
  if (!local) return null;
  const ref = attr(local, 'IDRef');
  if (!ref) return parseSequencing(local, where, problems);
  const shared = collection.get(ref);
  if (!shared) {
    problems.error(
      'SEQUENCING_COLLECTION_MISSING',
      `The sequencing of ${where} refers to "${ref}" in the sequencingCollection, but there is no <sequencing ID="${ref}"> there.`,
      where,
    );
    return parseSequencing(local, where, problems);
  }
  const localByKind = new Map(local.children.map((c) => [kindKey(c), c]));
  const sharedKinds = new Set(shared.children.map(kindKey));
  const children = [
    ...shared.children.map((c) => {
      const mine = localByKind.get(kindKey(c));
      return mine ? mergeKind(c, mine) : c;
    }),
    ...local.children.filter((c) => !sharedKinds.has(kindKey(c))),
  ];
  return parseSequencing({ ...local, children }, where, problems);
}
