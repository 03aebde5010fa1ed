import { sql } from 'drizzle-orm';
import { openDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
const database = await openDatabase({ databaseUrl: null, dataDir: '', inMemory: true });
await runMigrations(database);
const db = database.db;
async function measure(name: string, op: (i: number, n: number) => Promise<unknown>) {
  let n = 0; const end = performance.now() + 2000;
  await Promise.all(Array.from({ length: 50 }, async (_, i) => { while (performance.now() < end) { await op(i, n); n++; } }));
  console.log(name, n / 2, '/s');
}
await measure('drizzle select 1', () => db.execute(sql`select 1`));
await measure('drizzle select 1 again', () => db.execute(sql`select 1`));
await measure('drizzle select now()', () => db.execute(sql`select now()`));
