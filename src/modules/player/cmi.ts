// Pure rules about CMI data: what an LMS seeds before launch, and the summary it keeps from what the content set.
// SCORM 1.2 RTE (section 3.4) and SCORM 2004 4th edition RTE (section 4.2) are cited where a rule comes from.
import type { Item } from '../courses/manifest/types.js';

export type Standard = 'scorm12' | 'scorm2004';
type Cmi = Record<string, unknown>;

export interface CmiSummary {
  completionStatus: string;
  successStatus: string;
  scoreScaled: number | null;
  scoreRaw: number | null;
  scoreMin: number | null;
  scoreMax: number | null;
  totalTimeSeconds: number;
  location: string | null;
  exit: string | null;
  suspendData: string | null;
}

export const get = (cmi: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Cmi)[key] : undefined), cmi);

export const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** Largest magnitude a Postgres `real` (float4) holds: the report columns scores and weightings go into. */
const REAL_MAX = 3.4e38;

/** A CMI number for a report column, or null: content may report any real (it stays in the CMI as sent). */
export const num = (value: unknown): number | null => {
  if (value === '' || value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) && Math.abs(n) <= REAL_MAX ? n : null;
};

/** SCORM 1.2 CMITimespan "HHHH:MM:SS.SS" (RTE 3.4.2) to seconds. */
export function parseTimespan12(value: unknown): number | null {
  const match = typeof value === 'string' ? /^(\d{2,4}):(\d{2}):(\d{2})(\.\d{1,2})?$/.exec(value) : null;
  if (!match) return null;
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]) + Number(match[4] ?? 0);
}

/** SCORM 2004 timeinterval (ISO 8601 duration, RTE 4.2.26.1) to seconds. Years and months as 365 and 30 days. */
export function parseDuration2004(value: unknown): number | null {
  const match =
    typeof value === 'string'
      ? /^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value)
      : null;
  if (!match || value === 'P' || value === 'PT') return null;
  const [y, mo, d, h, mi, s] = match.slice(1).map((part) => Number(part ?? 0));
  return y! * 31536000 + mo! * 2592000 + d! * 86400 + h! * 3600 + mi! * 60 + s!;
}

export function formatTimespan12(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds - h * 3600 - m * 60;
  return `${String(h).padStart(4, '0')}:${String(m).padStart(2, '0')}:${s.toFixed(2).padStart(5, '0')}`;
}

export function formatDuration2004(seconds: number): string {
  return `PT${Math.round(seconds * 100) / 100}S`;
}

export interface Learner {
  id: string;
  name: string;
}

export interface PreviousAttempt {
  cmi: Cmi;
  exit: string | null;
  totalTimeSeconds: number;
}

/**
 * The CMI an item starts with. A suspended attempt resumes: its data comes back with entry "resume"
 * (1.2 RTE 3.4.4 cmi.core.entry; 2004 RTE 4.2.9). Anything else starts from the manifest's values.
 */
/**
 * How a SCO is launched. Review shows the learner's last attempt again and browse lets them look before taking it;
 * both are no-credit (1.2 cmi.core.credit, 2004 cmi.credit): nothing the content reports changes their results.
 */
export type LaunchMode = 'normal' | 'review' | 'browse';

export function seedCmi(standard: Standard, item: Item, learner: Learner, previous: PreviousAttempt | null, mode: LaunchMode = 'normal'): Cmi {
  // Review shows the last attempt's data whatever its exit; browse starts empty.
  const resume = mode === 'review' ? previous !== null : mode === 'normal' && previous?.exit === 'suspend';
  const entry = mode === 'review' ? '' : resume ? 'resume' : 'ab-initio';
  const credit = mode === 'normal' ? 'credit' : 'no-credit';
  if (standard === 'scorm12') {
    const core = (resume ? get(previous!.cmi, 'core') : {}) as Cmi;
    return {
      ...(resume ? { suspend_data: get(previous!.cmi, 'suspend_data') ?? '' } : {}),
      launch_data: item.dataFromLms ?? '',
      core: {
        ...(resume ? { lesson_location: core.lesson_location ?? '', lesson_status: core.lesson_status ?? 'not attempted', score: core.score } : {}),
        student_id: learner.id,
        student_name: learner.name,
        entry,
        credit,
        lesson_mode: mode,
        total_time: formatTimespan12(resume ? previous!.totalTimeSeconds : 0),
      },
      student_data: {
        mastery_score: item.masteryScore === null ? '' : String(item.masteryScore),
        max_time_allowed: item.maxTimeAllowed ?? '',
        time_limit_action: item.timeLimitAction ?? '',
      },
    };
  }
  const kept = resume ? previous!.cmi : {};
  return {
    ...(resume
      ? {
          location: kept.location ?? '',
          suspend_data: kept.suspend_data ?? '',
          completion_status: kept.completion_status ?? 'unknown',
          success_status: kept.success_status ?? 'unknown',
          progress_measure: kept.progress_measure ?? '',
          score: kept.score,
          interactions: kept.interactions,
          objectives: kept.objectives,
        }
      : {}),
    learner_id: learner.id,
    learner_name: learner.name,
    entry,
    credit,
    mode,
    launch_data: item.dataFromLms ?? '',
    completion_threshold: item.completionThreshold ? String(item.completionThreshold.minProgressMeasure) : '',
    scaled_passing_score: scaledPassingScore(item) === null ? '' : String(scaledPassingScore(item)),
    max_time_allowed: item.maxTimeAllowed ?? '',
    time_limit_action: item.timeLimitAction ?? 'continue,no message',
    total_time: formatDuration2004(resume ? previous!.totalTimeSeconds : 0),
  };
}

/**
 * cmi.scaled_passing_score (2004 RTE 4.2.22): the primary objective's minNormalizedMeasure, when the manifest says
 * the objective is satisfied by measure; otherwise there is none.
 */
export function scaledPassingScore(item: Item): number | null {
  const primary = item.sequencing?.objectives.primaryObjective;
  return primary?.satisfiedByMeasure ? primary.minNormalizedMeasure : null;
}

/** What the LMS keeps from a commit: statuses with the LMS-side rules applied, score, time, bookmark. */
export function summarizeCmi(standard: Standard, cmi: Cmi, item: Item, previousTotalSeconds: number): CmiSummary {
  if (standard === 'scorm12') {
    const status = str(get(cmi, 'core.lesson_status')) ?? 'not attempted';
    const raw = num(get(cmi, 'core.score.raw'));
    const min = num(get(cmi, 'core.score.min'));
    const max = num(get(cmi, 'core.score.max'));
    let success = status === 'passed' || status === 'failed' ? status : 'unknown';
    // 1.2 RTE 3.4.4 (cmi.core.lesson_status): with a mastery score and a raw score, the LMS decides passed/failed.
    if (item.masteryScore !== null && raw !== null && status !== 'not attempted' && status !== 'browsed') {
      success = raw >= item.masteryScore ? 'passed' : 'failed';
    }
    const completion =
      status === 'completed' || status === 'passed' || status === 'failed' || success !== 'unknown'
        ? 'completed'
        : status === 'not attempted'
          ? 'not attempted'
          : 'incomplete';
    const range = min !== null && max !== null && max > min ? max - min : null;
    const scaled = raw === null ? null : range !== null ? (raw - min!) / range : raw / 100;
    return {
      completionStatus: completion,
      successStatus: success,
      scoreScaled: scaled === null ? null : Math.max(-1, Math.min(1, scaled)),
      scoreRaw: raw,
      scoreMin: min,
      scoreMax: max,
      totalTimeSeconds: parseTimespan12(get(cmi, 'core.total_time')) ?? previousTotalSeconds,
      location: str(get(cmi, 'core.lesson_location')),
      exit: str(get(cmi, 'core.exit')),
      suspendData: str(get(cmi, 'suspend_data')),
    };
  }
  let completion = str(get(cmi, 'completion_status')) ?? 'unknown';
  const progress = num(get(cmi, 'progress_measure'));
  // 2004 RTE 4.2.4.1: with a completion threshold and a progress measure, the LMS decides completion.
  if (item.completionThreshold && progress !== null) {
    completion = progress >= item.completionThreshold.minProgressMeasure ? 'completed' : 'incomplete';
  }
  let success = str(get(cmi, 'success_status')) ?? 'unknown';
  const scaled = num(get(cmi, 'score.scaled'));
  // The manifest's value, not the commit's: cmi.scaled_passing_score is read-only, a request could claim anything.
  const passing = scaledPassingScore(item);
  // 2004 RTE 4.2.22: with a scaled passing score and a scaled score, the LMS decides success.
  if (passing !== null && scaled !== null) success = scaled >= passing ? 'passed' : 'failed';
  return {
    completionStatus: completion,
    successStatus: success,
    scoreScaled: scaled,
    scoreRaw: num(get(cmi, 'score.raw')),
    scoreMin: num(get(cmi, 'score.min')),
    scoreMax: num(get(cmi, 'score.max')),
    totalTimeSeconds: parseDuration2004(get(cmi, 'total_time')) ?? previousTotalSeconds,
    location: str(get(cmi, 'location')),
    exit: str(get(cmi, 'exit')),
    suspendData: str(get(cmi, 'suspend_data')),
  };
}

/** An item's latest attempt, as far as the course result is concerned: its summary without the bookmark. */
export type ItemResult = Omit<CmiSummary, 'location' | 'exit' | 'suspendData'> & { itemIdentifier: string };

/**
 * The course result from each launchable item's latest attempt. One item: its result. Several: completed when all
 * are, failed when any failed, passed when none failed and some passed; score the mean of the scaled scores.
 * (SCORM 2004 sequencing rollup replaces this for sequenced packages.)
 */
export function rollupCourse(launchable: string[], results: ItemResult[]) {
  const latest = new Map(results.map((r) => [r.itemIdentifier, r]));
  const items = launchable.map((id) => latest.get(id)).filter((r): r is ItemResult => Boolean(r));
  const totalTimeSeconds = items.reduce((sum, r) => sum + r.totalTimeSeconds, 0);
  if (launchable.length === 1 && items[0]) {
    const only = items[0];
    return { ...only, totalTimeSeconds };
  }
  const done = items.filter((r) => r.completionStatus === 'completed').length;
  const completionStatus = items.length === 0 ? 'not attempted' : done === launchable.length ? 'completed' : 'incomplete';
  const successStatus = items.some((r) => r.successStatus === 'failed')
    ? 'failed'
    : items.some((r) => r.successStatus === 'passed') && done === launchable.length
      ? 'passed'
      : 'unknown';
  const scaled = items.map((r) => r.scoreScaled).filter((s): s is number => s !== null);
  return {
    completionStatus,
    successStatus,
    scoreScaled: scaled.length ? scaled.reduce((a, b) => a + b, 0) / scaled.length : null,
    scoreRaw: null,
    scoreMin: null,
    scoreMax: null,
    totalTimeSeconds,
  };
}
