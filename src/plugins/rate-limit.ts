// Request rate limits per IP (@fastify/rate-limit) and the failed-sign-in counters. Both live in Redis when
// REDIS_URL is set, so several app processes enforce one limit; otherwise in this process's memory.
import fastifyRateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { MemoryAttemptCounter, RedisAttemptCounter, type AttemptCounter } from '../lib/attempt-counter.js';

declare module 'fastify' {
  interface FastifyInstance {
    attempts: AttemptCounter;
  }
}

export default fp<{ config: Config }>(
  async (app, { config }) => {
    let redis: Redis | undefined;
    if (config.redisUrl) {
      redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2, connectTimeout: 5000, lazyConnect: true });
      await redis.connect();
      app.addHook('onClose', async () => {
        await redis!.quit();
      });
    }

    await app.register(fastifyRateLimit, {
      global: true,
      max: config.rateLimitPerMinute,
      timeWindow: '1 minute',
      redis,
      nameSpace: 'sun-scorm:rl:',
      // Static files and health checks are cheap and polled by browsers and load balancers.
      allowList: (request) => request.url.startsWith('/static/') || request.url === '/health',
    });

    const attempts: AttemptCounter = redis ? new RedisAttemptCounter(redis) : new MemoryAttemptCounter();
    app.decorate('attempts', attempts);
  },
  { name: 'rate-limit' },
);
