// GET /health for load balancers and people: process and database status. Never cached, never rate-limited;
// answers 503 when the database does not. Anyone sees status, version, uptime and the database's status and
// latency; how many tenants and users the platform has (and which database driver) is for the signed-in platform
// operator and for a monitor holding HEALTH_TOKEN only.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { pingDatabase } from '../../db/client.js';
import { bearerSecretCheck } from '../../lib/bearer-secret.js';
import { VERSION } from '../../paths.js';
import { countTenantsAndUsers } from '../operator/operator.queries.js';

/** Counts are informational and cost a scan each; probes every few seconds need not recount. */
const COUNTS_TTL_MS = 10_000;

export default async function healthRoutes(app: FastifyInstance, { config }: { config: Config }) {
  let counts: { value: { tenants: number; users: number }; at: number } | null = null;
  const carriesHealthToken = bearerSecretCheck(config.healthToken);

  /**
   * The route skips the usual caller lookup so that a probe costs no query, and a database outage is a 503 here
   * rather than a failed lookup; a session cookie or API token is looked up only when one is sent.
   */
  async function maySeeCounts(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    if (carriesHealthToken(request)) return true;
    const caller = await app.identify(request, reply);
    return caller?.role === 'operator';
  }

  app.get('/health', { config: { skipAuth: true } }, async (request, reply) => {
    reply.header('Cache-Control', 'no-store');
    const base = { version: VERSION, uptimeSeconds: Math.round(process.uptime()) };
    try {
      const latencyMs = Math.round((await pingDatabase(app.db)) * 10) / 10;
      if (!(await maySeeCounts(request, reply))) return { status: 'ok', ...base, database: { status: 'ok', latencyMs } };
      if (!counts || Date.now() - counts.at > COUNTS_TTL_MS) counts = { value: await countTenantsAndUsers(app.db), at: Date.now() };
      return { status: 'ok', ...base, database: { status: 'ok', latencyMs, driver: app.database.driver }, counts: counts.value };
    } catch (err) {
      request.log.error({ err }, 'health check: database unavailable');
      return reply.code(503).send({ status: 'error', ...base, database: { status: 'error' } });
    }
  });
}
