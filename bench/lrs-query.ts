// `npm run bench` (fifth part), or alone: `npx tsx bench/lrs-query.ts`. Filtered statement queries over a large
// store: BENCH_LRS_STATEMENTS statements (default 1,000,000) of one tenant, plus as many of another tenant (so
// that tenant-first indexes are what keeps queries fast), loaded directly in SQL (generate_series: loading is not
// what is measured). Then GET /xapi/statements over HTTP with the filters LRS clients use most, and the p95 latency
// of each, against the issue's goal of 50 ms. Each query asks for a page of 100 (limit=100), newest first.
// Default size: 1,000,000 per tenant on Postgres, 200,000 on PGlite (whose single WASM thread loads slowly).
//
// The rows are shaped like real ones: 10,000 learners, 200 activities under 20 courses, 8 verbs, registrations
// per learner and course, statements spread over the last year. Env: BENCH_LRS_STATEMENTS, BENCH_LRS_QUERIES
// (per filter, default 200), DATABASE_URL (Postgres; else in-memory PGlite, which loads far more slowly).
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db } from '../src/db/client.js';
import { insertTenant } from '../src/modules/operator/operator.queries.js';
import { positiveInt } from './env.js';
import { startLrsBench } from './lrs-setup.js';

// PGlite (one WASM thread) loads a million rows slowly; by default it gets a fifth of Postgres's store.
const STATEMENTS = positiveInt('BENCH_LRS_STATEMENTS', process.env.DATABASE_URL ? 1_000_000 : 200_000);
const QUERIES = positiveInt('BENCH_LRS_QUERIES', 200);
const LEARNERS = 10_000;
const ACTIVITIES = 200;
const VERBS = ['completed', 'passed', 'failed', 'answered', 'attempted', 'experienced', 'launched', 'terminated'];

/** Loads `count` statements for the tenant in chunks, with their agent and activity link rows, all in SQL. */
async function load(db: Db, tenantId: string, count: number) {
  const chunk = 100_000;
  for (let from = 0; from < count; from += chunk) {
    const to = Math.min(count, from + chunk) - 1;
    await db.execute(sql`
      with rows as (
        select g,
          gen_random_uuid() as id,
          now() - ((${count} - g) * interval '30 seconds') as stored,
          (g * 7919) % ${LEARNERS} as learner,
          (g * 104729) % ${ACTIVITIES} as activity,
          (g * 31) % ${VERBS.length} as verb
        from generate_series(${from}::bigint, ${to}::bigint) as g
      ), inserted as (
        insert into xapi_statements (tenant_id, id, stored, timestamp, verb_id, registration, statement)
        select ${tenantId}::uuid, id, stored, stored,
          'http://adlnet.gov/expapi/verbs/' || (array[${sql.raw(VERBS.map((v) => `'${v}'`).join(','))}])[(verb + 1)::int],
          md5(${tenantId} || learner || (activity / 10))::uuid,
          jsonb_build_object(
            'id', id, 'stored', stored, 'timestamp', stored, 'version', '2.0.0',
            'actor', jsonb_build_object('objectType', 'Agent', 'mbox', 'mailto:learner' || learner || '@example.com'),
            'verb', jsonb_build_object('id', 'http://adlnet.gov/expapi/verbs/' || (array[${sql.raw(VERBS.map((v) => `'${v}'`).join(','))}])[(verb + 1)::int]),
            'object', jsonb_build_object('objectType', 'Activity', 'id', 'https://courses.example.com/c' || (activity / 10) || '/a' || activity),
            'context', jsonb_build_object('registration', md5(${tenantId} || learner || (activity / 10))::uuid,
              'contextActivities', jsonb_build_object('parent', jsonb_build_array(jsonb_build_object('id', 'https://courses.example.com/c' || (activity / 10))))))
        from rows
        returning seq, statement
      ), agents as (
        insert into xapi_statement_agents (tenant_id, statement_seq, agent_key, direct)
        select ${tenantId}::uuid, seq, 'agent/mbox:' || (statement->'actor'->>'mbox'), true from inserted
      )
      insert into xapi_statement_activities (tenant_id, statement_seq, activity_id, direct)
      select ${tenantId}::uuid, seq, statement->'object'->>'id', true from inserted
      union all
      select ${tenantId}::uuid, seq, statement->'context'->'contextActivities'->'parent'->0->>'id', false from inserted`);
    process.stdout.write(`  ${to + 1} statements\r`);
  }
  process.stdout.write('\n');
}

const percentile = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;

async function main() {
  const { database, tenant, statementsUrl: base, headers, close } = await startLrsBench('lrs-query-bench');
  try {
    const other = await insertTenant(database.db, { name: 'Other', slug: `other-${randomBytes(3).toString('hex')}`, domain: null });
    const started = Date.now();
    process.stdout.write(`loading ${STATEMENTS} statements for the measured tenant and ${STATEMENTS} for another (${database.driver})...\n`);
    await load(database.db, tenant.id, STATEMENTS);
    await load(database.db, other.id, STATEMENTS);
    await database.db.execute(sql`vacuum analyze xapi_statements, xapi_statement_agents, xapi_statement_activities`);
    process.stdout.write(`loaded in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);

    const pick = (n: number) => Math.floor(Math.random() * n);
    const since = () => new Date(Date.now() - pick(365) * 86_400_000).toISOString();
    const filters: [string, () => string][] = [
      ['no filter', () => ''],
      ['agent', () => `agent=${encodeURIComponent(JSON.stringify({ mbox: `mailto:learner${pick(LEARNERS)}@example.com` }))}`],
      ['verb', () => `verb=${encodeURIComponent(`http://adlnet.gov/expapi/verbs/${VERBS[pick(VERBS.length)]}`)}`],
      ['activity', () => {
        const activity = pick(ACTIVITIES);
        return `activity=${encodeURIComponent(`https://courses.example.com/c${Math.floor(activity / 10)}/a${activity}`)}`;
      }],
      ['activity (related, a course)', () => `related_activities=true&activity=${encodeURIComponent(`https://courses.example.com/c${pick(20)}`)}`],
      ['agent + verb', () => `agent=${encodeURIComponent(JSON.stringify({ mbox: `mailto:learner${pick(LEARNERS)}@example.com` }))}&verb=${encodeURIComponent('http://adlnet.gov/expapi/verbs/completed')}`],
      ['verb + since', () => `verb=${encodeURIComponent('http://adlnet.gov/expapi/verbs/passed')}&since=${since()}`],
    ];
    console.log('');
    console.log('filter (limit=100)              p50 ms   p95 ms   max ms   statements/page');
    const p95s: number[] = [];
    for (const [name, query] of filters) {
      const times: number[] = [];
      let returned = 0;
      for (let i = 0; i < QUERIES + 10; i++) {
        const t0 = performance.now();
        const response = await fetch(`${base}?limit=100${query() ? `&${query()}` : ''}`, { headers });
        const body = (await response.json()) as { statements?: unknown[] };
        if (response.status !== 200) throw new Error(`${name}: ${response.status} ${JSON.stringify(body).slice(0, 200)}`);
        if (i >= 10) {
          times.push(performance.now() - t0);
          returned += body.statements!.length;
        }
      }
      times.sort((a, b) => a - b);
      p95s.push(percentile(times, 0.95));
      console.log(`${name.padEnd(30)} ${percentile(times, 0.5).toFixed(1).padStart(7)}  ${percentile(times, 0.95).toFixed(1).padStart(7)}  ${times.at(-1)!.toFixed(1).padStart(7)}   ${(returned / QUERIES).toFixed(0).padStart(6)}`);
    }
    const worst = Math.max(...p95s);
    console.log(`\nsummary (${database.driver}, ${STATEMENTS} statements in the tenant, ${STATEMENTS} in another): the slowest filter's p95 is ${worst.toFixed(1)} ms (goal: under 50 ms), i.e. ${(worst / 50).toFixed(2)}x the goal.`);
  } finally {
    await close();
  }
}

await main();
