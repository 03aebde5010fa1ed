// `npm run bench`: HTTP throughput of the real app against a bare Fastify server, both measured in this run.
// Three targets: a bare route (the ceiling for Fastify on this machine), GET /health (the app's plugin stack plus
// two small queries) and GET / as a signed-in admin (session lookup, tenancy, CSRF token, queries, Eta layout).
// The machines are shared and noisy, so absolute requests/s mean little from one run to the next; the ratios to the
// bare route, measured seconds apart in the same process, are what to compare across commits.
// Env: BENCH_SECONDS (default 5), BENCH_CONNECTIONS (default 50), DATABASE_URL (Postgres instead of in-memory PGlite).
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { DEMO_PASSWORD, seedDemoData } from '../src/cli/demo-data.js';
import { positiveInt } from './env.js';

const SECONDS = positiveInt('BENCH_SECONDS', 5);
const CONNECTIONS = positiveInt('BENCH_CONNECTIONS', 50);
const ADMIN_EMAIL = 'admin@acme.test';


/** `name=value` of one cookie from a response's Set-Cookie headers, as a browser would send it back. */
function cookieFrom(response: Response, name: string): string {
  const found = response.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  if (!found) throw new Error(`${response.url} answered ${response.status} without a ${name} cookie`);
  return found.split(';')[0]!;
}

/** Signs in through the HTML form, exactly as a browser does, and returns the Cookie header to send afterwards. */
async function signIn(baseUrl: string): Promise<string> {
  const loginPage = await fetch(`${baseUrl}/login`);
  const csrfCookie = cookieFrom(loginPage, 'sun_csrf');
  const csrfToken = /name="_csrf" value="([^"]+)"/.exec(await loginPage.text())?.[1];
  if (!csrfToken) throw new Error('GET /login has no _csrf field');

  const login = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie },
    body: new URLSearchParams({ email: ADMIN_EMAIL, password: DEMO_PASSWORD, _csrf: csrfToken }).toString(),
  });
  if (login.status !== 303) throw new Error(`POST /login answered ${login.status}, not 303: is ${ADMIN_EMAIL} seeded with the demo password?`);
  const cookie = `${csrfCookie}; ${cookieFrom(login, 'sun_session')}`;

  const home = await fetch(`${baseUrl}/`, { headers: { cookie }, redirect: 'manual' });
  const html = await home.text();
  if (home.status !== 200 || !html.includes('Organisation overview')) {
    throw new Error(`GET / as ${ADMIN_EMAIL} answered ${home.status} without "Organisation overview"`);
  }
  return cookie;
}

interface Measurement {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  slowestMs: number;
  problems: string[];
}

async function measure(name: string, url: string, headers: Record<string, string> = {}): Promise<Measurement> {
  process.stdout.write(`measuring ${name} (${SECONDS} s, ${CONNECTIONS} connections)...\n`);
  // One worker thread generates the load, so the client does not compete with the servers for this event loop.
  const result = await autocannon({
    url,
    headers,
    connections: CONNECTIONS,
    duration: SECONDS,
    workers: 1,
    warmup: { connections: CONNECTIONS, duration: 1 },
  });
  const problems: string[] = [];
  if (result.non2xx > 0) problems.push(`${result.non2xx} non-2xx (${JSON.stringify(result.statusCodeStats)})`);
  if (result.errors > 0) problems.push(`${result.errors} errors (${result.timeouts} timeouts)`);
  return { name, requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, slowestMs: result.latency.max, problems };
}

const ratio = (value: number, baseline: number) => `${(value / baseline).toFixed(value / baseline < 0.1 ? 3 : 2)}x`;

function printTable(rows: Measurement[]) {
  const baseline = rows[0]!.requestsPerSecond;
  const table = [
    ['target', 'req/s', 'p50 ms', 'p99 ms', 'vs bare'],
    ...rows.map((r) => [r.name, r.requestsPerSecond.toFixed(0), r.p50.toFixed(1), r.p99.toFixed(1), ratio(r.requestsPerSecond, baseline)]),
  ];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  console.log('');
  for (const row of table) console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '));
}

async function main() {
  const database = process.env.DATABASE_URL
    ? await openDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: '' })
    : await openDatabase({ databaseUrl: null, dataDir: '', inMemory: true });
  await runMigrations(database);

  // Production settings (templates cached, as deployed), but plain-http cookies and no rate limit for the load.
  const config = loadConfig(
    { NODE_ENV: 'production', LOG_LEVEL: 'silent', SESSION_SECRET: randomBytes(32).toString('hex') },
    { cookieSecure: false, rateLimitPerMinute: 10_000_000 },
  );
  const app = await buildApp(config, { database });
  await seedDemoData(app.db, { production: false }); // a no-op on a database that already has tenants
  const appUrl = await app.listen({ host: '127.0.0.1', port: 0 });

  const bare = Fastify();
  bare.get('/bare', async () => ({ ok: true }));
  const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });

  try {
    const cookie = await signIn(appUrl);
    const rows = [
      await measure('bare GET /bare', `${bareUrl}/bare`),
      await measure('app GET /health', `${appUrl}/health`),
      await measure('app GET / (admin)', `${appUrl}/`, { cookie }),
    ];
    printTable(rows);
    for (const row of rows) if (row.problems.length > 0) console.log(`! ${row.name}: ${row.problems.join('; ')}`);

    const [bareRow, health, overview] = rows as [Measurement, Measurement, Measurement];
    console.log(
      `\nsummary (${database.driver}, ${SECONDS} s x ${CONNECTIONS} connections): /health runs at ${ratio(health.requestsPerSecond, bareRow.requestsPerSecond)} ` +
        `and the admin overview at ${ratio(overview.requestsPerSecond, bareRow.requestsPerSecond)} of a bare Fastify route.`,
    );
    if (rows.some((row) => row.problems.length > 0)) process.exitCode = 1;

    // autocannon drops its sockets when time is up, but the handlers of the requests it abandoned still run and
    // app.close() does not wait for them; closing the database under them makes postgres.js reconnect for their
    // queued queries and keeps this process alive. The slowest request seen under full load bounds how long they take.
    await sleep(2 * Math.max(...rows.map((row) => row.slowestMs)));
  } finally {
    await bare.close();
    await app.close();
    await database.close();
  }
}

await main();
