// Public shape of a parsed SCORM manifest (imsmanifest.xml): what the importer stores as the course version's
// activity tree and what the player reads to launch SCOs and drive 2004 sequencing. Plain JSON all the way down
// (it is stored in a jsonb column), numbers as numbers and booleans as booleans.

/** One thing wrong with a package, in words a course author understands. */
export interface Problem {
  code: string;
  message: string;
  /** Where in the manifest (or the package) the problem is, e.g. `organization[org1]/item[item_3]`. */
  path?: string;
}

export interface ManifestInput {
  /** imsmanifest.xml text (already size-capped by the caller). */
  xml: string;
  /** Every file path in the package, '/'-separated, relative to the package root, no leading '/'. */
  files: ReadonlySet<string>;
  /** Optional synchronous reader for external metadata (adlcp:location); null if the file is absent. */
  readFile?: (path: string) => string | null;
}

export type ManifestResult =
  | { ok: true; pkg: ParsedPackage; warnings: Problem[] }
  | { ok: false; errors: Problem[]; warnings: Problem[] };

export type ScormStandard = 'scorm12' | 'scorm2004';
export type ScormEdition = '2nd' | '3rd' | '4th';
export type ScormType = 'sco' | 'asset';

export interface ParsedPackage {
  standard: ScormStandard;
  /** null for SCORM 1.2. */
  edition: ScormEdition | null;
  /** The manifest's <schemaversion> text as written, or null when it has none. */
  schemaVersion: string | null;
  identifier: string;
  /** Default organization's title, else the metadata title, else the manifest identifier. */
  title: string;
  description: string | null;
  defaultOrganizationId: string;
  organizations: Organization[];
  resources: Resource[];
  /** Manifest-level metadata (inline LOM and/or the adlcp:location file). */
  metadata: Metadata | null;
  /** All items, at every level, of the default organization. */
  itemCount: number;
  /** Launchable items of the default organization whose resource is a SCO. */
  scoCount: number;
  /** Launchable items of the default organization whose resource is an asset. */
  assetCount: number;
  launchableCount: number;
}

export interface Organization {
  identifier: string;
  title: string;
  items: Item[];
  /** Sequencing of the root activity (2004). */
  sequencing?: Sequencing | null;
  /** adlseq:objectivesGlobalToSystem (2004 3rd+): false keeps global objectives inside one registration. */
  objectivesGlobalToSystem: boolean;
  /** adlcp:sharedDataGlobalToSystem (2004 4th). */
  sharedDataGlobalToSystem: boolean;
  metadata: Metadata | null;
}

export interface CompletionThreshold {
  completedByMeasure: boolean;
  minProgressMeasure: number;
  progressWeight: number;
}

/** adlcp:data/adlcp:map (2004 4th): shared data buckets the SCO may read or write. */
export interface SharedDataMap {
  targetID: string;
  readSharedData: boolean;
  writeSharedData: boolean;
}

export interface Item {
  identifier: string;
  title: string;
  isVisible: boolean;
  parameters: string | null;
  resourceId: string | null;
  scormType: ScormType | null;
  /** Resolved launch URL (bases joined, parameters appended), relative to the package root or absolute http(s). */
  launchUrl: string | null;
  /** SCORM 1.2 adlcp:masteryscore (0-100). */
  masteryScore: number | null;
  maxTimeAllowed: string | null;
  timeLimitAction: string | null;
  dataFromLms: string | null;
  /** SCORM 1.2 adlcp:prerequisites (aicc_script). */
  prerequisites: string | null;
  completionThreshold: CompletionThreshold | null;
  presentation: { hideLMSUI: string[] } | null;
  sharedData: SharedDataMap[];
  sequencing: Sequencing | null;
  metadata: Metadata | null;
  children: Item[];
}

export interface Resource {
  identifier: string;
  /** adlcp:scormType; a resource that does not say is an asset. */
  scormType: ScormType;
  /** The href attribute as written, or null. */
  href: string | null;
  /** Joined xml:base of <manifest>, <resources> and <resource> ('' when none). */
  base: string;
  /** The resource's own <file> entries, resolved against `base`, relative to the package root. */
  files: string[];
  /** Identifiers of the resources this one depends on, as declared. */
  dependencies: string[];
  /** Own files plus the files of every dependency, transitively (the full list needed to play it). */
  allFiles: string[];
  /** base + href, normalised; null without href. Item parameters are not included here. */
  launchUrl: string | null;
  metadata: Metadata | null;
}

export interface Metadata {
  title: string | null;
  description: string | null;
  keywords: string[];
  /** adlcp:location of an external metadata file, as resolved against the package root. */
  location?: string;
}

// ---- SCORM 2004 sequencing (IMS Simple Sequencing 1.0 + ADL extensions), every default filled in ----

export interface ControlMode {
  choice: boolean;
  choiceExit: boolean;
  flow: boolean;
  forwardOnly: boolean;
  useCurrentAttemptObjectiveInfo: boolean;
  useCurrentAttemptProgressInfo: boolean;
}

export interface RuleCondition {
  condition: string;
  /** 'noOp' or 'not'. */
  operator: string;
  referencedObjective: string | null;
  measureThreshold: number;
}

export interface SequencingRule {
  conditionCombination: 'all' | 'any';
  conditions: RuleCondition[];
  action: string;
}

export interface SequencingRules {
  preConditionRules: SequencingRule[];
  exitConditionRules: SequencingRule[];
  postConditionRules: SequencingRule[];
}

export interface LimitConditions {
  attemptLimit: number | null;
  attemptAbsoluteDurationLimit: string | null;
}

export interface RollupCondition {
  condition: string;
  operator: string;
}

export interface RollupRule {
  childActivitySet: string;
  minimumCount: number;
  minimumPercent: number;
  conditionCombination: 'all' | 'any';
  conditions: RollupCondition[];
  action: string;
}

export interface RollupRules {
  rollupObjectiveSatisfied: boolean;
  rollupProgressCompletion: boolean;
  objectiveMeasureWeight: number;
  rules: RollupRule[];
}

export interface ObjectiveMapInfo {
  targetObjectiveID: string;
  readSatisfiedStatus: boolean;
  readNormalizedMeasure: boolean;
  writeSatisfiedStatus: boolean;
  writeNormalizedMeasure: boolean;
}

export interface Objective {
  /** Optional on the primary objective, required on the others. */
  objectiveID: string | null;
  satisfiedByMeasure: boolean;
  minNormalizedMeasure: number;
  mapInfo: ObjectiveMapInfo[];
}

export interface Objectives {
  primaryObjective: Objective | null;
  objectives: Objective[];
}

export interface RandomizationControls {
  randomizationTiming: string;
  selectCount: number | null;
  reorderChildren: boolean;
  selectionTiming: string;
}

export interface DeliveryControls {
  tracked: boolean;
  completionSetByContent: boolean;
  objectiveSetByContent: boolean;
}

export interface ConstrainedChoiceConsiderations {
  preventActivation: boolean;
  constrainChoice: boolean;
}

export interface RollupConsiderations {
  requiredForSatisfied: string;
  requiredForNotSatisfied: string;
  requiredForCompleted: string;
  requiredForIncomplete: string;
  measureSatisfactionIfActive: boolean;
}

/** adlseq:mapInfo (2004 4th): the extended global objective map (scores, completion, progress). */
export interface AdlObjectiveMapInfo {
  targetObjectiveID: string;
  readRawScore: boolean;
  readMinScore: boolean;
  readMaxScore: boolean;
  readCompletionStatus: boolean;
  readProgressMeasure: boolean;
  writeRawScore: boolean;
  writeMinScore: boolean;
  writeMaxScore: boolean;
  writeCompletionStatus: boolean;
  writeProgressMeasure: boolean;
}

export interface AdlObjective {
  objectiveID: string;
  mapInfo: AdlObjectiveMapInfo[];
}

export interface AuxiliaryResource {
  auxiliaryResourceID: string;
  purpose: string;
}

export interface Sequencing {
  controlMode: ControlMode;
  sequencingRules: SequencingRules;
  limitConditions: LimitConditions;
  auxiliaryResources: AuxiliaryResource[];
  rollupRules: RollupRules;
  objectives: Objectives;
  randomizationControls: RandomizationControls;
  deliveryControls: DeliveryControls;
  constrainedChoiceConsiderations: ConstrainedChoiceConsiderations;
  rollupConsiderations: RollupConsiderations;
  adlObjectives: AdlObjective[];
}
