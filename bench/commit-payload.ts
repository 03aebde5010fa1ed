// The commit a simulated learner sends, shared by both sides of bench/commits.ts so that the HTTP commits and the
// bare upserts store exactly the same CMI. Its shape is what scorm-again's `renderCommitObject` posts for a SCORM 1.2
// SCO (see CommitObject in scorm-again's api_types.d.ts) with our `commitSequence`: a full CMI document, ~2.5 KB of
// JSON, most of it suspend data.

const SUSPEND_DATA_CHARS = 2048;

/**
 * ~2 KB of suspend data for one learner: base64url text of seeded pseudo-random bytes, like the compressed state
 * authoring tools store (incompressible, so Postgres cannot shrink it to nothing either). Deterministic per learner.
 */
export function suspendDataFor(learner: number): string {
  let seed = (learner + 1) * 0x9e3779b1;
  const bytes = Buffer.alloc((SUSPEND_DATA_CHARS * 3) / 4);
  for (let i = 0; i < bytes.length; i++) {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    bytes[i] = (t ^ (t >>> 14)) & 0xff;
  }
  return bytes.toString('base64url');
}

/** The n-th commit of a learner (n counts from 1 and only grows, as the runtime's commitSequence does). */
export function commitBody(n: number, suspendData: string) {
  return {
    successStatus: 'unknown',
    completionStatus: 'incomplete',
    totalTimeSeconds: 60 * (n - 1),
    score: { max: 100 },
    runtimeData: {
      cmi: {
        core: {
          lesson_status: 'incomplete',
          lesson_location: String(n),
          exit: '',
          session_time: '00:01:00',
          score: { raw: '', min: '', max: '100' },
        },
        // The state changes a little on every commit, as a real SCO's does.
        suspend_data: `${n}|${suspendData}`,
        interactions: { '0': { id: 'q1', type: 'choice', student_response: 'a', result: 'correct' } },
      },
    },
    commitSequence: n,
  };
}

export const ACCEPTED = '{"result":true,"errorCode":0}';
