import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { buildApp } from '../../src/app.js';
import { ConfigError, loadConfig, type Config } from '../../src/config.js';
import { loggerOptions } from '../../src/lib/logger.js';
import { withKeptSessionSecret } from '../../src/lib/session-secret.js';
import { browser, buildTestApp, createTenant } from '../helpers/build-app.js';

t.test('defaults give a working development setup', async (t) => {
  const config = loadConfig({});
  t.equal(config.port, 3000);
  t.equal(config.databaseUrl, null, 'embedded database by default');
  t.equal(config.seedDemo, true);
  t.equal(config.cookieSecure, false);
  t.ok(config.sessionSecret.length >= 32, 'a per-process secret outside production');
});

t.test('every bad key is listed at once', async (t) => {
  const error = t.throws(() =>
    loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', REDIS_URL: 'nope', COOKIE_SECURE: 'maybe', NODE_ENV: 'staging', SESSION_SECRET: 'short' }),
  ) as ConfigError;
  t.type(error, ConfigError);
  for (const key of ['PORT', 'DATABASE_URL', 'REDIS_URL', 'COOKIE_SECURE', 'NODE_ENV', 'SESSION_SECRET']) {
    t.ok(error.problems.some((p) => p.startsWith(key)), `${key} is named`);
  }
  t.match(error.message, /PORT must be an integer/);
});

t.test('production requires a session secret and turns demo data and secure cookies on/off', async (t) => {
  t.throws(() => loadConfig({ NODE_ENV: 'production' }), /SESSION_SECRET is required/);
  const config = loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40) });
  t.equal(config.seedDemo, false);
  t.equal(config.cookieSecure, true);
  t.equal(loadConfig({ PUBLIC_URL: 'https://learn.example.com' }).cookieSecure, true);
});

// Without SESSION_SECRET (outside production) the secret is made once and kept in DATA_DIR, so restarting the
// embedded default does not sign everyone out. Production always takes it from SESSION_SECRET.
async function emptyDataDir(t: Test) {
  const dir = await mkdtemp(join(tmpdir(), 'sun-scorm-secret-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'data'); // not there yet, as on a first start
}

t.test('without SESSION_SECRET the session secret is made once in DATA_DIR and reused by every restart', async (t) => {
  const dataDir = await emptyDataDir(t);
  const first = await withKeptSessionSecret(loadConfig({ DATA_DIR: dataDir }));
  const file = join(dataDir, 'session-secret');
  t.equal((await stat(file)).mode & 0o777, 0o600, 'readable by its owner only');
  t.match(first.sessionSecret, /^[0-9a-f]{64}$/, '32 random bytes');
  t.equal((await readFile(file, 'utf8')).trim(), first.sessionSecret);
  const second = await withKeptSessionSecret(loadConfig({ DATA_DIR: dataDir }));
  t.equal(second.sessionSecret, first.sessionSecret, 'the restart signs with the same secret');
  t.equal((await readFile(file, 'utf8')).trim(), first.sessionSecret, 'the file is not rewritten');
});

t.test('a session made before a restart is still valid after it', async (t) => {
  const dataDir = await emptyDataDir(t);
  const ctx = await buildTestApp({ sessionSecret: (await withKeptSessionSecret(loadConfig({ DATA_DIR: dataDir }))).sessionSecret });
  t.teardown(() => ctx.close());
  const tenant = await createTenant(ctx.app);
  const signedIn = await browser(ctx.app, { email: tenant.owner.email });
  const restart = async (config: Config) => {
    const app = await buildApp(config, { database: ctx.database });
    t.teardown(() => app.close());
    return app.inject({ method: 'GET', url: '/', cookies: signedIn.jar.header });
  };
  const kept = await restart({ ...ctx.config, ...(await withKeptSessionSecret(loadConfig({ DATA_DIR: dataDir }))), dataDir: ctx.config.dataDir });
  t.equal(kept.statusCode, 200, 'still signed in');
  const perProcess = await restart({ ...ctx.config, sessionSecret: loadConfig({}).sessionSecret });
  t.equal(perProcess.statusCode, 303, 'a new random secret would have signed the user out');
});

t.test('SESSION_SECRET wins: no file is read or written', async (t) => {
  const dataDir = await emptyDataDir(t);
  const secret = 's'.repeat(40);
  const config = await withKeptSessionSecret(loadConfig({ DATA_DIR: dataDir, SESSION_SECRET: secret }));
  t.equal(config.sessionSecret, secret);
  t.notOk(existsSync(join(dataDir, 'session-secret')));
});

t.test('production never uses a kept secret: SESSION_SECRET is required and no file is written', async (t) => {
  const dataDir = await emptyDataDir(t);
  t.throws(() => loadConfig({ NODE_ENV: 'production', DATA_DIR: dataDir }), /SESSION_SECRET is required/);
  const kept = (await withKeptSessionSecret(loadConfig({ DATA_DIR: dataDir }))).sessionSecret; // a development run left one
  const secret = 'p'.repeat(40);
  const production = await withKeptSessionSecret(loadConfig({ NODE_ENV: 'production', DATA_DIR: dataDir, SESSION_SECRET: secret }));
  t.equal(production.sessionSecret, secret);
  t.not(production.sessionSecret, kept);
});

t.test('a kept secret too short to be safe stops the start with a message saying what to do', async (t) => {
  const dataDir = await emptyDataDir(t);
  await mkdir(dataDir);
  await writeFile(join(dataDir, 'session-secret'), 'short\n', { mode: 0o600 });
  await t.rejects(withKeptSessionSecret(loadConfig({ DATA_DIR: dataDir })), { name: 'ConfigError', message: /session-secret.*at least 32 characters.*delete it/s });
});

t.test('logs are human-readable only in a development terminal; JSON for CI, production, tests and pipes', async (t) => {
  const pretty = (env: Record<string, string>, tty: boolean) => 'stream' in loggerOptions(loadConfig(env), tty);
  t.equal(pretty({ NODE_ENV: 'development' }, true), true);
  t.equal(pretty({ NODE_ENV: 'development' }, false), false, 'piped or in CI');
  t.equal(pretty({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40) }, true), false);
  t.equal(pretty({ NODE_ENV: 'test' }, true), false);
  t.same(loggerOptions(loadConfig({ NODE_ENV: 'development', LOG_LEVEL: 'warn' }), false), { level: 'warn' });
});
