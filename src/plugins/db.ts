// Owns the database connection for the app's lifetime: opens it (or takes one from the caller, as tests do),
// applies migrations, and closes it when the app closes.
import fp from 'fastify-plugin';
import { openDatabase, type Database, type Db } from '../db/client.js';
import { runMigrations } from '../db/migrate.js';
import type { Config } from '../config.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    database: Database;
  }
}

export interface DbPluginOptions {
  config: Config;
  /** An already-open database; the app then neither migrates nor closes it. */
  database?: Database;
}

export default fp<DbPluginOptions>(
  async (app, { config, database }) => {
    const owned = !database;
    const opened = database ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
    if (owned) {
      await runMigrations(opened);
      app.addHook('onClose', () => opened.close());
    }
    app.decorate('database', opened);
    app.decorate('db', opened.db);
  },
  { name: 'db' },
);
