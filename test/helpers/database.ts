// Test databases, real ones: with DATABASE_URL set, the Postgres server (migrated once; tests isolate themselves
// by creating their own random tenant); otherwise an in-memory PGlite per test file, cloned from a migrated
// template dump that is built once per set of migrations, since initdb + migrate costs seconds and ~1 GB.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { openDatabase, type Database } from '../../src/db/client.js';
import { runMigrations } from '../../src/db/migrate.js';
import { MIGRATIONS_DIR, PROJECT_ROOT } from '../../src/paths.js';

function migrationsFingerprint(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else hash.update(entry.name).update(readFileSync(path));
    }
  };
  walk(MIGRATIONS_DIR);
  return hash.digest('hex').slice(0, 16);
}

async function pgliteTemplate(): Promise<Blob> {
  const dir = join(PROJECT_ROOT, '.data', 'test-templates');
  const file = join(dir, `pglite-${migrationsFingerprint()}.tar.gz`);
  if (!existsSync(file)) {
    const fresh = await openDatabase({ databaseUrl: null, dataDir: dir, inMemory: true });
    await runMigrations(fresh);
    const dump = await fresh.dump!();
    await fresh.close();
    mkdirSync(dir, { recursive: true });
    // Write then rename: parallel test files may race to build it, and none may read a half-written file.
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, Buffer.from(await dump.arrayBuffer()));
    renameSync(temp, file);
  }
  return new Blob([readFileSync(file)]);
}

export const usingPostgres = Boolean(process.env.DATABASE_URL);

export async function openTestDatabase(): Promise<Database> {
  if (usingPostgres) {
    const database = await openDatabase({ databaseUrl: process.env.DATABASE_URL!, dataDir: '', maxConnections: 5 });
    await runMigrations(database);
    return database;
  }
  return openDatabase({ databaseUrl: null, dataDir: '', inMemory: true, loadDataDir: await pgliteTemplate() });
}

/** An empty, migrated database of its own (for tests that need "no tenants yet"); dropped again on close. */
export async function openEmptyDatabase(): Promise<Database & { url?: string }> {
  if (!usingPostgres) return openTestDatabase();
  const database = await throwawayPostgresDatabase('sunscorm_empty');
  await runMigrations(database);
  return database;
}

/** A new database on the DATABASE_URL server with nothing applied, dropped again on close. */
export async function throwawayPostgresDatabase(prefix: string): Promise<Database & { url: string }> {
  const url = new URL(process.env.DATABASE_URL!);
  const name = `${prefix}_${process.pid}_${Date.now()}`;
  const admin = await openDatabase({ databaseUrl: url.toString(), dataDir: '', maxConnections: 1 });
  await admin.db.execute(sql.raw(`create database ${name}`));
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), dataDir: '', maxConnections: 2 });
  return {
    ...database,
    url: url.toString(),
    async close() {
      await database.close();
      await admin.db.execute(sql.raw(`drop database if exists ${name}`));
      await admin.close();
    },
  };
}
