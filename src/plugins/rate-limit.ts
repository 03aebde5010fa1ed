// Request rate limits per IP (@fastify/rate-limit) and the failed-sign-in counters. Both live in Redis when
// REDIS_URL is set, so several app processes enforce one limit; otherwise in this process's memory.
import fastifyRateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { MemoryAttemptCounter, RedisAttemptCounter, type AttemptCounter } from '../lib/attempt-counter.js';
import { connectRedis } from '../lib/redis.js';

declare module 'fastify' {
  interface FastifyInstance {
    attempts: AttemptCounter;
  }
}

export default fp<{ config: Config }>(
  async (app, { config }) => {
    const redis = await connectRedis(app, config.redisUrl);

    await app.register(fastifyRateLimit, {
      global: true,
      max: config.rateLimitPerMinute,
      timeWindow: '1 minute',
      redis,
      nameSpace: 'sun-scorm:rl:',
      // If Redis is briefly unreachable, serve requests unlimited rather than failing every one of them.
      skipOnError: true,
      // Static files and health checks are cheap and polled by browsers and load balancers.
      allowList: (request) => request.url.startsWith('/static/') || request.url.split('?')[0] === '/health',
    });

    const attempts: AttemptCounter = redis ? new RedisAttemptCounter(redis) : new MemoryAttemptCounter();
    app.decorate('attempts', attempts);
  },
  { name: 'rate-limit' },
);
