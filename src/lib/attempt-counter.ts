// Fixed-window counters for failed sign-ins. In one process a Map is enough; with REDIS_URL set the counts live in
// Redis so that every app process behind a load balancer sees the same failures.
import type { Redis } from 'ioredis';

export interface AttemptCount {
  count: number;
  retryAfterSeconds: number;
}

export interface AttemptCounter {
  hit(key: string, windowSeconds: number): Promise<void>;
  peek(key: string): Promise<AttemptCount>;
  clear(key: string): Promise<void>;
}

export class MemoryAttemptCounter implements AttemptCounter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  async hit(key: string, windowSeconds: number) {
    const now = Date.now();
    const current = this.windows.get(key);
    if (current && current.resetAt > now) current.count += 1;
    else this.windows.set(key, { count: 1, resetAt: now + windowSeconds * 1000 });
    if (this.windows.size > 50_000) this.prune(now);
  }

  async peek(key: string): Promise<AttemptCount> {
    const now = Date.now();
    const current = this.windows.get(key);
    if (!current || current.resetAt <= now) return { count: 0, retryAfterSeconds: 0 };
    return { count: current.count, retryAfterSeconds: Math.ceil((current.resetAt - now) / 1000) };
  }

  async clear(key: string) {
    this.windows.delete(key);
  }

  private prune(now: number) {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}

export class RedisAttemptCounter implements AttemptCounter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'sun-scorm:attempts:',
  ) {}

  async hit(key: string, windowSeconds: number) {
    // NX: the window starts with the first failure and is not extended by later ones.
    await this.redis.multi().incr(this.prefix + key).pexpire(this.prefix + key, windowSeconds * 1000, 'NX').exec();
  }

  async peek(key: string): Promise<AttemptCount> {
    const result = await this.redis.multi().get(this.prefix + key).pttl(this.prefix + key).exec();
    const count = Number(result?.[0]?.[1] ?? 0);
    const ttl = Number(result?.[1]?.[1] ?? -1);
    return { count, retryAfterSeconds: ttl > 0 ? Math.ceil(ttl / 1000) : 0 };
  }

  async clear(key: string) {
    await this.redis.del(this.prefix + key);
  }
}
