// `/`: each role's home. Learners and authors see their learning, owners and admins the organisation overview,
// operators the tenant list.
import type { FastifyInstance } from 'fastify';
import { organisationOverview } from '../admin/admin.service.js';
import { listCourses } from '../courses/courses.queries.js';
import { listLearnerRegistrations } from '../player/player.queries.js';

export default async function homeRoutes(app: FastifyInstance) {
  app.get('/', { preHandler: app.requireUser }, async (request, reply) => {
    const user = request.user!;
    if (user.role === 'operator') return reply.redirect('/operator', 303);
    if (user.role === 'owner' || user.role === 'admin') {
      const overview = await organisationOverview(app.db, { tenantId: request.tenantId() });
      return reply.page('admin/overview', { title: 'Organisation overview', ...overview });
    }
    const tenantId = request.tenantId();
    const [registrations, open] = await Promise.all([
      listLearnerRegistrations(app.db, { tenantId, userId: user.userId }),
      listCourses(app.db, { tenantId, status: 'active', limit: 100, offset: 0 }),
    ]);
    const started = new Set(registrations.map((r) => r.courseId));
    const available = open.rows.filter((c) => c.currentVersionId && !started.has(c.id));
    return reply.page('home/my-learning', { title: 'My learning', registrations, available });
  });
}
