// `/`: each role's home. Learners and authors see their learning, owners and admins the organisation overview,
// operators the tenant list.
import type { FastifyInstance } from 'fastify';
import { organisationOverview } from '../admin/admin.service.js';

export default async function homeRoutes(app: FastifyInstance) {
  app.get('/', { preHandler: app.requireUser }, async (request, reply) => {
    const user = request.user!;
    if (user.role === 'operator') return reply.redirect('/operator', 303);
    if (user.role === 'owner' || user.role === 'admin') {
      const overview = await organisationOverview(app.db, { tenantId: request.tenantId() });
      return reply.page('admin/overview', { title: 'Organisation overview', ...overview });
    }
    return reply.page('home/my-learning', { title: 'My learning', registrations: [] });
  });
}
