// The slice of autocannon 9's programmatic API that bench/run.ts uses. autocannon ships no types, and
// @types/autocannon describes version 7; declaring what we call keeps `npm run typecheck` strict without a new
// dependency. See node_modules/autocannon/README.md ("Results").
declare module 'autocannon' {
  interface Histogram {
    average: number;
    mean: number;
    stddev: number;
    min: number;
    max: number;
    p50: number;
    p90: number;
    p99: number;
    /** requests only: how many were sent in all. */
    total?: number;
  }

  interface Options {
    url: string;
    connections?: number;
    /** Seconds. */
    duration?: number;
    /** Load-generating worker threads, so that the client does not share the servers' event loop. */
    workers?: number;
    headers?: Record<string, string>;
    method?: 'GET' | 'POST';
    body?: string;
    warmup?: { connections?: number; duration?: number };
  }

  interface Result {
    url: string;
    requests: Histogram;
    /** Milliseconds. */
    latency: Histogram;
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    statusCodeStats: Record<string, { count: number }>;
  }

  export default function autocannon(options: Options): PromiseLike<Result>;
}
