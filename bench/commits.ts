// `npm run bench` (third part), or alone: `npx tsx bench/commits.ts`. SCORM commits under 500 concurrent learners,
// as a ratio to the same database doing the bare minimum with the same data, measured seconds apart in this run.
//
//   ours  500 simulated learners, each with its own keep-alive connection, post commits to the content origin's
//         POST /r/:token/commit one after the other (commitSequence 1, 2, 3...), as scorm-again does: ~2.5 KB of
//         SCORM 1.2 CMI JSON, mostly suspend data. Each answer must be exactly {"result":true,"errorCode":0}, and
//         afterwards every attempt row must hold the last sequence its learner had acknowledged. This is the whole
//         path: HTTP, the runtime token's signature, JSON parsing, replaying the CMI into the SCORM data model,
//         and a transaction that locks the attempt, reads the registration and its version, writes the attempt
//         and recomputes the course result.
//   bare  the floor for storing that commit at all: 500 concurrent async loops in this process, each upserting
//         its own learner's attempt row (INSERT ... ON CONFLICT DO UPDATE SET cmi, last_sequence) with the same
//         CMI object and a growing sequence, straight through drizzle: no HTTP, no checks, no transaction.
//
// Both run closed loops (each learner or loop waits for its answer before the next one) for the same time after
// the same warm-up, against the same database (in-memory PGlite, or Postgres with DATABASE_URL, through the app's
// own pool), and are timed alike (bench/closed-loop.ts). The machines have 2 shared cores and are noisy, so the
// absolute numbers drift from run to run; the ratios are what to compare across commits. They are not a pure
// measure of our overhead either: the HTTP load generator (a worker thread) takes CPU from the same two cores
// during "ours" and not during "bare", and the printout says so. (Profiled: the load worker took ~10% of one core;
// the server's own event loop was the saturated thread.) Both sides are saturated closed loops, so their latency is
// about learners / throughput (Little's law): the latency ratios mostly restate the throughput ratio, as queueing.
//
// Env: BENCH_COMMIT_SECONDS (default 10), BENCH_COMMIT_LEARNERS (default 500), BENCH_COMMIT_WARMUP_SECONDS
// (default 2; longer if not every learner has had an answer by then), DATABASE_URL (Postgres instead of PGlite).
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { inArray, sql } from 'drizzle-orm';
import type { Config } from '../src/config.js';
import type { Db } from '../src/db/client.js';
import { scoAttempts, type ScoAttempt } from '../src/db/schema/index.js';
import { hashPassword } from '../src/lib/passwords.js';
import type { Principal } from '../src/modules/accounts/accounts.queries.js';
import { closedLoops, type ClosedLoopResult } from './closed-loop.js';
import type { CommitLoadInput } from './commit-load.js';
import { commitBody, suspendDataFor } from './commit-payload.js';
import { positiveInt } from './env.js';
import { demoTenant, importGolf12, launchedLearner, startServers } from './servers.js';

const SECONDS = positiveInt('BENCH_COMMIT_SECONDS', 10);
const LEARNERS = positiveInt('BENCH_COMMIT_LEARNERS', 500);
const WARMUP_SECONDS = positiveInt('BENCH_COMMIT_WARMUP_SECONDS', 2);

interface Learner {
  principal: Principal;
  runtimeToken: string;
  attempt: ScoAttempt;
}

/** `count` learners with a registration and a launched attempt each, made directly (no sign-in: not what we time). */
async function createLearners(db: Db, config: Config, courseId: string, count: number): Promise<Learner[]> {
  const tenant = await demoTenant(db);
  const passwordHash = await hashPassword(randomBytes(12).toString('base64url'));
  const run = randomBytes(4).toString('hex'); // a kept Postgres database may hold the learners of earlier runs
  const launched: { principal: Principal; registrationId: string; runtimeToken: string }[] = new Array(count);

  let next = 0;
  async function worker() {
    for (let i = next++; i < count; i = next++) {
      launched[i] = await launchedLearner(db, config, tenant, courseId, { email: `bench-${run}-${i}@acme.test`, displayName: `Bench Learner ${i}`, passwordHash });
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker));

  const attempts = await db.select().from(scoAttempts).where(inArray(scoAttempts.registrationId, launched.map((l) => l.registrationId)));
  const byRegistration = new Map(attempts.map((a) => [a.registrationId, a]));
  return launched.map(({ principal, registrationId, runtimeToken }) => {
    const attempt = byRegistration.get(registrationId);
    if (!attempt) throw new Error(`registration ${registrationId} has no attempt after launch`);
    return { principal, runtimeToken, attempt };
  });
}

/** Ours: commits over HTTP from a worker thread. */
function commitsOverHttp(input: CommitLoadInput): Promise<ClosedLoopResult> {
  // tsx does not reach worker threads by itself (not through execArgv either): the worker registers it first.
  const loader = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})` +
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./commit-load.ts', import.meta.url).href)}); })`;
  const worker = new Worker(loader, { eval: true, workerData: input });
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the load worker exited (${code}) without a result`)));
  });
}

/** The baseline: one upsert of the same CMI per operation, per learner's own row, straight through drizzle. */
function bareUpserts(db: Db, learners: Learner[], firstSequence: number[], warmupMs: number, durationMs: number) {
  const suspendData = learners.map((_, i) => suspendDataFor(i));
  return closedLoops({ loops: learners.length, warmupMs, durationMs, firstSequence }, async (i, n) => {
    const { attempt } = learners[i]!;
    await db
      .insert(scoAttempts)
      .values({
        tenantId: attempt.tenantId,
        registrationId: attempt.registrationId,
        itemIdentifier: attempt.itemIdentifier,
        attemptNumber: attempt.attemptNumber,
        cmi: commitBody(n, suspendData[i]!).runtimeData.cmi,
        lastSequence: n,
      })
      .onConflictDoUpdate({
        target: [scoAttempts.registrationId, scoAttempts.itemIdentifier, scoAttempts.attemptNumber],
        set: { cmi: sql`excluded.cmi`, lastSequence: sql`excluded.last_sequence` },
      });
    return null;
  });
}

/** Every acknowledged commit is in the database: each attempt's last_sequence is its learner's last acknowledged one. */
async function checkStored(db: Db, learners: Learner[], lastAccepted: number[]): Promise<string[]> {
  const rows = await db
    .select({ id: scoAttempts.id, lastSequence: scoAttempts.lastSequence })
    .from(scoAttempts)
    .where(inArray(scoAttempts.id, learners.map((l) => l.attempt.id)));
  const stored = new Map(rows.map((r) => [r.id, r.lastSequence]));
  const wrong = learners.filter((l, i) => stored.get(l.attempt.id) !== lastAccepted[i]);
  return wrong.length === 0
    ? []
    : [`${wrong.length} attempts do not hold their last acknowledged commit (e.g. stored ${stored.get(wrong[0]!.attempt.id)}, ` +
        `acknowledged ${lastAccepted[learners.indexOf(wrong[0]!)]})`];
}

interface Row {
  name: string;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  count: number;
  problems: string[];
}

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: Float64Array, p: number) => (sorted.length === 0 ? NaN : sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!);

function summarize(name: string, result: ClosedLoopResult): Row {
  const sorted = result.latencies.slice().sort();
  const problems = result.failures > 0 ? [`${result.failures} failed: ${result.failureSamples.join(' | ')}`] : [];
  if (result.starved > 0) problems.push(`${result.starved} had no answer a minute into the warm-up`);
  return {
    name,
    perSecond: result.ok / (result.windowMs / 1000),
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
    count: result.ok,
    problems,
  };
}

const times = (value: number) => `${value.toFixed(value < 0.1 ? 3 : 2)}x`;

function printTable(ours: Row, bare: Row) {
  const table = [
    ['', 'ops/s', 'p50 ms', 'p99 ms', 'max ms', 'ops'],
    ...[ours, bare].map((r) => [r.name, r.perSecond.toFixed(0), r.p50.toFixed(1), r.p99.toFixed(1), r.max.toFixed(1), String(r.count)]),
    ['ours / bare', times(ours.perSecond / bare.perSecond), times(ours.p50 / bare.p50), times(ours.p99 / bare.p99), times(ours.max / bare.max), ''],
  ];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  console.log('');
  for (const row of table) console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '));
}

async function main() {
  const { database, config, content, contentUrl, appUrl, close } = await startServers('commit', {
    rateLimitPerMinute: 1_000_000_000,
    runtimeRateLimitPerMinute: 1_000_000_000,
  });
  try {
    process.stdout.write(`setting up: the Golf SCORM 1.2 package and ${LEARNERS} learners with a launched attempt each...\n`);
    const courseId = await importGolf12(appUrl);
    const learners = await createLearners(database.db, config, courseId, LEARNERS);
    const warmupMs = WARMUP_SECONDS * 1000;
    const durationMs = SECONDS * 1000;

    // Same starting point for both: no dead row versions left behind by the setup or by the other measurement.
    const vacuum = () => database.db.execute(sql`vacuum analyze sco_attempts, registrations`);

    let connections = 0;
    content.server.on('connection', () => connections++);
    await vacuum();
    process.stdout.write(`measuring ours: ${LEARNERS} learners committing over HTTP (${WARMUP_SECONDS} s warm-up, ${SECONDS} s)...\n`);
    const http = await commitsOverHttp({ origin: contentUrl, tokens: learners.map((l) => l.runtimeToken), warmupMs, durationMs });
    const ours = summarize('ours: POST /r/:token/commit', http);
    ours.problems.push(...(await checkStored(database.db, learners, http.lastAccepted)));
    if (connections !== LEARNERS) ours.problems.push(`${connections} connections were opened, not one per learner (${LEARNERS})`);

    await vacuum();
    process.stdout.write(`measuring bare: ${LEARNERS} concurrent single-row upserts, no HTTP (${WARMUP_SECONDS} s warm-up, ${SECONDS} s)...\n`);
    const upserts = await bareUpserts(database.db, learners, http.lastAccepted.map((n) => n + 1), warmupMs, durationMs);
    const bare = summarize('bare: upsert of the same CMI', upserts);

    printTable(ours, bare);
    for (const row of [ours, bare]) if (row.problems.length > 0) console.log(`! ${row.name}: ${row.problems.join('; ')}`);
    console.log(
      `\nsummary (${database.driver}, ${LEARNERS} learners, ${SECONDS} s each): commits run at ${times(ours.perSecond / bare.perSecond)} ` +
        `the throughput of a bare upsert of the same CMI, with ${times(ours.p50 / bare.p50)} its p50 and ${times(ours.p99 / bare.p99)} its p99 latency.\n` +
        `note: 2 shared cores; during "ours" the HTTP load generator (a worker thread in this process) competes with the ` +
        `servers and the database for them, during "bare" nothing does. Compare ratios across commits, not absolute numbers.`,
    );
    if (ours.problems.length > 0 || bare.problems.length > 0) process.exitCode = 1;
  } finally {
    await close();
  }
}

await main();
