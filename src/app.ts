// The table of contents: cross-cutting plugins first, then one line per module. Nothing else belongs here.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import { loggerOptions } from './lib/logger.js';
import { createContentStore } from './lib/storage.js';
import apiDocsPlugin from './plugins/api-docs.js';
import auditPlugin from './plugins/audit.js';
import authPlugin from './plugins/auth.js';
import dbPlugin from './plugins/db.js';
import errorsPlugin from './plugins/errors.js';
import inputGuardPlugin from './plugins/input-guard.js';
import jobsPlugin from './plugins/jobs.js';
import metricsPlugin from './plugins/metrics.js';
import rateLimitPlugin from './plugins/rate-limit.js';
import securityPlugin from './plugins/security.js';
import tenancyPlugin from './plugins/tenancy.js';
import viewsPlugin from './plugins/views.js';
import accountsRoutes from './modules/accounts/accounts.routes.js';
import adminRoutes from './modules/admin/admin.routes.js';
import coursesRoutes from './modules/courses/courses.routes.js';
import healthRoutes from './modules/health/health.routes.js';
import homeRoutes from './modules/home/home.routes.js';
import operatorRoutes from './modules/operator/operator.routes.js';
import playerRoutes from './modules/player/player.routes.js';
import reportsRoutes from './modules/player/reports.routes.js';
import lrsCredentialsRoutes from './modules/xapi/credentials.routes.js';
import lrsRoutes from './modules/xapi/lrs.routes.js';
import statementBrowserRoutes from './modules/xapi/statement-browser.routes.js';
import cmi5Routes from './modules/cmi5/cmi5.routes.js';
import { authenticateSession } from './modules/cmi5/session-guard.js';
// What the cross-cutting plugins need from modules is handed to them here (plugins import no module).
import * as accounts from './modules/accounts/accounts.service.js';
import { recordAuditEvents } from './modules/audit/audit.service.js';
import * as jobStore from './modules/jobs/jobs.queries.js';

export interface BuildOptions {
  /** Use this open database (tests); otherwise open the one the config names and migrate it. */
  database?: Database;
}

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(config),
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    requestIdHeader: 'x-request-id',
  });

  await app.register(errorsPlugin);
  await app.register(inputGuardPlugin);
  await app.register(dbPlugin, { config, database: options.database });
  await app.register(securityPlugin, { config });
  await app.register(rateLimitPlugin, { config });
  await app.register(viewsPlugin, { production: config.nodeEnv === 'production' });
  await app.register(authPlugin, { config, accounts });
  await app.register(tenancyPlugin);
  await app.register(auditPlugin, { recordAuditEvents });
  await app.register(jobsPlugin, { store: jobStore });
  await app.register(metricsPlugin, { config });
  // Before the routes: it reads every /api route's schema as the route is added.
  await app.register(apiDocsPlugin);

  // S3_BUCKET set: generated files in the bucket (package content stays on this disk for now).
  const store = createContentStore(config, app.log);

  await app.register(healthRoutes, { config });
  await app.register(accountsRoutes, { config });
  await app.register(homeRoutes);
  await app.register(adminRoutes);
  await app.register(operatorRoutes);
  await app.register(coursesRoutes, { config, store });
  await app.register(playerRoutes, { config });
  await app.register(reportsRoutes);
  await app.register(lrsCredentialsRoutes, { config });
  await app.register(statementBrowserRoutes, { config });
  await app.register(cmi5Routes, { config });
  // A launched cmi5 AU's auth token is accepted by the LRS too, under its session's rules.
  await app.register(lrsRoutes, { config, prefix: '/xapi', tokens: authenticateSession });

  return app;
}
