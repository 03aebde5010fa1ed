// The interactions and objectives a SCO reported, as rows for reports (sco_interactions, sco_objectives). scorm-again
// commits collections as objects keyed by index ({"0": {...}, "1": {...}}); 1.2 and 2004 name a few fields apart.
import { get, num, parseDuration2004, parseTimespan12, str, type Standard } from './cmi.js';

export interface InteractionRecord {
  position: number;
  interactionId: string;
  type: string | null;
  description: string | null;
  learnerResponse: string | null;
  correctResponses: string[];
  result: string | null;
  weighting: number | null;
  latencySeconds: number | null;
  timestamp: string | null;
  objectiveIds: string[];
}

export interface ObjectiveRecord {
  position: number;
  objectiveId: string;
  successStatus: string | null;
  completionStatus: string | null;
  scoreScaled: number | null;
  scoreRaw: number | null;
  scoreMin: number | null;
  scoreMax: number | null;
  progressMeasure: number | null;
}

/** The members of a collection in index order (objects keyed "0", "1"..., or arrays). */
function members(collection: unknown): [number, Record<string, unknown>][] {
  if (!collection || typeof collection !== 'object') return [];
  return Object.entries(collection as Record<string, unknown>)
    .filter(([key, value]) => /^\d+$/.test(key) && value && typeof value === 'object')
    .map(([key, value]) => [Number(key), value as Record<string, unknown>] as [number, Record<string, unknown>])
    .sort((a, b) => a[0] - b[0]);
}

export function interactionRecords(standard: Standard, cmi: Record<string, unknown>): InteractionRecord[] {
  return members(cmi.interactions).flatMap(([position, i]) => {
    const interactionId = str(i.id);
    if (!interactionId) return [];
    return [{
      position,
      interactionId,
      type: str(i.type),
      description: str(i.description),
      learnerResponse: str(standard === 'scorm12' ? i.student_response : i.learner_response),
      correctResponses: members(i.correct_responses).map(([, r]) => String(r.pattern ?? '')),
      result: str(i.result),
      weighting: num(i.weighting),
      latencySeconds: standard === 'scorm12' ? parseTimespan12(i.latency) : parseDuration2004(i.latency),
      timestamp: str(standard === 'scorm12' ? i.time : i.timestamp),
      objectiveIds: members(i.objectives).map(([, o]) => String(o.id ?? '')).filter(Boolean),
    }];
  });
}

export function objectiveRecords(standard: Standard, cmi: Record<string, unknown>): ObjectiveRecord[] {
  return members(cmi.objectives).flatMap(([position, o]) => {
    const objectiveId = str(o.id);
    if (!objectiveId) return [];
    // 1.2 has one status vocabulary for both (cmi.objectives.n.status); 2004 splits it.
    const status12 = standard === 'scorm12' ? str(o.status) : null;
    return [{
      position,
      objectiveId,
      successStatus: standard === 'scorm12' ? (status12 === 'passed' || status12 === 'failed' ? status12 : null) : str(o.success_status),
      completionStatus: standard === 'scorm12' ? (status12 && status12 !== 'passed' && status12 !== 'failed' ? status12 : status12 ? 'completed' : null) : str(o.completion_status),
      scoreScaled: num(get(o, 'score.scaled')),
      scoreRaw: num(get(o, 'score.raw')),
      scoreMin: num(get(o, 'score.min')),
      scoreMax: num(get(o, 'score.max')),
      progressMeasure: num(o.progress_measure),
    }];
  });
}
