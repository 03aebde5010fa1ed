// Builds the real app on a real database for a test file, plus a random tenant factory and sign-in helpers.
// Every test makes its own tenant, so test files run in parallel on one Postgres server without seeing each other.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.js';
import { buildContentApp } from '../../src/content/content-app.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Database } from '../../src/db/client.js';
import type { TenantRole } from '../../src/db/schema/index.js';
import { hashPassword } from '../../src/lib/passwords.js';
import { insertUser } from '../../src/modules/accounts/accounts.queries.js';
import { insertTenant } from '../../src/modules/operator/operator.queries.js';
import { openTestDatabase } from './database.js';

export const PASSWORD = 'correct-horse-battery';
let passwordHash: Promise<string> | undefined;

export interface TestContext {
  app: FastifyInstance;
  database: Database;
  config: Config;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Extra routes for a test (registered before the app is ready). */
  extend?: (app: FastifyInstance) => void | Promise<void>;
}

export async function buildTestApp(overrides: Partial<Config> = {}, options: TestAppOptions = {}): Promise<TestContext> {
  const database = await openTestDatabase();
  // Each test app gets its own data directory (uploads, content), removed when it closes.
  const dataDir = await mkdtemp(join(tmpdir(), 'sun-scorm-test-'));
  // REDIS_URL, when set (CI's Postgres run), puts rate limits and sign-in counters in the real Redis.
  // The request rate limit is raised so that parallel test files on one Redis do not throttle each other.
  const env = { NODE_ENV: 'test', ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}) };
  const config = loadConfig(env, { cookieSecure: false, rateLimitPerMinute: 1_000_000, dataDir, ...overrides });
  const app = await buildApp(config, { database });
  await options.extend?.(app);
  await app.ready();
  return {
    app,
    database,
    config,
    async close() {
      await app.close();
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestContextWithContent extends TestContext {
  /** The content origin's app (package files and the SCORM runtime), on the same database. */
  content: FastifyInstance;
}

/** A test app plus its content origin; close() closes both. */
export async function buildTestAppWithContent(overrides: Partial<Config> = {}, options: TestAppOptions = {}): Promise<TestContextWithContent> {
  return withContentApp(await buildTestApp(overrides, options));
}

/** Adds the content origin to an app a test already built (e.g. one listening on a port); close() closes both. */
export async function withContentApp<T extends TestContext>(ctx: T): Promise<T & { content: FastifyInstance }> {
  const content = await buildContentApp(ctx.config, { database: ctx.database });
  return {
    ...ctx,
    content,
    async close() {
      await content.close();
      await ctx.close();
    },
  };
}

export function unique(prefix = 't'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export interface TestUser {
  id: string;
  email: string;
  role: TenantRole | 'operator';
}

export interface TestTenant {
  id: string;
  slug: string;
  owner: TestUser;
  admin: TestUser;
  author: TestUser;
  learner: TestUser;
}

/** A fresh tenant with one user per role, all with PASSWORD. */
export async function createTenant(app: FastifyInstance): Promise<TestTenant> {
  passwordHash ??= hashPassword(PASSWORD);
  const hash = await passwordHash;
  const slug = unique('org');
  const tenant = await insertTenant(app.db, { name: `Org ${slug}`, slug, domain: null });
  const make = async (role: TenantRole): Promise<TestUser> => {
    const email = `${role}@${slug}.test`;
    const user = await insertUser(app.db, { tenantId: tenant.id, email, displayName: `${role} of ${slug}`, passwordHash: hash, role });
    return { id: user.id, email, role };
  };
  return { id: tenant.id, slug, owner: await make('owner'), admin: await make('admin'), author: await make('author'), learner: await make('learner') };
}

export async function createOperator(app: FastifyInstance): Promise<TestUser> {
  passwordHash ??= hashPassword(PASSWORD);
  const email = `${unique('op')}@platform.test`;
  const user = await insertUser(app.db, { tenantId: null, email, displayName: 'Operator', passwordHash: await passwordHash, role: 'operator' });
  return { id: user.id, email, role: 'operator' };
}

/** Cookies carried between injected requests, as a browser would. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: LightMyRequestResponse) {
    for (const cookie of response.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      const expired = cookie.maxAge === 0 || (cookie.expires && cookie.expires.getTime() <= Date.now());
      if (expired || cookie.value === '') this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
  }

  get header(): Record<string, string> {
    return Object.fromEntries(this.cookies);
  }

  has(name: string) {
    return this.cookies.has(name);
  }
}

/** A random private address, so per-IP limits never carry over between tests or runs sharing one Redis. */
export function randomIp(): string {
  const [a, b, c] = randomBytes(3);
  return `10.${a}.${b}.${1 + (c! % 250)}`;
}

export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no CSRF token in page');
  return match[1]!;
}

export interface Browser {
  jar: CookieJar;
  csrf: string;
  /** A GET as this browser. */
  get(url: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** A form POST as this browser, with its CSRF token unless `csrf: null`. */
  post(url: string, form: Record<string, string>, options?: { csrf?: string | null; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
}

/** The CSRF token of a page's forms, if it has any. */
function csrfIn(response: LightMyRequestResponse): string | undefined {
  return /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1];
}

/**
 * A browser-like client: fetches the sign-in page for its CSRF cookie and token, then (optionally) signs in. Like a
 * person's browser it posts the token of the last page it loaded (tokens are bound to the session, so the sign-in
 * page's token stops working once signed in, and the page after sign-in brings the session's).
 */
export async function browser(app: FastifyInstance, credentials?: { email: string; password?: string }): Promise<Browser & { loginResponse?: LightMyRequestResponse }> {
  const jar = new CookieJar();
  // Each browser has its own address, so per-IP sign-in limits in one test do not leak into another.
  const remoteAddress = randomIp();
  const page = await app.inject({ method: 'GET', url: '/login', remoteAddress });
  jar.store(page);
  const client: Browser & { loginResponse?: LightMyRequestResponse } = {
    jar,
    csrf: csrfFrom(page.body),
    async get(url, headers = {}) {
      const response = await app.inject({ method: 'GET', url, cookies: jar.header, headers, remoteAddress });
      jar.store(response);
      client.csrf = csrfIn(response) ?? client.csrf;
      return response;
    },
    async post(url, form, options = {}) {
      const body = new URLSearchParams(form);
      const token = options.csrf === undefined ? client.csrf : options.csrf;
      if (token !== null) body.set('_csrf', token);
      const response = await app.inject({
        method: 'POST',
        url,
        remoteAddress,
        cookies: jar.header,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...options.headers },
        payload: body.toString(),
      });
      jar.store(response);
      client.csrf = csrfIn(response) ?? client.csrf;
      return response;
    },
  };
  if (credentials) {
    client.loginResponse = await client.post('/login', { email: credentials.email, password: credentials.password ?? PASSWORD });
    // Follow the redirects to the page a person lands on, which carries the session's token.
    let response = client.loginResponse;
    for (let hops = 0; hops < 5 && response.statusCode === 303 && typeof response.headers.location === 'string'; hops++) {
      response = await client.get(response.headers.location);
    }
  }
  return client;
}

export async function apiToken(app: FastifyInstance, email: string, password = PASSWORD): Promise<string> {
  const response = await app.inject({ method: 'POST', url: '/api/auth/token', payload: { email, password } });
  if (response.statusCode !== 200) throw new Error(`token request failed: ${response.statusCode} ${response.body}`);
  return response.json().data.token;
}

export function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}
