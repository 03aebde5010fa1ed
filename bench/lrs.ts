// `npm run bench` (fourth part), or alone: `npx tsx bench/lrs.ts`. LRS statement ingestion, as a ratio to the same
// database doing the bare minimum with the same rows, measured seconds apart in this run.
//
//   ours  CLIENTS concurrent clients, each POSTing batches of 100 statements to /xapi/statements over HTTP (Basic
//         auth, xAPI 2.0.0): JSON parsing, validation of every statement, the LRS's own properties, the conflict
//         and voiding checks, the agent and activity link rows and activity definitions, in one transaction.
//   bare  the same number of concurrent loops in this process, each doing one multi-row INSERT of 100 statement
//         rows (the same JSON, fresh ids) into the same xapi_statements table through drizzle: no HTTP, no checks,
//         no link rows.
//
// Both are closed loops timed alike (bench/closed-loop.ts) against the same database (in-memory PGlite, or
// Postgres with DATABASE_URL). The HTTP client runs in this process, on the same two shared cores. The issue's
// goal is at least 0.5x. Env: BENCH_LRS_SECONDS (default 10), BENCH_LRS_CLIENTS (default 8), DATABASE_URL.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { xapiStatements } from '../src/db/schema/index.js';
import { closedLoops, type ClosedLoopResult } from './closed-loop.js';
import { positiveInt } from './env.js';
import { startLrsBench } from './lrs-setup.js';

const SECONDS = positiveInt('BENCH_LRS_SECONDS', 10);
const CLIENTS = positiveInt('BENCH_LRS_CLIENTS', 8);
const BATCH = 100;
const WARMUP_MS = 2000;

/** A realistic statement: a learner answering a question in a course, with result, context and a definition. */
function statement(client: number, n: number, i: number) {
  return {
    actor: { objectType: 'Agent', name: `Learner ${client}-${i}`, mbox: `mailto:learner-${client}-${i}@example.com` },
    verb: { id: 'http://adlnet.gov/expapi/verbs/answered', display: { 'en-US': 'answered' } },
    object: {
      id: `https://courses.example.com/golf/questions/q${i}`,
      definition: { name: { 'en-US': `Question ${i}` }, type: 'http://adlnet.gov/expapi/activities/cmi.interaction', interactionType: 'choice', correctResponsesPattern: ['b'] },
    },
    result: { success: (n + i) % 3 !== 0, response: 'b', duration: 'PT12S', score: { scaled: 0.8, raw: 8, min: 0, max: 10 } },
    context: {
      registration: '1b0d7b8e-8c1e-4d7f-9a53-2f6f3c1e9b11',
      contextActivities: { parent: [{ id: 'https://courses.example.com/golf' }], category: [{ id: 'https://w3id.org/xapi/scorm' }] },
    },
    timestamp: new Date().toISOString(),
  };
}

const percentile = (sorted: Float64Array, p: number) => (sorted.length === 0 ? NaN : sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!);

function summarize(result: ClosedLoopResult) {
  const sorted = result.latencies.slice().sort();
  return { perSecond: (result.ok * BATCH) / (result.windowMs / 1000), p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), batches: result.ok, failures: result.failures, samples: result.failureSamples };
}

async function main() {
  const { database, config, tenant, statementsUrl: url, headers: auth, close } = await startLrsBench('lrs-bench');
  try {
    const headers = { ...auth, 'content-type': 'application/json' };
    const firstSequence = Array.from({ length: CLIENTS }, () => 1);

    process.stdout.write(`measuring ours: ${CLIENTS} clients POSTing batches of ${BATCH} statements over HTTP (${SECONDS} s)...\n`);
    const ours = summarize(await closedLoops({ loops: CLIENTS, warmupMs: WARMUP_MS, durationMs: SECONDS * 1000, firstSequence }, async (client, n) => {
      const body = JSON.stringify(Array.from({ length: BATCH }, (_, i) => statement(client, n, i)));
      const response = await fetch(url, { method: 'POST', headers, body });
      const text = await response.text();
      return response.status === 200 ? null : `${response.status} ${text.slice(0, 200)}`;
    }));

    process.stdout.write(`measuring bare: ${CLIENTS} loops of one ${BATCH}-row INSERT into xapi_statements (${SECONDS} s)...\n`);
    const authority = { objectType: 'Agent', account: { homePage: config.appOrigin, name: 'bench' } };
    const bare = summarize(await closedLoops({ loops: CLIENTS, warmupMs: WARMUP_MS, durationMs: SECONDS * 1000, firstSequence }, async (client, n) => {
      const stored = new Date();
      await database.db.insert(xapiStatements).values(Array.from({ length: BATCH }, (_, i) => {
        const id = randomUUID();
        const s = { ...statement(client, n, i), id, stored: stored.toISOString(), authority, version: '2.0.0' };
        return { tenantId: tenant.id, id, stored, timestamp: new Date(s.timestamp), verbId: s.verb.id, registration: s.context.registration, statement: s };
      }));
      return null;
    }));
    const [{ count }] = (await database.db.select({ count: sql<number>`count(*)::int` }).from(xapiStatements)) as [{ count: number }];

    const ratio = ours.perSecond / bare.perSecond;
    console.log('');
    console.log(`                          statements/s  p50 ms/batch  p99 ms/batch  batches`);
    console.log(`ours: POST 100 over HTTP  ${ours.perSecond.toFixed(0).padStart(12)}  ${ours.p50.toFixed(1).padStart(12)}  ${ours.p99.toFixed(1).padStart(12)}  ${String(ours.batches).padStart(7)}`);
    console.log(`bare: 100-row INSERT      ${bare.perSecond.toFixed(0).padStart(12)}  ${bare.p50.toFixed(1).padStart(12)}  ${bare.p99.toFixed(1).padStart(12)}  ${String(bare.batches).padStart(7)}`);
    for (const [name, r] of [['ours', ours], ['bare', bare]] as const) if (r.failures) console.log(`! ${name}: ${r.failures} failed: ${r.samples.join(' | ')}`);
    console.log(`\nsummary (${database.driver}, ${CLIENTS} clients, ${SECONDS} s each, ${count} statements stored in all): ingestion through the LRS runs at ${ratio.toFixed(2)}x the statements/s of a bare multi-row INSERT of the same rows (goal: at least 0.5x).`);
  } finally {
    await close();
  }
}

await main();
