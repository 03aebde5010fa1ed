// SCORM 2004 sequencing and navigation, run on the server. The engine is scorm-again's (the same code a browser
// player would run), driven one step at a time: each step rebuilds it from the registration's stored snapshot,
// does one thing (start, a navigation request, or the end of a SCO's session with the CMI it reported), and
// serializes it again. The server, not the learner's browser, decides what is delivered next, which activities
// may be chosen, and the rolled-up course result.
import { Scorm2004API } from 'scorm-again';
import { flattenCmi } from '../cmi-validation.js';
import type { ActivitySettings } from './activity-tree.js';

/** The engine's onNavigationValidityUpdate payload (scorm-again 3.4 sequencing_types.d.ts). */
interface NavigationValidityUpdate {
  continue: boolean;
  previous: boolean;
  choice: Record<string, 'true' | 'false'>;
  hideLmsUi: string[];
}

/** What a registration stores between steps (registrations.sequencing_state). */
export interface SequencingSnapshot {
  /** scorm-again's serialized activity tree state, global objectives included. */
  engine: string;
  /** The activity delivered now (its SCO may still be running), or null when no activity is delivered. */
  current: string | null;
  /** The activity a suspendAll left off at: the next launch resumes it (resumeAll). */
  suspended: string | null;
  /** Why the sequencing session ended ('complete', 'exitAll', 'suspend', ...), null while it goes on. */
  ended: string | null;
  /** The last sequencing exception (e.g. SB.2.2-2: nothing follows), for the learner's message. */
  exception: string | null;
  navigation: Navigation;
  root: RootResult;
  /** For reports: each activity's tracking status, and the global objectives shared between activities. */
  activities: ActivityStatus[];
  globalObjectives: GlobalObjective[];
}

export interface ActivityStatus {
  id: string;
  completionStatus: string;
  successStatus: string;
  attempts: number;
  suspended: boolean;
}

export interface GlobalObjective {
  id: string;
  /** null while unknown. */
  satisfied: boolean | null;
  measure: number | null;
}

interface EngineState {
  sequencing?: {
    suspendedActivity?: string | null;
    activityStates?: Record<string, { id: string; completionStatus: string; successStatus: string; attemptCount: number; isSuspended: boolean }>;
    globalObjectiveMap?: Record<string, { id: string; satisfiedStatus: boolean; satisfiedStatusKnown: boolean; normalizedMeasure: number; normalizedMeasureKnown: boolean }>;
  };
}

export interface Navigation {
  continue: boolean;
  previous: boolean;
  /** Activity id -> may it be chosen now. */
  choice: Record<string, boolean>;
  hideLmsUi: string[];
  /** Activities hidden from choice by rules or selection (random tests). */
  hidden: string[];
}

export interface RootResult {
  completionStatus: 'completed' | 'incomplete' | 'unknown';
  successStatus: 'passed' | 'failed' | 'unknown';
  scoreScaled: number | null;
  attempted: boolean;
}

/** Navigation requests a learner (or content, through adl.nav.request) may make. */
export const NAVIGATION_REQUESTS = ['start', 'resumeAll', 'continue', 'previous', 'choice', 'jump', 'exit', 'exitAll', 'abandon', 'abandonAll', 'suspendAll'] as const;
export type NavigationRequest = (typeof NAVIGATION_REQUESTS)[number];

interface Run {
  api: Scorm2004API;
  delivered: string | null;
  ended: { reason: string; exception?: string | null } | null;
  errors: string[];
  navigation: NavigationValidityUpdate | null;
}

function build(tree: ActivitySettings, snapshot: SequencingSnapshot | null): Run {
  const run: Run = { api: null as never, delivered: null, ended: null, errors: [], navigation: null };
  run.api = new Scorm2004API({
    logLevel: 5,
    // The engine's own timers and storage are not used on the server: every step is explicit.
    autocommit: false,
    sequencing: {
      activityTree: tree,
      eventListeners: {
        onActivityDelivery: (activity: { id: string }) => { run.delivered = activity.id; },
        onSequencingSessionEnd: (data: { reason: string; exception?: string | null }) => { run.ended = data; },
        onSequencingError: (error: string) => { run.errors.push(error); },
        onNavigationValidityUpdate: (update: NavigationValidityUpdate) => { run.navigation = update; },
      },
    },
  } as never);
  if (snapshot && !run.api.deserializeSequencingState(snapshot.engine)) throw new Error('The stored sequencing state could not be read.');
  return run;
}

/** The result of one step: the new snapshot and whether it delivered an activity. */
export interface StepResult {
  snapshot: SequencingSnapshot;
  delivered: string | null;
  accepted: boolean;
}

function finish(tree: ActivitySettings, run: Run, previous: SequencingSnapshot | null, accepted: boolean): StepResult {
  const state = run.api.getSequencingState() as { currentActivity: { id: string; isActive: boolean } | null; rootActivity: RootLike | null };
  const root = state.rootActivity;
  const navigation = run.navigation ? describeNavigation(run.navigation) : (previous?.navigation ?? emptyNavigation());
  navigation.hidden = hiddenActivities(root);
  const engine = run.api.serializeSequencingState();
  const parsed = (JSON.parse(engine) as EngineState).sequencing ?? {};
  const suspended = parsed.suspendedActivity ?? null;
  const current = run.ended || suspended ? null : (state.currentActivity?.id ?? null);
  return {
    accepted,
    delivered: run.delivered,
    snapshot: {
      engine,
      current,
      suspended,
      ended: run.ended ? run.ended.reason : current ? null : (previous?.ended ?? null),
      exception: run.ended?.exception ?? (accepted ? null : (run.errors.at(-1) ?? null)),
      navigation: current || !run.ended ? navigation : { ...navigation, continue: false, previous: false },
      root: rootResult(root, measuresRollUp(tree)),
      activities: Object.values(parsed.activityStates ?? {}).map((a) => ({
        id: a.id, completionStatus: a.completionStatus, successStatus: a.successStatus, attempts: a.attemptCount, suspended: a.isSuspended,
      })),
      globalObjectives: Object.values(parsed.globalObjectiveMap ?? {}).map((o) => ({
        id: o.id, satisfied: o.satisfiedStatusKnown ? o.satisfiedStatus : null, measure: o.normalizedMeasureKnown ? o.normalizedMeasure : null,
      })),
    },
  };
}

/** The learner asks to go somewhere: start, resume, continue, previous, choose an activity, exit or suspend. */
export function navigate(tree: ActivitySettings, snapshot: SequencingSnapshot | null, request: NavigationRequest, target?: string): StepResult {
  return quietly(() => {
    const run = build(tree, snapshot);
    const accepted = run.api.processNavigationRequest(request, request === 'choice' || request === 'jump' ? target : undefined);
    return finish(tree, run, snapshot, accepted && (run.delivered !== null || run.ended !== null));
  });
}

/**
 * scorm-again's engine writes console.debug lines on every delivery and restore, whatever its logLevel; on a
 * server that is log noise per click. A step is synchronous, so silencing console.debug for its duration cannot
 * swallow anyone else's output.
 */
function quietly<T>(step: () => T): T {
  const debug = console.debug;
  console.debug = () => {};
  try {
    return step();
  } finally {
    console.debug = debug;
  }
}

/**
 * A SCO's session ended (Terminate, or the player ended it for the learner): the activity takes the CMI it
 * reported (RTE-to-SN data transfer), rollup runs, and the navigation request the content made, if any, is
 * processed. `cmi` is the attempt's final CMI as stored.
 */
export function endSession(tree: ActivitySettings, snapshot: SequencingSnapshot, cmi: Record<string, unknown>, navRequest: string | null): StepResult {
  return quietly(() => endSessionLoudly(tree, snapshot, cmi, navRequest));
}

function endSessionLoudly(tree: ActivitySettings, snapshot: SequencingSnapshot, cmi: Record<string, unknown>, navRequest: string | null): StepResult {
  const run = build(tree, snapshot);
  const { api } = run;
  api.Initialize('');
  for (const [element, value] of flattenCmi(cmi)) {
    if (value === '' || !CONTENT_WRITABLE.test(element)) continue;
    api.SetValue(element, value);
  }
  if (navRequest && navRequest !== '_none_') api.SetValue('adl.nav.request', navRequest);
  api.Terminate('');
  return finish(tree, run, snapshot, true);
}

/** What the content reports that the sequencer reads; everything else is irrelevant to sequencing. */
const CONTENT_WRITABLE = /^cmi\.(completion_status|success_status|progress_measure|score\.(scaled|raw|min|max)|exit|objectives\.\d+\.(id|success_status|completion_status|progress_measure|score\.(scaled|raw|min|max)))$/;

interface RootLike {
  id: string;
  completionStatus: string;
  successStatus: string;
  objectiveMeasureStatus: boolean;
  objectiveNormalizedMeasure: number;
  attemptCount: number;
  isHiddenFromChoice: boolean;
  children: RootLike[];
}

/** Whether any child of the root carries measure weight; if none does, the root's measure means nothing. */
function measuresRollUp(tree: ActivitySettings): boolean {
  return (tree.children ?? []).some((child: ActivitySettings) => Number(child.sequencingControls?.objectiveMeasureWeight ?? 1) > 0);
}

function rootResult(root: RootLike | null, measured: boolean): RootResult {
  return {
    completionStatus: root?.completionStatus === 'completed' ? 'completed' : root?.completionStatus === 'incomplete' ? 'incomplete' : 'unknown',
    successStatus: root?.successStatus === 'passed' ? 'passed' : root?.successStatus === 'failed' ? 'failed' : 'unknown',
    scoreScaled: measured && root?.objectiveMeasureStatus ? root.objectiveNormalizedMeasure : null,
    attempted: (root?.attemptCount ?? 0) > 0,
  };
}

function hiddenActivities(root: RootLike | null, out: string[] = []): string[] {
  for (const child of root?.children ?? []) {
    if (child.isHiddenFromChoice) out.push(child.id);
    hiddenActivities(child, out);
  }
  return out;
}

function describeNavigation(update: NavigationValidityUpdate): Navigation {
  return {
    continue: update.continue,
    previous: update.previous,
    choice: Object.fromEntries(Object.entries(update.choice ?? {}).map(([id, valid]) => [id, String(valid) === 'true'])),
    hideLmsUi: [...(update.hideLmsUi ?? [])],
    hidden: [],
  };
}

function emptyNavigation(): Navigation {
  return { continue: false, previous: false, choice: {}, hideLmsUi: [], hidden: [] };
}
