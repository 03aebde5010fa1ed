import t from 'tap';
import { ConfigError, loadConfig } from '../../src/config.js';

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
