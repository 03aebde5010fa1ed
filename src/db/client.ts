// One drizzle schema, two drivers: a Postgres server through postgres.js when DATABASE_URL is set, otherwise
// PGlite (real Postgres compiled to WASM) embedded in this process with its files under DATA_DIR. Both are
// Postgres, so every query, index and migration is the same.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema/index.js';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Database {
  db: Db;
  driver: 'postgres' | 'pglite';
  /** Most connections this process holds at once (PGlite: its one in-process connection). */
  poolSize: number;
  /** Runs `fn` while holding a cluster-wide lock, so that two processes booting together migrate once. */
  withMigrationLock<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** Embedded only: a gzipped dump of the data directory (tests clone a migrated template from it). */
  dump?(): Promise<Blob>;
}

export interface DatabaseOptions {
  databaseUrl: string | null;
  dataDir: string;
  /** Embedded only: start from this data-directory dump instead of an empty one (tests clone a migrated template). */
  loadDataDir?: Blob;
  /** Embedded only: keep the database in memory (tests). */
  inMemory?: boolean;
  maxConnections?: number;
}

const MIGRATION_LOCK_KEY = 7_346_210_001;

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    const poolSize = options.maxConnections ?? 10;
    // postgres.js says nothing about how many of its connections are busy; the server does, by application_name,
    // so each pool gets its own (the metrics plugin counts this pool's connections in pg_stat_activity).
    const applicationName = `sun-scorm ${randomBytes(4).toString('hex')}`;
    const client = postgres(options.databaseUrl, {
      max: poolSize,
      onnotice: () => {},
      connection: { application_name: applicationName },
    });
    const db = drizzlePostgres(client, { schema }) as unknown as Db;
    return {
      db,
      driver: 'postgres',
      poolSize,
      async withMigrationLock(fn) {
        const lockConnection = await client.reserve();
        try {
          await lockConnection`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
          return await fn();
        } finally {
          await lockConnection`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.catch(() => {});
          lockConnection.release();
        }
      },
      close: () => client.end({ timeout: 5 }),
    };
  }

  let dataDir: string | undefined;
  if (!options.inMemory) {
    mkdirSync(options.dataDir, { recursive: true });
    dataDir = join(options.dataDir, 'pglite');
  }
  const client = await PGlite.create({ dataDir, loadDataDir: options.loadDataDir });
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    driver: 'pglite',
    poolSize: 1,
    // PGlite is single-process and single-connection: there is no one to race with.
    withMigrationLock: (fn) => fn(),
    close: () => client.close(),
    dump: () => client.dumpDataDir('gzip'),
  };
}

export async function pingDatabase(db: Db): Promise<number> {
  const started = performance.now();
  await db.execute(sql`select 1`);
  return performance.now() - started;
}
