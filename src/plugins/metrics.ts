// GET /metrics in the Prometheus text format: HTTP requests and latency by route, job runs, failures and durations by
// kind, the database pool, and the usual Node.js process metrics. Only for a scraper holding METRICS_TOKEN and for
// the signed-in platform operator; anyone else gets the app's ordinary 404, the same answer as a URL that does not
// exist, so the endpoint does not announce itself to people who may not use it (a 401 would invite token guessing).
// A misconfigured scraper still shows up at once: its target is down in Prometheus.
import { sql } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Config } from '../config.js';
import { bearerSecretCheck } from '../lib/bearer-secret.js';

/**
 * The process metrics (CPU, memory, event loop, GC) describe the process, not an app, so they are collected once per
 * process; each app keeps its own metrics in its own registry (tests build many apps in one process, and one shared
 * registry would refuse the second app's metrics) and the two are merged when scraped.
 */
let processRegistry: Registry | null = null;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

const statusClass = (statusCode: number) => `${Math.floor(statusCode / 100)}xx`;

declare module 'fastify' {
  interface FastifyInstance {
    metrics: {
      /** Counts another Fastify app's requests here too (the content origin, in the same process); call before its routes. */
      countRequests(other: FastifyInstance): void;
    };
  }
}

export default fp<{ config: Config }>(
  async (app, { config }) => {
    const registry = new Registry();

    // Labelled by the route's pattern (`/api/courses/:id`), never the URL, so there is one series per route and
    // not one per id; a request that matched no route is `unmatched`. `origin`: the app or the content origin.
    const labelNames = ['origin', 'method', 'route', 'status_class'] as const;
    const requests = new Counter({ name: 'sunscorm_http_requests_total', help: 'HTTP requests answered, by origin (app or content), method, route pattern and status class.', labelNames, registers: [registry] });
    const latency = new Histogram({
      name: 'sunscorm_http_request_duration_seconds',
      help: 'Time from receiving an HTTP request to sending its answer, by origin (app or content), method, route pattern and status class.',
      labelNames,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    const countRequests = (target: FastifyInstance, origin: 'app' | 'content') =>
      target.addHook('onResponse', async (request, reply) => {
        const labels = { origin, method: request.method, route: request.routeOptions.url ?? 'unmatched', status_class: statusClass(reply.statusCode) };
        requests.inc(labels);
        latency.observe(labels, reply.elapsedTime / 1000);
      });
    countRequests(app, 'app');
    app.decorate('metrics', { countRequests: (other: FastifyInstance) => countRequests(other, 'content') });

    const jobRuns = new Counter({ name: 'sunscorm_job_runs_total', help: 'Background job runs finished by this process (succeeded or failed), by kind.', labelNames: ['kind'], registers: [registry] });
    const jobFailures = new Counter({ name: 'sunscorm_job_failures_total', help: 'Background job runs that failed, by kind.', labelNames: ['kind'], registers: [registry] });
    const jobDuration = new Histogram({
      name: 'sunscorm_job_duration_seconds',
      help: 'Time a background job run took, by kind.',
      labelNames: ['kind'],
      buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
      registers: [registry],
    });
    app.jobs.onRunFinished(({ kind, failed, seconds }) => {
      jobRuns.inc({ kind });
      if (failed) jobFailures.inc({ kind });
      jobDuration.observe({ kind }, seconds);
    });

    const { driver, poolSize } = app.database;
    new Gauge({
      name: 'sunscorm_db_pool_max_connections',
      help:
        driver === 'pglite'
          ? 'Database connections this process may hold: embedded PGlite is a single in-process connection.'
          : 'Database connections this process may hold at once (the postgres.js pool size).',
      labelNames: ['driver'],
      registers: [registry],
    }).set({ driver }, poolSize);
    // postgres.js exposes no count of busy or queued connections; the server knows this pool's connections by its
    // own application_name (see db/client.ts). PGlite has no pool to look into, so it gets no such gauge.
    if (driver === 'postgres') {
      new Gauge({
        name: 'sunscorm_db_connections',
        help: "This process's open database connections by server state (active includes the one answering this scrape).",
        labelNames: ['state'],
        registers: [registry],
        async collect() {
          this.reset();
          try {
            // postgres.js returns the rows themselves.
            const rows = (await app.db.execute(sql`
              select coalesce(state, 'unknown') as state, count(*)::int as count from pg_stat_activity
              where application_name = current_setting('application_name') and datname = current_database()
              group by 1`)) as unknown as { state: string; count: number }[];
            for (const row of rows) this.set({ state: row.state }, row.count);
          } catch (err) {
            // Without the database the other metrics are still worth having; /health reports the outage.
            app.log.warn({ err }, 'metrics: could not count database connections');
          }
        },
      });
    }

    const carriesMetricsToken = bearerSecretCheck(config.metricsToken);

    /** Like /health, the route skips the usual caller lookup: a scraper with the token costs no query. */
    async function mayScrape(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
      if (carriesMetricsToken(request)) return true;
      const caller = await app.identify(request, reply);
      return caller?.role === 'operator';
    }

    // Not rate-limited, like /health and like a URL that matches no route: a refusal carries no rate-limit headers
    // that would tell it apart from a real 404. Guessing a 32+ character token is hopeless anyway.
    app.get('/metrics', { config: { skipAuth: true, rateLimit: false } }, async (request, reply) => {
      if (!(await mayScrape(request, reply))) return reply.callNotFound();
      const merged = Registry.merge([processMetrics(), registry]);
      reply.header('Cache-Control', 'no-store').type(merged.contentType);
      return merged.metrics();
    });
  },
  { name: 'metrics', dependencies: ['db', 'auth', 'jobs'] },
);
