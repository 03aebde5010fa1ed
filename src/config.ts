// The only reader of process.env. Every setting is parsed and checked here once, at boot; a bad value stops the
// process with one message that lists every bad key, so an operator fixes them all in one go.
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { PROJECT_ROOT } from './paths.js';

export type NodeEnv = 'development' | 'production' | 'test';

/** Where generated files go when several processes must share them (src/lib/s3-content-store.ts). */
export interface S3Config {
  /** Unset: AWS itself; set: MinIO, Ceph, R2... */
  endpoint: string | null;
  bucket: string;
  region: string;
  /** Both unset: the AWS SDK's own credential chain (instance role, AWS_PROFILE...). */
  accessKeyId: string | null;
  secretAccessKey: string | null;
  /** The bucket in the path (http://host/bucket/key), which most S3-compatible servers need. */
  forcePathStyle: boolean;
}

export interface Config {
  nodeEnv: NodeEnv;
  host: string;
  port: number;
  /** Public base URL, used for absolute links and to decide whether cookies are Secure. */
  publicUrl: string | null;
  dataDir: string;
  /** Unset: embedded PGlite in DATA_DIR/pglite. */
  databaseUrl: string | null;
  redisUrl: string | null;
  sessionSecret: string;
  /**
   * SESSION_SECRET is unset (outside production): sessionSecret is random for this process, and server.ts swaps in
   * the one kept in DATA_DIR (lib/session-secret.ts) so that a restart does not sign everyone out.
   */
  sessionSecretGenerated: boolean;
  sessionTtlHours: number;
  apiTokenTtlHours: number;
  cookieSecure: boolean;
  bodyLimitBytes: number;
  /** Requests a minute per IP across the whole app (login failures have their own, stricter limit). */
  rateLimitPerMinute: number;
  loginMaxFailuresPerMinute: number;
  trustProxy: boolean;
  logLevel: string;
  /** Create the demo tenant on first start of an empty embedded database. */
  seedDemo: boolean;
  /** Debian's Chromium, for PDF export (Puppeteer) and the browser tests. */
  chromiumPath: string;
  /**
   * Package content (untrusted HTML and JS) is served from its own origin so that it can never act with a user's
   * session. CONTENT_PORT: where this process serves it (0: not here, e.g. another process or a CDN serves it);
   * CONTENT_ORIGIN: the public URL browsers use for it.
   */
  contentPort: number;
  contentOrigin: string;
  /** This app's own origin as browsers see it (PUBLIC_URL's origin, else http://HOST:PORT). */
  appOrigin: string;
  uploadMaxBytes: number;
  /** Largest LRS request body (statements with attachments, documents). */
  lrsBodyLimitBytes: number;
  /** LRS requests a minute per key: LRS clients batch and sync, so they get their own, larger budget. */
  lrsRateLimitPerMinute: number;
  /**
   * Requests a minute per SCORM launch (its attempt) on each runtime endpoint of the content origin: the commit
   * endpoint and the runtime page. A SCO autocommits every 30 s and on LMSCommit; only a flood comes near this.
   */
  runtimeRateLimitPerMinute: number;
  /** A cmi5 session with no statement for this long is abandoned by the LMS (the learner left without "terminated"). */
  cmi5SessionTimeoutMinutes: number;
  /** SCORM 1.2 cmi.suspend_data limit: the spec says 4,096; real content needs more (lenient default 64,000). */
  scorm12SuspendDataLimit: number;
  /** Unset: /health shows counts to the signed-in platform operator only; set: also to `Authorization: Bearer` it. */
  healthToken: string | null;
  /** Unset: /metrics is for the signed-in platform operator only; set: also for `Authorization: Bearer` it (a scraper). */
  metricsToken: string | null;
  /** Unset (no S3_BUCKET): generated files stay in DATA_DIR. */
  s3: S3Config | null;
  import: {
    maxTotalBytes: number;
    maxEntries: number;
    /** Largest uncompressed/compressed ratio allowed for an entry over 1 MB (zip-bomb guard). */
    maxCompressionRatio: number;
    maxManifestBytes: number;
  };
}

/** The loopback name that is another site than `host` (127.0.0.1 <-> localhost); other hosts stay as they are. */
function otherLocalSite(host: string): string {
  if (host === '127.0.0.1') return 'localhost';
  if (host === 'localhost' || host === '::1' || host === '[::1]') return '127.0.0.1';
  return host;
}

/**
 * Whether two origins are the same site to a browser (scheme and registrable domain). Without the public suffix
 * list this compares the last two labels of a name, which errs towards "same site" (the safe side for a warning).
 */
export function sameSite(a: string, b: string): boolean {
  const [x, y] = [new URL(a), new URL(b)];
  if (x.protocol !== y.protocol) return false;
  const ip = (h: string) => /^[\d.]+$/.test(h) || h.startsWith('[');
  if (ip(x.hostname) || ip(y.hostname)) return x.hostname === y.hostname;
  const site = (h: string) => h.split('.').slice(-2).join('.');
  return site(x.hostname) === site(y.hostname);
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const problems: string[] = [];
  const str = (key: string, fallback: string) => (env[key]?.trim() ? env[key]!.trim() : fallback);
  const optional = (key: string) => (env[key]?.trim() ? env[key]!.trim() : null);

  const int = (key: string, fallback: number, min: number, max: number) => {
    const raw = env[key]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${key} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };

  const bool = (key: string, fallback: boolean) => {
    const raw = env[key]?.trim().toLowerCase();
    if (!raw) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${key} must be true or false (got "${env[key]}")`);
    return fallback;
  };

  const url = (key: string, protocols: string[]) => {
    const raw = optional(key);
    if (!raw) return null;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) throw new Error('protocol');
      return raw;
    } catch {
      problems.push(`${key} must be a ${protocols.map((p) => p.replace(':', '://')).join(' or ')} URL`);
      return null;
    }
  };

  const nodeEnvRaw = str('NODE_ENV', 'development');
  let nodeEnv: NodeEnv = 'development';
  if (nodeEnvRaw === 'development' || nodeEnvRaw === 'production' || nodeEnvRaw === 'test') nodeEnv = nodeEnvRaw;
  else problems.push(`NODE_ENV must be development, production or test (got "${nodeEnvRaw}")`);

  const publicUrl = url('PUBLIC_URL', ['http:', 'https:']);

  const s3Bucket = optional('S3_BUCKET');
  const s3Keys = [optional('S3_ACCESS_KEY_ID'), optional('S3_SECRET_ACCESS_KEY')] as const;
  const s3 = {
    endpoint: url('S3_ENDPOINT', ['http:', 'https:']),
    region: str('S3_REGION', 'us-east-1'),
    forcePathStyle: bool('S3_FORCE_PATH_STYLE', false),
  };
  // Region and path style alone are harmless defaults (.env.example lists them); an endpoint or keys without a
  // bucket mean the operator meant S3 and forgot where.
  const s3Set = ['S3_ENDPOINT', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'].filter((key) => optional(key));
  if (!s3Bucket && s3Set.length > 0) problems.push(`S3_BUCKET is required when ${s3Set.join(', ')} is set`);
  if (!s3Keys[0] !== !s3Keys[1]) problems.push('S3_SECRET_ACCESS_KEY and S3_ACCESS_KEY_ID must be set together');

  const healthToken = optional('HEALTH_TOKEN');
  if (healthToken && healthToken.length < 32) problems.push('HEALTH_TOKEN must be at least 32 characters');
  const metricsToken = optional('METRICS_TOKEN');
  if (metricsToken && metricsToken.length < 32) problems.push('METRICS_TOKEN must be at least 32 characters');

  let sessionSecret = optional('SESSION_SECRET');
  const sessionSecretGenerated = !sessionSecret && overrides.sessionSecret === undefined;
  if (sessionSecret && sessionSecret.length < 32) {
    problems.push('SESSION_SECRET must be at least 32 characters');
  }
  if (!sessionSecret) {
    if (nodeEnv === 'production') problems.push('SESSION_SECRET is required when NODE_ENV=production');
    // Outside production a per-process secret is fine (server.ts replaces it by one kept in DATA_DIR).
    sessionSecret = randomBytes(32).toString('hex');
  }

  const logLevel = str('LOG_LEVEL', nodeEnv === 'test' ? 'silent' : 'info');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "${logLevel}")`);
  }

  const port = int('PORT', 3000, 0, 65535);
  const contentPort = int('CONTENT_PORT', port === 0 ? 0 : port + 1, 0, 65535);
  const host = str('HOST', '127.0.0.1');
  const localHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const appOrigin = publicUrl ? new URL(publicUrl).origin : `http://${localHost}:${port}`;
  // Package content must live on another *site* than the app: another port or a sub-domain of the same site can
  // plant cookies the app reads and send requests that carry its SameSite cookies. Locally, 127.0.0.1 and localhost
  // are two sites to a browser (an IP address is its own site), so the default puts content on the other one.
  const contentOrigin =
    url('CONTENT_ORIGIN', ['http:', 'https:'])?.replace(/\/+$/, '') ?? `http://${otherLocalSite(localHost)}:${contentPort}`;
  if (contentOrigin === appOrigin) problems.push('CONTENT_ORIGIN must not be the app\'s own origin: package content is untrusted');

  const config: Config = {
    nodeEnv,
    host,
    port,
    publicUrl,
    dataDir: resolve(PROJECT_ROOT, str('DATA_DIR', '.data')),
    databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:']),
    redisUrl: url('REDIS_URL', ['redis:', 'rediss:']),
    sessionSecret,
    sessionSecretGenerated,
    sessionTtlHours: int('SESSION_TTL_HOURS', 12, 1, 24 * 90),
    apiTokenTtlHours: int('API_TOKEN_TTL_HOURS', 24 * 30, 1, 24 * 365),
    cookieSecure: bool('COOKIE_SECURE', publicUrl?.startsWith('https:') ?? nodeEnv === 'production'),
    bodyLimitBytes: int('BODY_LIMIT_BYTES', 1024 * 1024, 1024, 1024 * 1024 * 1024),
    rateLimitPerMinute: int('RATE_LIMIT_PER_MINUTE', 600, 1, 1_000_000),
    lrsBodyLimitBytes: int('LRS_BODY_LIMIT_BYTES', 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    lrsRateLimitPerMinute: int('LRS_RATE_LIMIT_PER_MINUTE', 30_000, 1, 10_000_000),
    runtimeRateLimitPerMinute: int('RUNTIME_RATE_LIMIT_PER_MINUTE', 600, 1, 10_000_000),
    cmi5SessionTimeoutMinutes: int('CMI5_SESSION_TIMEOUT_MINUTES', 480, 5, 7 * 24 * 60),
    loginMaxFailuresPerMinute: int('LOGIN_MAX_FAILURES_PER_MINUTE', 10, 1, 10_000),
    trustProxy: bool('TRUST_PROXY', false),
    logLevel,
    seedDemo: bool('SEED_DEMO', nodeEnv !== 'production'),
    chromiumPath: str('CHROMIUM_PATH', '/usr/bin/chromium'),
    contentPort,
    contentOrigin,
    appOrigin,
    uploadMaxBytes: int('UPLOAD_MAX_BYTES', 1024 ** 3, 1024, 64 * 1024 ** 3),
    scorm12SuspendDataLimit: int('SCORM12_SUSPEND_DATA_LIMIT', 64_000, 4_096, 64_000),
    healthToken,
    metricsToken,
    s3: s3Bucket ? { ...s3, bucket: s3Bucket, accessKeyId: s3Keys[0], secretAccessKey: s3Keys[1] } : null,
    import: {
      maxTotalBytes: int('IMPORT_MAX_TOTAL_BYTES', 4 * 1024 ** 3, 1024, 256 * 1024 ** 3),
      maxEntries: int('IMPORT_MAX_ENTRIES', 50_000, 1, 10_000_000),
      maxCompressionRatio: int('IMPORT_MAX_COMPRESSION_RATIO', 200, 2, 100_000),
      maxManifestBytes: int('MANIFEST_MAX_BYTES', 8 * 1024 * 1024, 1024, 256 * 1024 * 1024),
    },
    ...overrides,
  };

  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
