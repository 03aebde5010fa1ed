// The Redis connection behind an app's shared counters (request rate limits, failed sign-ins) when REDIS_URL is set,
// so that several processes enforce one limit. The app and the content origin each open their own.
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';

/** Connects before the app serves and quits when it closes; undefined when no Redis is configured. */
export async function connectRedis(app: FastifyInstance, redisUrl: string | null): Promise<Redis | undefined> {
  if (!redisUrl) return undefined;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2, connectTimeout: 5000, lazyConnect: true });
  redis.on('error', (err) => app.log.error({ err }, 'redis error'));
  await redis.connect();
  app.addHook('onClose', async () => {
    await redis.quit();
  });
  return redis;
}
