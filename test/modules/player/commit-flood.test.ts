// One learner cannot slow the whole platform (issue 10, finding 5). A flood of commits on one runtime token used to
// park one pooled database connection per request on the attempt's row lock, until nobody else got a connection.
// Now commits of one registration queue in the process without a connection (a bounded queue: beyond it, an
// immediate 503 with Retry-After that the runtime retries), a wait for a lock held elsewhere gives up fast with the
// same answer, and each runtime token has a request budget (429 beyond it).
import t, { type Test } from 'tap';
import { sql } from 'drizzle-orm';
import { buildContentApp } from '../../../src/content/content-app.js';
import { openDatabase } from '../../../src/db/client.js';
import { CommitBusyError, KeyedQueue } from '../../../src/modules/player/commit-queue.js';
import { apiToken, bearer, buildTestAppWithContent, createTenant } from '../../helpers/build-app.js';
import { usingPostgres } from '../../helpers/database.js';
import { GOLF_12, importPackage, launchPlayer } from '../../helpers/player.js';

const ctx = await buildTestAppWithContent();
t.teardown(() => ctx.close());
const { app, config, content } = ctx;

const importGolf12 = (email: string) => importPackage(app, email, ...GOLF_12);
/** Opens the player as the learner: the registration and the runtime token its page hands to the content origin. */
const launch = (email: string, courseId: string) => launchPlayer(app, config, email, courseId);

const body = (sequence: number) => JSON.stringify({ runtimeData: { cmi: { core: { lesson_status: 'incomplete', lesson_location: String(sequence) } } }, commitSequence: sequence });

interface Answer {
  sequence: number;
  status: number;
  json: { result: boolean; errorCode: number };
  retryAfter: string | undefined;
}

/** Every answer is an acknowledgement or a retryable refusal the runtime can act on; never a 5xx. */
function checkAnswers(t: Test, answers: Answer[], sent: number) {
  const accepted = answers.filter((a) => a.status === 200 && a.json.result === true);
  const refused = answers.filter((a) => (a.status === 503 || a.status === 429) && a.json.result === false && a.json.errorCode === 101 && Number(a.retryAfter) >= 1);
  t.equal(accepted.length + refused.length, sent, 'each commit was acknowledged or refused with Retry-After');
  t.same(answers.filter((a) => a.status >= 500 && a.status !== 503), [], 'no server errors');
  return { accepted, refused };
}

async function registrationOf(learnerEmail: string, registrationId: string) {
  const token = await apiToken(app, learnerEmail);
  return (await app.inject({ method: 'GET', url: `/api/registrations/${registrationId}`, headers: bearer(token) })).json().data;
}

t.test('300 concurrent commits on one token: each is acknowledged or refused as busy, and the last acknowledged one is stored', async (t) => {
  const tenant = await createTenant(app);
  const courseId = await importGolf12(tenant.author.email);
  const { registrationId, token } = await launch(tenant.learner.email, courseId);
  const sent = 300;
  const answers: Answer[] = await Promise.all(
    Array.from({ length: sent }, async (_, i) => {
      const r = await content.inject({ method: 'POST', url: `/r/${token}/commit`, headers: { 'content-type': 'application/json' }, payload: body(i + 1) });
      return { sequence: i + 1, status: r.statusCode, json: r.json(), retryAfter: r.headers['retry-after'] as string | undefined };
    }),
  );
  const { accepted, refused } = checkAnswers(t, answers, sent);
  t.comment(`${accepted.length} acknowledged, ${refused.length} refused as busy`);
  t.ok(accepted.length > 0, 'the commits in the queue are applied');
  const last = Math.max(...accepted.map((a) => a.sequence));
  t.equal((await registrationOf(tenant.learner.email, registrationId)).location, String(last), 'the highest acknowledged commit is what is stored');
});

t.test('commits of one registration run one at a time, and beyond the queue’s length they are refused at once', async (t) => {
  const queue = new KeyedQueue(3);
  const order: string[] = [];
  let running = 0;
  let mostAtOnce = 0;
  const release: (() => void)[] = [];
  const task = (name: string) => () => {
    running++;
    mostAtOnce = Math.max(mostAtOnce, running);
    order.push(name);
    return new Promise<string>((resolve) => release.push(() => {
      running--;
      resolve(name);
    }));
  };
  const first = queue.run('registration-a', task('a1'));
  const second = queue.run('registration-a', task('a2'));
  const third = queue.run('registration-a', task('a3'));
  await t.rejects(queue.run('registration-a', task('a4')), CommitBusyError, 'a fourth is refused while three are queued');
  const other = queue.run('registration-b', task('b1'));
  await new Promise((resolve) => setImmediate(resolve));
  t.same(order, ['a1', 'b1'], 'one at a time per registration; another registration does not wait');
  while (release.length) {
    release.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
  }
  t.same(await Promise.all([first, second, third, other]), ['a1', 'a2', 'a3', 'b1'], 'in the order they came');
  t.equal(mostAtOnce, 2, 'never two of one registration at once');
  t.equal(await queue.run('registration-a', async () => 'again'), 'again', 'once drained, the queue takes commits again');
});

t.test('while a token is flooded and its attempt locked elsewhere, at most one pooled connection waits and other users get answers', async (t) => {
  const tenant = await createTenant(app);
  const courseId = await importGolf12(tenant.author.email);
  const { registrationId, token } = await launch(tenant.learner.email, courseId);
  const admin = await apiToken(app, tenant.admin.email);

  // On Postgres another process (a connection of our own, outside the app's pool) holds the attempt's row lock, and
  // a second one watches who waits for it. PGlite is one connection in this process: nothing else can hold a lock,
  // so there the flood runs against the unlocked row and only the answers are checked.
  const holder = usingPostgres ? await openDatabase({ databaseUrl: process.env.DATABASE_URL!, dataDir: '', maxConnections: 1 }) : null;
  const monitor = usingPostgres ? await openDatabase({ databaseUrl: process.env.DATABASE_URL!, dataDir: '', maxConnections: 1 }) : null;
  t.teardown(async () => {
    await holder?.close();
    await monitor?.close();
  });
  let release = () => {};
  let holderPid = 0;
  let holding: Promise<unknown> = Promise.resolve();
  if (holder) {
    const released = new Promise<void>((resolve) => (release = resolve));
    await new Promise<void>((resolve, reject) => {
      holding = holder.db
        .transaction(async (tx) => {
          const [row] = (await tx.execute(sql`select pg_backend_pid() as pid`)) as unknown as { pid: number }[];
          holderPid = row!.pid;
          await tx.execute(sql`select id from sco_attempts where registration_id = ${registrationId} for update`);
          resolve();
          await released;
        })
        .catch(reject);
    });
  }
  /** Connections waiting for the holder's lock, directly or in the queue behind another waiter. */
  const blocked = async () => {
    if (!monitor) return 0;
    const [row] = (await monitor.db.execute(sql`
      with recursive waiting(pid) as (
        select pid from pg_stat_activity where ${holderPid} = any(pg_blocking_pids(pid))
        union
        select a.pid from pg_stat_activity a join waiting w on w.pid = any(pg_blocking_pids(a.pid))
      )
      select count(*)::int as n from waiting`)) as unknown as { n: number }[];
    return row!.n;
  };

  const sent = 40;
  const commits = Array.from({ length: sent }, async (_, i): Promise<Answer> => {
    const r = await content.inject({ method: 'POST', url: `/r/${token}/commit`, headers: { 'content-type': 'application/json' }, payload: body(i + 1) });
    return { sequence: i + 1, status: r.statusCode, json: r.json(), retryAfter: r.headers['retry-after'] as string | undefined };
  });
  if (monitor) while ((await blocked()) === 0) await new Promise((resolve) => setTimeout(resolve, 10));

  // Meanwhile another user opens a page that needs the database. Watch the lock until they have their answer (or
  // until more than one of the app's connections is stuck behind it, which was the bug).
  let otherAnswered = false;
  const other = app.inject({ method: 'GET', url: '/api/users', headers: bearer(admin) }).then((r) => {
    otherAnswered = true;
    return r;
  });
  let mostBlocked = 0;
  while (!otherAnswered) {
    mostBlocked = Math.max(mostBlocked, await blocked());
    if (mostBlocked > 1) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  t.ok(mostBlocked <= 1, `at most one of the app's connections waited on the lock (saw ${mostBlocked})`);
  t.ok(otherAnswered, 'another user was answered while the flood (and the lock) lasted');
  release();
  await holding;
  t.equal((await other).statusCode, 200);

  const answers = await Promise.all(commits);
  const { accepted } = checkAnswers(t, answers, sent);
  const stored = (await registrationOf(tenant.learner.email, registrationId)).location as string | null;
  t.equal(stored, accepted.length ? String(Math.max(...accepted.map((a) => a.sequence))) : null, 'what is stored is the highest acknowledged commit');
});

t.test('a flood over the token’s budget gets 429 with Retry-After; another learner from the same address is not limited', async (t) => {
  const limited = await buildContentApp({ ...config, runtimeRateLimitPerMinute: 10 }, { database: ctx.database });
  t.teardown(() => limited.close());
  const tenant = await createTenant(app);
  const courseId = await importGolf12(tenant.author.email);
  const { token, runtimeUrl } = await launch(tenant.learner.email, courseId);
  const classmate = await createTenant(app);
  const otherCourse = await importGolf12(classmate.author.email);
  const other = await launch(classmate.learner.email, otherCourse);

  const post = (tok: string, n: number) => limited.inject({ method: 'POST', url: `/r/${tok}/commit`, remoteAddress: '10.9.9.9', headers: { 'content-type': 'application/json' }, payload: body(n) });
  for (let n = 1; n <= 10; n++) t.equal((await post(token, n)).statusCode, 200, `commit ${n} is within the budget`);
  const over = await post(token, 11);
  t.equal(over.statusCode, 429);
  t.same(over.json(), { result: false, errorCode: 101 }, 'the runtime gets a SCORM error body it understands');
  t.ok(Number(over.headers['retry-after']) >= 1, 'with Retry-After');
  t.equal((await post(other.token, 1)).statusCode, 200, 'another learner’s token has its own budget');

  for (let n = 1; n <= 10; n++) await limited.inject({ method: 'GET', url: runtimeUrl });
  t.equal((await limited.inject({ method: 'GET', url: runtimeUrl })).statusCode, 429, 'the runtime page has a budget too');
});
