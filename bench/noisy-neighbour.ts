// `npm run bench` (last part), or alone: `npx tsx bench/noisy-neighbour.ts`. One learner must not be able to slow
// everyone else down (issue 10, finding 5: 300 connections on one runtime token took another user's page from 45 ms
// to 8.6 s). Measured in this run, on the same servers and database:
//
//   unloaded  another signed-in user (the demo admin) loads GET / over and over on one keep-alive connection, as a
//             person clicking around would, for BENCH_NOISY_SECONDS: the p95 of that page.
//   flooded   the same, while BENCH_NOISY_CONNECTIONS connections (a worker thread) post commits as fast as they
//             can to ONE learner's runtime token on the content origin, for the same time. The commits carry no
//             commitSequence, so each one that gets through is a full write of the attempt (~2.5 KB of CMI).
//
// The figure is flooded p95 / unloaded p95 (goal: under 2x on Postgres). The app and the content app listen on real
// loopback ports with production settings, including the runtime's per-token budget (RUNTIME_RATE_LIMIT_PER_MINUTE):
// the flood meeting it is the point. The page's own rate limit is raised so that only the flood is limited.
// Env: BENCH_NOISY_SECONDS (default 5), BENCH_NOISY_CONNECTIONS (default 300), DATABASE_URL (Postgres, else PGlite).
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { DEMO_PASSWORD } from '../src/cli/demo-data.js';
import { hashPassword } from '../src/lib/passwords.js';
import { commitBody, suspendDataFor } from './commit-payload.js';
import { positiveInt } from './env.js';
import { demoTenant, importGolf12, launchedLearner, startServers } from './servers.js';

const SECONDS = positiveInt('BENCH_NOISY_SECONDS', 5);
const CONNECTIONS = positiveInt('BENCH_NOISY_CONNECTIONS', 300);

function cookieFrom(response: Response, name: string): string {
  const found = response.headers.getSetCookie().find((c) => c.startsWith(`${name}=`) || c.startsWith(`__Host-${name}=`));
  if (!found) throw new Error(`${response.url} answered ${response.status} without a ${name} cookie`);
  return found.split(';')[0]!;
}

/** Signs in through the HTML form as the demo admin; returns the Cookie header a browser would send afterwards. */
async function signIn(appUrl: string): Promise<string> {
  const page = await fetch(`${appUrl}/login`);
  const cookies = page.headers.getSetCookie().map((c) => c.split(';')[0]!);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  if (!csrf) throw new Error('GET /login has no _csrf field');
  const login = await fetch(`${appUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies.join('; '), origin: appUrl },
    body: new URLSearchParams({ email: 'admin@acme.test', password: DEMO_PASSWORD, _csrf: csrf }).toString(),
  });
  if (login.status !== 303) throw new Error(`POST /login answered ${login.status}, not 303`);
  return [...cookies.filter((c) => !c.includes('session=')), cookieFrom(login, 'sun_session')].join('; ');
}

/** One person loading the page again and again for `ms`: every latency, in ms. */
async function pageLoads(url: URL, cookie: string, ms: number): Promise<{ latencies: number[]; failures: string[] }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  const failures: string[] = [];
  const until = performance.now() + ms;
  try {
    while (performance.now() < until) {
      const started = performance.now();
      const status = await new Promise<number>((resolve, reject) => {
        const req = request({ host: url.hostname, port: url.port, path: url.pathname, agent, headers: { cookie } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
      latencies.push(performance.now() - started);
      if (status !== 200 && failures.length < 5) failures.push(`GET ${url.pathname} answered ${status}`);
    }
  } finally {
    agent.destroy();
  }
  return { latencies, failures };
}

const p95 = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(0.95 * sorted.length) - 1)] ?? NaN;
};

async function main() {
  const { database, config, appUrl, contentUrl, close } = await startServers('noisy', { rateLimitPerMinute: 10_000_000 });
  try {
    const cookie = await signIn(appUrl);
    const page = new URL('/', appUrl);
    // The flood's target: one new learner's launch of the Golf 1.2 course the demo author imports.
    const courseId = await importGolf12(appUrl);
    const email = `noisy-${randomBytes(4).toString('hex')}@acme.test`;
    const passwordHash = await hashPassword(randomBytes(12).toString('hex'));
    const { runtimeToken } = await launchedLearner(database.db, config, await demoTenant(database.db), courseId, { email, displayName: 'Noisy Learner', passwordHash });
    const payload = commitBody(1, suspendDataFor(0)) as Partial<ReturnType<typeof commitBody>>;
    delete payload.commitSequence;

    await pageLoads(page, cookie, 1000); // warm-up: JIT, template cache, pool connections
    process.stdout.write(`measuring the admin's GET / unloaded (${SECONDS} s)...\n`);
    const unloaded = await pageLoads(page, cookie, SECONDS * 1000);

    process.stdout.write(`measuring it again while ${CONNECTIONS} connections flood one runtime token with commits (${SECONDS} s)...\n`);
    const flood = autocannon({
      url: `${contentUrl}/r/${runtimeToken}/commit`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      connections: CONNECTIONS,
      duration: SECONDS + 1,
      workers: 1,
    });
    await sleep(500); // the flood's connections are open and its requests in flight
    const flooded = await pageLoads(page, cookie, SECONDS * 1000);
    const floodResult = await flood;

    const ratio = p95(flooded.latencies) / p95(unloaded.latencies);
    const answers = Object.entries(floodResult.statusCodeStats).map(([code, { count }]) => `${count} x ${code}`).join(', ');
    console.log('');
    console.log(`                      pages   p50 ms   p95 ms   max ms`);
    for (const [name, run] of [['GET / unloaded', unloaded], ['GET / during flood', flooded]] as const) {
      const sorted = [...run.latencies].sort((a, b) => a - b);
      console.log(`${name.padEnd(20)}  ${String(run.latencies.length).padStart(5)}  ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1).padStart(7)}  ${p95(run.latencies).toFixed(1).padStart(7)}  ${sorted.at(-1)!.toFixed(1).padStart(7)}`);
    }
    console.log(`flood: ${floodResult.requests.total ?? '?'} commits sent on one token, answered ${answers || 'nothing'}; ${floodResult.errors} errors (${floodResult.timeouts} timeouts)`);
    console.log(
      `\nsummary (${database.driver}, ${CONNECTIONS} connections on one runtime token, ${SECONDS} s): noisy neighbour ${ratio.toFixed(2)}x ` +
        `(another user's page p95 ${p95(flooded.latencies).toFixed(1)} ms during the flood vs ${p95(unloaded.latencies).toFixed(1)} ms unloaded; goal under 2x on Postgres).`,
    );
    const problems = [...unloaded.failures, ...flooded.failures];
    if (problems.length > 0) {
      console.log(`! ${problems.join('; ')}`);
      process.exitCode = 1;
    }
    // The flood's abandoned requests still run in the server; let them finish before the database closes.
    await sleep(Math.min(30_000, 2 * floodResult.latency.max));
  } finally {
    await close();
  }
}

await main();
