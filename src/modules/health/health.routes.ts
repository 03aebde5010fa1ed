// GET /health for load balancers and people: process and database status with a few counts. Never cached,
// never authenticated, never rate-limited; answers 503 when the database does not.
import type { FastifyInstance } from 'fastify';
import { pingDatabase } from '../../db/client.js';
import { VERSION } from '../../paths.js';
import { countTenantsAndUsers } from '../operator/operator.queries.js';

/** Counts are informational and cost a scan each; probes every few seconds need not recount. */
const COUNTS_TTL_MS = 10_000;

export default async function healthRoutes(app: FastifyInstance) {
  let counts: { value: { tenants: number; users: number }; at: number } | null = null;

  app.get('/health', { config: { skipAuth: true } }, async (request, reply) => {
    reply.header('Cache-Control', 'no-store');
    const base = { version: VERSION, uptimeSeconds: Math.round(process.uptime()) };
    try {
      const latencyMs = await pingDatabase(app.db);
      if (!counts || Date.now() - counts.at > COUNTS_TTL_MS) counts = { value: await countTenantsAndUsers(app.db), at: Date.now() };
      return {
        status: 'ok',
        ...base,
        database: { status: 'ok', driver: app.database.driver, latencyMs: Math.round(latencyMs * 10) / 10 },
        counts: counts.value,
      };
    } catch (err) {
      request.log.error({ err }, 'health check: database unavailable');
      return reply.code(503).send({ status: 'error', ...base, database: { status: 'error', driver: app.database.driver }, counts: null });
    }
  });
}
