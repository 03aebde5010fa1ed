// An acknowledged commit is durable: the real server process is killed with SIGKILL right after commits were
// answered, started again on the same database, and every acknowledged value is still there.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { seedDemoData } from '../../src/cli/demo-data.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { openEmptyDatabase, usingPostgres } from '../helpers/database.js';
import { fixtureZip, multipartFile } from '../helpers/fixtures.js';
import { freePort } from '../helpers/ports.js';

const dataDir = await mkdtemp(join(tmpdir(), 'sun-scorm-crash-'));
const [port, contentPort] = [await freePort(), await freePort()];
const app = `http://127.0.0.1:${port}`;
const content = `http://127.0.0.1:${contentPort}`;

// On Postgres the server gets a database of its own, seeded here; on PGlite it seeds its own data directory.
const database = usingPostgres ? await openEmptyDatabase() : null;
let databaseUrl: string | undefined;
if (database) {
  await seedDemoData(database.db, { production: false });
  databaseUrl = database.url;
}
t.teardown(async () => {
  await database?.close();
  await rm(dataDir, { recursive: true, force: true });
});

function startServer(): ChildProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env, NODE_ENV: 'development', PORT: String(port), CONTENT_PORT: String(contentPort), HOST: '127.0.0.1',
    DATA_DIR: dataDir, LOG_LEVEL: 'warn', SESSION_SECRET: 'crash-test-secret-with-at-least-32-characters', SEED_DEMO: 'true',
  };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  else delete env.DATABASE_URL;
  delete env.REDIS_URL;
  return spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'server.ts')], { env, stdio: ['ignore', 'ignore', 'inherit'] });
}

async function waitForHealth() {
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(`${app}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('server did not start');
}

async function token(email: string) {
  const r = await fetch(`${app}/api/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'sun-scorm-demo' }) });
  return (await r.json()).data.token as string;
}

/** Signs in through the form as a browser does and opens the player; returns the runtime token it hands out. */
async function openPlayer(courseId: string) {
  const login = await fetch(`${app}/login`);
  const csrfCookie = login.headers.getSetCookie().find((c) => c.startsWith('sun_csrf='))!.split(';')[0]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await login.text())![1]!;
  const signedIn = await fetch(`${app}/login`, {
    method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie },
    body: new URLSearchParams({ email: 'learner@acme.test', password: 'sun-scorm-demo', _csrf: csrf }).toString(),
  });
  const cookie = `${csrfCookie}; ${signedIn.headers.getSetCookie().find((c) => c.startsWith('sun_session='))!.split(';')[0]}`;
  const home = await (await fetch(`${app}/`, { headers: { cookie } })).text();
  const pageCsrf = /name="_csrf" value="([^"]+)"/.exec(home)![1]!;
  const started = await fetch(`${app}/courses/${courseId}/start`, {
    method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie }, body: `_csrf=${encodeURIComponent(pageCsrf)}`,
  });
  const playerPath = started.headers.get('location')!;
  const player = await (await fetch(`${app}${playerPath}`, { headers: { cookie } })).text();
  return { registrationId: playerPath.split('/').pop()!, runtime: /\/run\/([^"]+)"/.exec(player)![1]! };
}

t.test('commits acknowledged before a SIGKILL are all there after the restart', async (t) => {
  let server = startServer();
  t.teardown(() => { server.kill('SIGKILL'); });
  await waitForHealth();

  const author = await token('author@acme.test');
  const upload = multipartFile(fixtureZip('scorm12-single-sco-basic-runtime-golf', 'singlescobasic.zip'));
  const imported = await fetch(`${app}/api/courses`, { method: 'POST', headers: { authorization: `Bearer ${author}`, ...upload.headers }, body: upload.payload });
  t.equal(imported.status, 201);
  const courseId = (await imported.json()).data.course.id;
  const { registrationId, runtime } = await openPlayer(courseId);

  for (let sequence = 1; sequence <= 20; sequence++) {
    const answer = await fetch(`${content}/r/${runtime}/commit`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ runtimeData: { cmi: { core: { lesson_status: 'incomplete', lesson_location: String(sequence) }, suspend_data: `state-${sequence}` } }, commitSequence: sequence }),
    });
    t.same(await answer.json(), { result: true, errorCode: 0 }, `commit ${sequence} acknowledged`);
  }
  server.kill('SIGKILL');
  await new Promise((resolve) => server.once('exit', resolve));

  server = startServer();
  await waitForHealth();
  const learner = await token('learner@acme.test');
  const state = (await (await fetch(`${app}/api/registrations/${registrationId}`, { headers: { authorization: `Bearer ${learner}` } })).json()).data;
  t.equal(state.location, '20', 'the last acknowledged location survived');
  t.equal(state.scos[0].suspendData, 'state-20', 'and its suspend data');
  t.equal(state.completionStatus, 'incomplete');
});
