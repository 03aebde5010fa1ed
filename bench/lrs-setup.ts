// What both LRS benchmarks start from: a database (in-memory PGlite, or Postgres with DATABASE_URL) migrated and
// seeded, the app listening on a free port with rate limits out of the way, and an `all` key of the demo tenant.
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { tenants, users } from '../src/db/schema/index.js';
import { seedDemoData } from '../src/cli/demo-data.js';
import { createCredential } from '../src/modules/xapi/credentials.service.js';

export async function startLrsBench(name: string) {
  const dataDir = await mkdtemp(join(tmpdir(), `sun-scorm-${name}-`));
  const database = process.env.DATABASE_URL
    ? await openDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: '' })
    : await openDatabase({ databaseUrl: null, dataDir: '', inMemory: true });
  const config = loadConfig(
    { NODE_ENV: 'production', LOG_LEVEL: 'silent', SESSION_SECRET: randomBytes(32).toString('hex'), DATA_DIR: dataDir },
    { cookieSecure: false, rateLimitPerMinute: 1_000_000_000, lrsRateLimitPerMinute: 1_000_000_000 },
  );
  await runMigrations(database);
  const app = await buildApp(config, { database });
  const close = async () => {
    await app.close();
    await database.close();
  };
  try {
    await seedDemoData(database.db, { production: false });
    const [tenant] = await database.db.select().from(tenants).where(eq(tenants.slug, 'acme'));
    const [admin] = await database.db.select().from(users).where(eq(users.email, 'admin@acme.test'));
    if (!tenant || !admin) throw new Error('the demo tenant is missing');
    const principal = {
      userId: admin.id, tenantId: tenant.id, tenantName: tenant.name, tenantSlug: tenant.slug, role: 'admin' as const, email: admin.email,
      displayName: admin.displayName, via: 'token' as const, credentialId: 'bench',
    };
    const { key, secret } = await createCredential(database.db, principal, { name: 'bench', scope: 'all' });
    const statementsUrl = `${await app.listen({ host: '127.0.0.1', port: 0 })}/xapi/statements`;
    const headers = { authorization: `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`, 'x-experience-api-version': '2.0.0' };
    return { database, config, tenant, statementsUrl, headers, close };
  } catch (error) {
    await close();
    throw error;
  }
}
