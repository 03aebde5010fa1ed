// The content origin: a separate, minimal Fastify app (its own port, or its own host behind a proxy) that serves
// extracted package files and nothing else. Packages are untrusted HTML and JS; on their own origin they cannot
// read the app's pages, its CSRF tokens or its API responses (the same-origin policy keeps them out), and the app's
// session cookie is HttpOnly and never consulted here. Access comes only from a signed, expiring URL prefix.
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { LocalContentStore } from '../lib/content-store.js';
import { loggerOptions } from '../lib/logger.js';
import { unsafeNameReason } from '../lib/zip.js';
import { findVersionStorage } from '../modules/courses/courses.queries.js';
import { readContentGrant } from './content-urls.js';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { applyCommit, type CommitBody } from '../modules/player/commit.service.js';
import { CommitBusyError } from '../modules/player/commit-queue.js';
import { cachedLaunchAccess, LaunchClosedError, prepareRuntime, readRuntimeGrant } from '../modules/player/player.service.js';
import { runtimeLimits } from './runtime-limits.js';
import { PUBLIC_DIR } from '../paths.js';
import inputGuardPlugin from '../plugins/input-guard.js';
import { toProblem } from '../plugins/errors.js';
import { join } from 'node:path';

interface CachedVersion {
  tenantId: string;
  storageKey: string;
  expires: number;
}

const CACHE_MS = 60_000;

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

const scormAgainDir = join(dirname(createRequire(import.meta.url).resolve('scorm-again')), '..', 'dist');

export interface ContentAppOptions {
  database: Database;
  /** The app's request metrics, when both run in one process (server.ts), so that /metrics covers content too. */
  countRequests?: (app: FastifyInstance) => void;
}

export async function buildContentApp(config: Config, { database, countRequests }: ContentAppOptions): Promise<FastifyInstance> {
  // Signed tokens sit in the path, longer than the router's default 100-character parameter limit.
  const app = Fastify({ logger: loggerOptions(config), trustProxy: config.trustProxy, routerOptions: { maxParamLength: 1000 } });
  countRequests?.(app);
  const store = new LocalContentStore(config.dataDir);
  // Versions are immutable, so their storage location can be cached; a deleted course stops being served within
  // CACHE_MS (its files are removed at once anyway).
  const versions = new Map<string, CachedVersion>();

  await app.register(fastifyStatic, { root: config.dataDir, serve: false });
  const limits = await runtimeLimits(app, config);
  // A learner's content link lasts as long as their access (checked through a short cache: files come by the dozen).
  const launchAccess = cachedLaunchAccess(database.db);
  // sendBeacon posts text/plain; commits are JSON either way. Commits carry the whole CMI: allow a few MB.
  // Parsed here rather than in the route, so the input guard sees the commit's values (an escaped NUL included).
  app.addContentTypeParser('text/plain', { parseAs: 'string', bodyLimit: 8 * 1024 * 1024 }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (error) {
      done(Object.assign(error as SyntaxError, { statusCode: 400 }), undefined);
    }
  });
  // The same refusals as the app: no NUL or lone surrogate reaches the database from a commit or a path.
  await app.register(inputGuardPlugin);
  // Errors are answered like the app's (a clear 4xx, a 5xx without internals), in the form each caller reads: the
  // runtime's commit expects { result, errorCode } (the general SCORM error of its standard), people get text.
  app.setErrorHandler((error: Error, request, reply) => {
    const problem = toProblem(error);
    if (problem.statusCode >= 500) request.log.error({ err: error }, 'content request failed');
    else request.log.info({ code: problem.code, statusCode: problem.statusCode }, problem.message);
    reply.code(problem.statusCode);
    if (request.routeOptions.url === '/r/:token/commit') {
      const grant = readRuntimeGrant(config, (request.params as { token?: string }).token ?? '');
      return reply.send({ result: false, errorCode: !grant || grant.s === 'scorm12' ? 101 : 391 });
    }
    return reply.type('text/plain; charset=utf-8').send(problem.message);
  });

  const notFound = { statusCode: 404, message: 'Not found.' };

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    // Only the app (and, inside it, the content origin's own preview and player wrappers) may frame content.
    reply.header('Content-Security-Policy', `frame-ancestors ${config.appOrigin} 'self'`);
    return payload;
  });

  app.get<{ Params: { token: string; '*': string } }>('/c/:token/*', async (request, reply) => {
    const grant = readContentGrant(config, request.params.token);
    if (!grant) return reply.code(403).type('text/plain').send('This content link has expired or is not valid. Reopen the course.');
    if (grant.r && !(await launchAccess(grant.t, grant.r))) return reply.code(403).type('text/plain').send(new LaunchClosedError().message);
    const path = request.params['*'] ?? ''; // already URL-decoded by the router
    if (!path || unsafeNameReason(path) || path.split('/').includes('.')) return reply.code(404).send(notFound);

    let version = versions.get(grant.v);
    if (!version || version.expires < Date.now()) {
      const row = await findVersionStorage(database.db, { versionId: grant.v });
      if (!row) return reply.code(404).send(notFound);
      version = { tenantId: row.tenantId, storageKey: row.storageKey, expires: Date.now() + CACHE_MS };
      versions.set(grant.v, version);
      if (versions.size > 10_000) versions.delete(versions.keys().next().value!);
    }
    if (version.tenantId !== grant.t) return reply.code(404).send(notFound);

    return reply.sendFile(path, store.localRoot(version.storageKey), {
      maxAge: '365d',
      immutable: true,
      acceptRanges: true,
      dotfiles: 'deny',
      index: false,
    });
  });

  // The preview wrapper: a page on the content origin that offers a non-tracking SCORM API and frames the item.
  // Content looks for the API in its parent frame; here that parent is on its own origin, so it finds it.
  app.get<{ Params: { token: string; '*': string } }>('/p/:token/*', async (request, reply) => {
    if (!readContentGrant(config, request.params.token)) return reply.code(403).type('text/plain').send('This preview link has expired. Reopen the course.');
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
    const src = `/c/${encodeURIComponent(request.params.token)}/${request.params['*'].split('/').map(encodeURIComponent).join('/')}${query}`;
    reply.header('Cache-Control', 'no-store');
    return reply.type('text/html; charset=utf-8').send(
      `<!doctype html><html><head><meta charset="utf-8"><title>Preview</title><script src="/_sun/preview-api.js"></script>` +
        `<style>html,body,iframe{margin:0;border:0;width:100%;height:100%;display:block}</style></head>` +
        `<body><iframe src="${escapeAttribute(src)}" title="Course content" allow="fullscreen; autoplay"></iframe></body></html>`,
    );
  });

  // The tracking runtime: a wrapper page (scorm-again + our glue) around the item, and the commit endpoint it
  // posts to, both on this origin so commits are same-origin, synchronous and beacon-able.
  app.get<{ Params: { token: string } }>('/run/:token', { onRequest: limits.launch }, async (request, reply) => {
    const grant = readRuntimeGrant(config, request.params.token);
    if (!grant) return reply.code(403).type('text/plain').send('This launch link has expired. Reopen the course.');
    const launch = await prepareRuntime(database.db, config, grant).catch((error: unknown) => {
      if (error instanceof LaunchClosedError) return 'closed' as const;
      throw error;
    });
    if (launch === 'closed') {
      return reply.code(403).header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(
        `<!doctype html><html><head><meta charset="utf-8"><title>Course not available</title></head>` +
          `<body><p>${new LaunchClosedError().message} Your results so far are kept.</p></body></html>`,
      );
    }
    if (!launch) return reply.code(404).send(notFound);
    reply.header('Cache-Control', 'no-store');
    const json = JSON.stringify({ ...launch, commitUrl: `/r/${request.params.token}/commit`, appOrigin: config.appOrigin }).replace(/</g, '\\u003c');
    return reply.type('text/html; charset=utf-8').send(
      `<!doctype html><html><head><meta charset="utf-8"><title>${escapeAttribute(launch.title)}</title>` +
        `<script src="/_sun/scorm-again.min.js"></script><script type="application/json" id="launch">${json}</script>` +
        `<style>html,body,iframe{margin:0;border:0;width:100%;height:100%;display:block}</style></head>` +
        `<body><iframe id="content" title="${escapeAttribute(launch.title)}" allow="fullscreen; autoplay"></iframe>` +
        `<script src="/_sun/runtime.js"></script></body></html>`,
    );
  });

  app.post<{ Params: { token: string }; Querystring: { final?: string } }>('/r/:token/commit', { onRequest: limits.commit }, async (request, reply) => {
    const grant = readRuntimeGrant(config, request.params.token);
    if (!grant) return reply.code(403).send({ result: false, errorCode: 101 });
    let body = request.body as unknown;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        return reply.code(400).send({ result: false, errorCode: grant.s === 'scorm12' ? 101 : 391 });
      }
    }
    const refused = { result: false, errorCode: grant.s === 'scorm12' ? 101 : 391 };
    try {
      const answer = await applyCommit(database.db, grant, (body ?? {}) as CommitBody, {
        final: request.query.final === 'true',
        suspendDataLimit12: config.scorm12SuspendDataLimit,
        appOrigin: config.appOrigin,
      });
      return reply.send(answer);
    } catch (error) {
      // Too many commits of this registration at once, or a lock held elsewhere: runtime.js sends it again later.
      if (error instanceof CommitBusyError) return reply.code(503).header('retry-after', String(error.retryAfterSeconds)).send(refused);
      // The learner was deactivated or the course closed since the launch: the runtime shows its general error.
      if (error instanceof LaunchClosedError) return reply.code(403).send(refused);
      throw error;
    }
  });

  app.get('/_sun/scorm-again.min.js', async (_request, reply) => reply.sendFile('scorm-again.min.js', scormAgainDir, { maxAge: '1h' }));
  app.get('/_sun/runtime.js', async (_request, reply) => reply.sendFile('runtime.js', join(PUBLIC_DIR, 'content'), { maxAge: '1h' }));

  app.get('/_sun/preview-api.js', async (_request, reply) => reply.sendFile('preview-api.js', join(PUBLIC_DIR, 'content'), { maxAge: '1h' }));

  app.get('/health', async () => ({ status: 'ok' }));
  app.setNotFoundHandler((_request, reply) => reply.code(404).send(notFound));
  return app;
}
