// Server-rendered pages: Eta templates through @fastify/view. `reply.page()` decides once whether to send the full
// page (layout + page) or just the fragment an htmx request asked for, and gives every template the same context.
import fastifyView from '@fastify/view';
import fastifyStatic from '@fastify/static';
import { Eta } from 'eta';
import fp from 'fastify-plugin';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { isHtmxFragment } from '../lib/http.js';
import { PUBLIC_DIR, VERSION, VIEWS_DIR } from '../paths.js';

declare module 'fastify' {
  interface FastifyReply {
    /** Renders `template` as a full page, or as a bare fragment for an htmx request. */
    page(template: string, data?: Record<string, unknown>): Promise<FastifyReply>;
  }
}

export default fp<{ production: boolean }>(
  async (app, { production }) => {
    const eta = new Eta({ views: VIEWS_DIR, cache: production, autoEscape: true, autoTrim: [false, 'nl'] });
    await app.register(fastifyView, { engine: { eta }, root: VIEWS_DIR, production });

    // Static assets are fingerprinted by version in the layout's URLs, so they can be cached hard.
    await app.register(fastifyStatic, {
      root: PUBLIC_DIR,
      prefix: '/static/',
      maxAge: production ? '7d' : 0,
      index: false,
    });
    const htmxDir = join(dirname(createRequire(import.meta.url).resolve('htmx.org/package.json')), 'dist');
    await app.register(fastifyStatic, {
      root: htmxDir,
      prefix: '/static/vendor/htmx/',
      decorateReply: false,
      maxAge: production ? '7d' : 0,
      allowedPath: (path) => path === '/htmx.min.js',
    });

    app.decorateReply('page', async function (this, template: string, data: Record<string, unknown> = {}) {
      const request = this.request;
      const fragment = isHtmxFragment(request);
      this.header('Vary', 'HX-Request');
      const context = {
        user: request.user,
        tenant: request.tenant,
        csrfToken: this.generateCsrf(),
        path: request.url.split('?')[0],
        version: VERSION,
        ...data,
      };
      const html = await this.viewAsync(template, context, fragment ? undefined : { layout: 'layouts/main' });
      return this.type('text/html; charset=utf-8').send(html);
    });
  },
  { name: 'views', dependencies: ['security'] },
);
