// `npm run seed`: create the demo tenant on the configured database (embedded or DATABASE_URL), if it has none.
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/client.js';
import { runMigrations } from '../db/migrate.js';
import { demoLoginsText, seedDemoData } from './demo-data.js';

const config = loadConfig();
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
try {
  await runMigrations(database);
  const result = await seedDemoData(database.db, { production: config.nodeEnv === 'production' });
  if (!result.seeded) {
    console.log(`Nothing seeded: ${result.reason}.`);
  } else {
    console.log(demoLoginsText(result.credentials, null));
  }
} finally {
  await database.close();
}
