// Which organisation a request acts for. Today that is the signed-in user's tenant (operators have none); every
// query below the routes is handed this id, so a row of another tenant can only ever be "not found".
import fp from 'fastify-plugin';
import { ForbiddenError } from '../lib/errors.js';

export interface RequestTenant {
  id: string;
  name: string;
  slug: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    tenant: RequestTenant | null;
    /** The tenant id for tenant-scoped work; throws 403 for callers without one (operators). */
    tenantId(): string;
  }
}

export default fp(
  async (app) => {
    app.decorateRequest('tenant', null);
    app.decorateRequest('tenantId', function () {
      if (!this.tenant) throw new ForbiddenError('This needs an account in an organisation.');
      return this.tenant.id;
    });
    app.addHook('onRequest', async (request) => {
      const user = request.user;
      if (user?.tenantId && user.tenantName && user.tenantSlug) {
        request.tenant = { id: user.tenantId, name: user.tenantName, slug: user.tenantSlug };
      }
    });
  },
  { name: 'tenancy', dependencies: ['auth'] },
);
