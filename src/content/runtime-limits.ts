// Request budgets for the SCORM runtime endpoints of the content origin (the runtime page and the commit endpoint),
// per launch rather than per address: a flood comes from one learner's token, and many learners share an address
// behind a company proxy (issue 10, finding 5). The key is the launch's attempt, so launching again does not reset
// it. The budget (RUNTIME_RATE_LIMIT_PER_MINUTE) is far above what a SCO sends: an autocommit every 30 s plus its
// LMSCommit calls. Counters live in Redis when REDIS_URL is set, so several processes keep one budget, as the app's
// own limits do (src/plugins/rate-limit.ts).
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config.js';
import { connectRedis } from '../lib/redis.js';
import { readRuntimeGrant, type RuntimeGrant } from '../modules/player/player.service.js';

/**
 * A request over budget gets its refusal only after this pause. A flood is a loop of requests, each sent when the
 * last one is answered: answered at once, 300 connections send thousands of refusals a second to be parsed and
 * answered, and everyone sharing the process waits behind them. Held for a second, they send 300.
 */
const REFUSAL_DELAY_MS = 1000;

type Refuse = (reply: FastifyReply, grant: RuntimeGrant, retryAfterSeconds: number) => FastifyReply;

/** Registers the limiter on the content app; returns an onRequest hook per endpoint, each with its own budget. */
export async function runtimeLimits(app: FastifyInstance, config: Config) {
  const redis = await connectRedis(app, config.redisUrl);
  // Not global: package files are many per page and cost no database work; only the runtime endpoints count.
  // If Redis is briefly unreachable, requests go unlimited rather than failing.
  await app.register(fastifyRateLimit, { global: false, redis, nameSpace: 'sun-scorm:rl:runtime:', skipOnError: true });

  const keys = new WeakMap<FastifyRequest, string>();
  const endpoint = (name: string, refuse: Refuse) => {
    const check = app.createRateLimit({
      max: config.runtimeRateLimitPerMinute,
      timeWindow: 60_000,
      keyGenerator: (request) => keys.get(request)!,
    });
    return async (request: FastifyRequest, reply: FastifyReply) => {
      // A token that does not verify is refused by the route at once, without any database work.
      const grant = readRuntimeGrant(config, (request.params as { token?: string }).token ?? '');
      if (!grant) return;
      keys.set(request, `${name}:${grant.a || grant.r}`);
      const limit = await check(request);
      if (limit.isAllowed || !limit.isExceeded) return;
      await sleep(REFUSAL_DELAY_MS);
      return refuse(reply.code(429).header('retry-after', String(Math.max(1, limit.ttlInSeconds))), grant, limit.ttlInSeconds);
    };
  };

  return {
    /** The commit endpoint: refused with the SCORM error the runtime reads, and Retry-After, which it honours. */
    commit: endpoint('commit', (reply, grant) => reply.send({ result: false, errorCode: grant.s === 'scorm12' ? 101 : 391 })),
    /** The runtime page. */
    launch: endpoint('run', (reply, _grant, seconds) =>
      reply.type('text/plain; charset=utf-8').send(`This course was opened too many times in a minute. Try again in ${Math.max(1, seconds)} seconds.`)),
  };
}
