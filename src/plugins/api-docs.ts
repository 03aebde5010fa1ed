// The JSON API's reference: @fastify/swagger builds an OpenAPI 3 document from the TypeBox schemas every /api route
// declares (served at /api/docs/json), and @fastify/swagger-ui shows it at /api/docs. Registered before the routes
// so its onRoute hook sees them all; pages, the LRS (/xapi, specified by xAPI itself) and health stay out of it.
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import { VERSION } from '../paths.js';

export const API_DOCS_PREFIX = '/api/docs';

/**
 * The app's CSP with the one thing Swagger UI needs on its own routes and nowhere else: its bundle injects a
 * `<style>` element at run time (seen in Chromium as a style-src-elem violation). Inline style cannot run code, so
 * style-src gets 'unsafe-inline' (a hash would break silently on the next swagger-ui release); scripts, frames,
 * connections and everything else stay exactly as strict as on the app's pages.
 */
export function docsCsp(appCsp: string): string {
  return appCsp
    .split(';')
    .map((directive) => directive.trim())
    .filter(Boolean)
    .map((directive) => (directive.startsWith('style-src ') ? `${directive} 'unsafe-inline'` : directive))
    .join(';');
}

export default fp(
  async (app) => {
    await app.register(fastifySwagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'Sun-SCORM API',
          version: VERSION,
          description: 'Every answer is `{ success: true, data }` or `{ success: false, error: { code, message, details? } }`. '
            + 'Get a token from POST /api/auth/token and send it as `Authorization: Bearer <token>`.',
        },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
        security: [{ bearer: [] }],
      },
      transform: ({ schema, url }) => ({ schema: url.startsWith('/api/') ? schema : { ...schema, hide: true }, url }),
    });
    await app.register(fastifySwaggerUi, {
      routePrefix: API_DOCS_PREFIX,
      // No calls to swagger.io's online validator: the page works on a closed network and leaks nothing.
      validatorUrl: false,
      // Only the docs routes (this plugin's scope) get the relaxed header; the app's pages keep theirs.
      transformStaticCSP: docsCsp,
    });
  },
  { name: 'api-docs' },
);
