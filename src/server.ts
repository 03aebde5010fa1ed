// Process entry: read the config, build the app, seed demo data on a fresh embedded database (its logins printed
// once, plainly), listen, and close cleanly on SIGINT/SIGTERM so in-flight requests finish and the database is flushed.
import { buildApp } from './app.js';
import { buildContentApp } from './content/content-app.js';
import { ConfigError, loadConfig, sameSite } from './config.js';
import { demoLoginsText, seedDemoData } from './cli/demo-data.js';
import { withKeptSessionSecret } from './lib/session-secret.js';

async function main() {
  let config;
  try {
    // Without SESSION_SECRET (outside production) the secret is kept in DATA_DIR, so a restart keeps sessions.
    config = await withKeptSessionSecret(loadConfig());
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }

  const app = await buildApp(config);
  // Package content is served on its own origin (see src/content/content-app.ts); 0 means another process does it.
  const contentApp = config.contentPort > 0 ? await buildContentApp(config, { database: app.database, countRequests: app.metrics.countRequests }) : null;

  let demoLogins: string | null = null;
  if (config.seedDemo && !config.databaseUrl) {
    const result = await seedDemoData(app.db, { production: config.nodeEnv === 'production' });
    if (result.seeded) demoLogins = demoLoginsText(result.credentials, config.appOrigin);
  }

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => process.exit(1), 10_000).unref();
    await contentApp?.close();
    await app.close();
    clearTimeout(timer);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ host: config.host, port: config.port });
  // With HOST=localhost the content origin is http://127.0.0.1:PORT+1 (another site), so it must listen there.
  if (contentApp) await contentApp.listen({ host: config.host === 'localhost' ? '127.0.0.1' : config.host, port: config.contentPort });
  app.log.info(`Sun-SCORM is running at ${config.appOrigin}/ (package content from ${config.contentOrigin}/)`);
  // For a person at the terminal, not a log line: printed once, when the demo data is made, once the URL works.
  if (demoLogins) process.stdout.write(`\n${demoLogins}\n`);
  if (sameSite(config.appOrigin, config.contentOrigin)) {
    app.log.warn(
      `Package content (${config.contentOrigin}) is on the same site as the app (${config.appOrigin}): a hostile package ` +
        'could plant cookies and send same-site requests. Serve it from another registrable domain (CONTENT_ORIGIN).',
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
