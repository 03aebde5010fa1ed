// One closed-loop load shape for both sides of bench/commits.ts, so that they are timed the same way: `loops`
// concurrent loops (one per simulated learner), each doing its next operation as soon as the previous one answered,
// with its own sequence number that only grows. A warm-up comes first (connections opened, JIT warm, caches full);
// it lasts `warmupMs`, and at least until every loop has had its first answer (but at most MAX_EXTRA_WARMUP_MS
// longer: a loop still waiting then is reported as starved), so that the burst of all loops starting at once has
// drained before anything is counted. Then only operations that *finish* inside the measured
// window count, for both throughput and latency. When the
// window closes the loops stop starting new operations and the ones in flight are awaited (not abandoned), so that
// nothing is still running against the database when the next measurement starts.

const MAX_EXTRA_WARMUP_MS = 60_000;

export interface ClosedLoopOptions {
  loops: number;
  warmupMs: number;
  durationMs: number;
  /** Per loop: the sequence number of its first operation. */
  firstSequence: number[];
}

export interface ClosedLoopResult {
  /** Successful operations that finished inside the measured window. */
  ok: number;
  /** Failed operations, over the whole run (warm-up included: any failure is a bug). */
  failures: number;
  failureSamples: string[];
  /** Milliseconds, of every operation that finished inside the window (failed ones too). */
  latencies: Float64Array;
  windowMs: number;
  /** Per loop: the last sequence number whose operation succeeded (firstSequence - 1 if none). */
  lastAccepted: number[];
  /** Loops that had no answer yet when the window opened (see MAX_EXTRA_WARMUP_MS). */
  starved: number;
}

/** `op` answers null on success, or what went wrong. It must not throw (a throw is counted as a failure anyway). */
export async function closedLoops(
  { loops, warmupMs, durationMs, firstSequence }: ClosedLoopOptions,
  op: (loop: number, sequence: number) => Promise<string | null>,
): Promise<ClosedLoopResult> {
  const latencies: number[] = [];
  const failureSamples: string[] = [];
  const lastAccepted = firstSequence.map((n) => n - 1);
  let ok = 0;
  let failures = 0;
  const warmupEnd = performance.now() + warmupMs;
  let waitingForFirstAnswer = loops;
  // Opened by the last of: the warm-up time, every loop's first answer.
  let windowStart = Infinity;
  let windowEnd = Infinity;
  let starved = 0;
  const openWindowIfDue = (now: number) => {
    if (windowStart !== Infinity || now < warmupEnd) return;
    if (waitingForFirstAnswer === 0 || now >= warmupEnd + MAX_EXTRA_WARMUP_MS) {
      starved = waitingForFirstAnswer;
      windowStart = now;
      windowEnd = now + durationMs;
    }
  };

  async function loop(index: number) {
    let sequence = firstSequence[index]!;
    let first = true;
    while (performance.now() < windowEnd) {
      const started = performance.now();
      let problem: string | null;
      try {
        problem = await op(index, sequence);
      } catch (error) {
        problem = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
      const finished = performance.now();
      if (first) {
        first = false;
        waitingForFirstAnswer--;
      }
      openWindowIfDue(finished);
      if (problem === null) lastAccepted[index] = sequence;
      else {
        failures++;
        if (failureSamples.length < 5) failureSamples.push(`loop ${index}, sequence ${sequence}: ${problem}`);
      }
      if (finished >= windowStart && finished < windowEnd) {
        latencies.push(finished - started);
        if (problem === null) ok++;
      }
      sequence++;
    }
  }

  await Promise.all(Array.from({ length: loops }, (_, index) => loop(index)));
  return { ok, failures, failureSamples, latencies: Float64Array.from(latencies), windowMs: durationMs, lastAccepted, starved };
}
