// The learner's side: start or resume a course, the player page (table of contents around the content-origin
// runtime), and the registration API. Commits arrive on the content origin (src/content/content-app.ts).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../../config.js';
import { ok, redirectAfterPost } from '../../lib/http.js';
import * as player from './player.service.js';
import { listAttempts } from './player.queries.js';

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export default async function playerRoutes(app: FastifyInstance, { config }: { config: Config }) {
  const signedIn = { preHandler: app.requireUser };

  app.post<{ Params: { id: string } }>('/courses/:id/start', signedIn, async (request, reply) => {
    const { registration, created } = await player.openRegistration(app.db, request.user!, request.params.id);
    if (created) request.audit('registration.created', { type: 'registration', id: registration.id }, { courseId: registration.courseId });
    return redirectAfterPost(request, reply, `/player/${registration.id}`);
  });

  app.get<{ Params: { id: string }; Querystring: { item?: string } }>('/player/:id', signedIn, async (request, reply) => {
    const { registration, courseTitle } = await player.getRegistration(app.db, request.user!, request.params.id);
    const launch = await player.launchItem(app.db, config, request.user!, registration.id, request.query.item);
    const index = launch.items.findIndex((i) => i.identifier === launch.item.identifier);
    return reply.page('player/player', {
      title: `${launch.item.title} · ${courseTitle}`,
      courseTitle,
      registration,
      item: launch.item,
      items: launch.items,
      previous: launch.items[index - 1] ?? null,
      next: launch.items[index + 1] ?? null,
      runtimeUrl: `${config.contentOrigin}/run/${launch.runtimeToken}`,
      contentOrigin: config.contentOrigin,
    });
  });

  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.post('/api/courses/:id/registrations', { ...signedIn, schema: { params: IdParams } }, async (request, reply) => {
    const { registration, created } = await player.openRegistration(app.db, request.user!, request.params.id);
    if (created) request.audit('registration.created', { type: 'registration', id: registration.id }, { courseId: registration.courseId });
    return ok(reply, describeRegistration(registration), created ? 201 : 200);
  });

  api.get('/api/registrations/:id', { ...signedIn, schema: { params: IdParams } }, async (request, reply) => {
    const { registration } = await player.getRegistration(app.db, request.user!, request.params.id);
    const attempts = await listAttempts(app.db, { tenantId: registration.tenantId, registrationId: registration.id });
    return ok(reply, {
      ...describeRegistration(registration),
      location: attempts.find((a) => a.itemIdentifier === registration.lastItemIdentifier)?.location ?? null,
      scos: attempts.map((a) => ({
        itemIdentifier: a.itemIdentifier,
        attempt: a.attemptNumber,
        completionStatus: a.completionStatus,
        successStatus: a.successStatus,
        score: { scaled: a.scoreScaled, raw: a.scoreRaw, min: a.scoreMin, max: a.scoreMax },
        totalTimeSeconds: a.totalTimeSeconds,
        location: a.location,
        exit: a.exit,
        suspendData: a.suspendData,
        terminated: Boolean(a.terminatedAt),
        cmi: a.cmi,
      })),
    });
  });
}

function describeRegistration(r: Awaited<ReturnType<typeof player.openRegistration>>['registration']) {
  return {
    id: r.id,
    courseId: r.courseId,
    courseVersionId: r.courseVersionId,
    completionStatus: r.completionStatus,
    successStatus: r.successStatus,
    score: { scaled: r.scoreScaled, raw: r.scoreRaw, min: r.scoreMin, max: r.scoreMax },
    totalTimeSeconds: r.totalTimeSeconds,
    location: null as string | null,
    firstAccessedAt: r.firstAccessedAt,
    lastAccessedAt: r.lastAccessedAt,
  };
}
