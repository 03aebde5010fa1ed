import { count } from 'drizzle-orm';
import t from 'tap';
import { tenants } from '../../src/db/schema/index.js';
import { DEMO_PASSWORD, DEMO_USERS, demoLoginsText, seedDemoData } from '../../src/cli/demo-data.js';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openEmptyDatabase } from '../helpers/database.js';

t.test('the demo tenant is created on an empty database, and every demo user signs in', async (t) => {
  const database = await openEmptyDatabase();
  t.teardown(() => database.close());
  const result = await seedDemoData(database.db, { production: false });
  t.equal(result.seeded, true);
  const app = await buildApp(loadConfig({ NODE_ENV: 'test' }), { database });
  t.teardown(() => app.close());
  for (const user of DEMO_USERS) {
    const r = await app.inject({ method: 'POST', url: '/api/auth/token', payload: { email: user.email, password: DEMO_PASSWORD } });
    t.equal(r.statusCode, 200, `${user.email} signs in`);
    t.equal(r.json().data.user.role, user.role);
  }
  const again = await seedDemoData(database.db, { production: false });
  t.same(again, { seeded: false, reason: 'the database already has tenants' }, 'never twice, never on a database with tenants');
  const [row] = await database.db.select({ value: count() }).from(tenants);
  t.equal(row!.value, 1);
});

t.test('in production the demo users get random passwords, never the known one', async (t) => {
  const database = await openEmptyDatabase();
  t.teardown(() => database.close());
  const result = await seedDemoData(database.db, { production: true });
  t.equal(result.seeded, true);
  if (!result.seeded) return;
  t.ok(result.credentials.every((c) => c.password !== DEMO_PASSWORD && c.password.length >= 16));
  t.equal(new Set(result.credentials.map((c) => c.password)).size, result.credentials.length, 'each password differs');
  const app = await buildApp(loadConfig({ NODE_ENV: 'test' }), { database });
  t.teardown(() => app.close());
  const known = await app.inject({ method: 'POST', url: '/api/auth/token', payload: { email: 'admin@acme.test', password: DEMO_PASSWORD } });
  t.equal(known.statusCode, 401);
  const admin = result.credentials.find((c) => c.email === 'admin@acme.test')!;
  const real = await app.inject({ method: 'POST', url: '/api/auth/token', payload: { email: admin.email, password: admin.password } });
  t.equal(real.statusCode, 200);
});

t.test('the demo logins are printed as a short plain block: where to go, then each email, password and role', async (t) => {
  const credentials = DEMO_USERS.map((u) => ({ email: u.email, password: DEMO_PASSWORD, role: u.role }));
  const text = demoLoginsText(credentials, 'http://127.0.0.1:3000');
  t.notMatch(text, /^\s*\{/m, 'not JSON log lines');
  t.match(text, /Open http:\/\/127\.0\.0\.1:3000\/ and sign in with/);
  for (const user of DEMO_USERS) t.match(text, new RegExp(`^ +${user.email} +${DEMO_PASSWORD} +${user.role}$`, 'm'), user.email);
  t.match(demoLoginsText(credentials, null), /^Created the demo tenant "Acme Learning"\. Sign in with:$/m, 'npm run seed: no server to open');
});
