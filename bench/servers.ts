// Setup shared by the benchmarks that drive the whole stack over HTTP (commits.ts, noisy-neighbour.ts): the app and
// the content origin on loopback ports with production settings, on in-memory PGlite or DATABASE_URL, seeded with
// the demo data; the Golf SCORM 1.2 package imported as the demo author; learners with a launched attempt.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { buildApp } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';
import { buildContentApp } from '../src/content/content-app.js';
import { openDatabase, type Db } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { tenants, type Tenant } from '../src/db/schema/index.js';
import { DEMO_PASSWORD, seedDemoData } from '../src/cli/demo-data.js';
import { insertUser, type Principal } from '../src/modules/accounts/accounts.queries.js';
import { launchItem, openRegistration } from '../src/modules/player/player.service.js';
import { PROJECT_ROOT } from '../src/paths.js';

const GOLF_12 = join(PROJECT_ROOT, '..', 'shared', 'fixtures', 'scorm', 'scorm12-single-sco-basic-runtime-golf', 'singlescobasic.zip');

/** The response's JSON, or an error saying what answered what. */
export async function json(response: Response, what: string) {
  const text = await response.text();
  if (!response.ok) throw new Error(`${what} answered ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

/**
 * Builds both apps and listens; `close()` closes them, the database and the data directory. A kept Postgres
 * database is seeded only if it has no tenants yet.
 */
export async function startServers(name: string, overrides: Partial<Config>) {
  const dataDir = await mkdtemp(join(tmpdir(), `sun-scorm-${name}-bench-`));
  const database = process.env.DATABASE_URL
    ? await openDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: '' })
    : await openDatabase({ databaseUrl: null, dataDir: '', inMemory: true });
  const config = loadConfig(
    { NODE_ENV: 'production', LOG_LEVEL: 'silent', SESSION_SECRET: randomBytes(32).toString('hex'), DATA_DIR: dataDir },
    { cookieSecure: false, ...overrides },
  );
  let app: Awaited<ReturnType<typeof buildApp>> | null = null;
  let content: Awaited<ReturnType<typeof buildContentApp>> | null = null;
  const close = async () => {
    await content?.close();
    await app?.close();
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await runMigrations(database);
    app = await buildApp(config, { database });
    content = await buildContentApp(config, { database });
    await seedDemoData(database.db, { production: false }); // a no-op on a database that already has tenants
    const appUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    const contentUrl = await content.listen({ host: '127.0.0.1', port: 0 });
    return { database, config, app, content, appUrl, contentUrl, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Imports the Golf 1.2 package as the demo author, through the API as a client would. Returns the course id. */
export async function importGolf12(appUrl: string): Promise<string> {
  const token = (
    await json(
      await fetch(`${appUrl}/api/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'author@acme.test', password: DEMO_PASSWORD }),
      }),
      'POST /api/auth/token',
    )
  ).data.token as string;
  const form = new FormData();
  form.append('file', new Blob([readFileSync(GOLF_12)], { type: 'application/zip' }), 'singlescobasic.zip');
  const imported = await json(
    await fetch(`${appUrl}/api/courses`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form }),
    'POST /api/courses',
  );
  return imported.data.course.id as string;
}

/** The demo tenant (acme). */
export async function demoTenant(db: Db): Promise<Tenant> {
  const [tenant] = await db.select().from(tenants).where(eq(tenants.slug, 'acme'));
  if (!tenant) throw new Error('no tenant "acme": the database has tenants, but not the demo ones');
  return tenant;
}

/** A new learner of the tenant with a registration and a launched attempt, made directly (no sign-in: not what we time). */
export async function launchedLearner(db: Db, config: Config, tenant: Tenant, courseId: string, learner: { email: string; displayName: string; passwordHash: string }) {
  const { email, displayName, passwordHash } = learner;
  const user = await insertUser(db, { tenantId: tenant.id, email, displayName, passwordHash, role: 'learner' });
  const principal: Principal = {
    userId: user.id, tenantId: tenant.id, tenantName: tenant.name, tenantSlug: tenant.slug, role: 'learner', email, displayName,
    via: 'token', credentialId: 'bench',
  };
  const { registration } = await openRegistration(db, principal, courseId);
  const runtimeToken = (await launchItem(db, config, principal, registration.id)).runtimeToken!;
  return { principal, registrationId: registration.id, runtimeToken };
}
