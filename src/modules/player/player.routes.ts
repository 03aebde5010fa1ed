// The learner's side: start or resume a course, the player page (table of contents around the content-origin
// runtime), and the registration API. Commits arrive on the content origin (src/content/content-app.ts).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../../config.js';
import { Nullable, Open, responses, Timestamp } from '../../lib/api-schema.js';
import { ok, redirectAfterPost } from '../../lib/http.js';
import * as player from './player.service.js';
import type { Item } from '../courses/manifest/types.js';
import { listAttempts } from './player.queries.js';
import type { SequencingSnapshot } from './sequencing.service.js';

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export default async function playerRoutes(app: FastifyInstance, { config }: { config: Config }) {
  const signedIn = { preHandler: app.requireUser };

  app.post<{ Params: { id: string } }>('/courses/:id/start', signedIn, async (request, reply) => {
    const { registration, created } = await player.openRegistration(app.db, request.user!, request.params.id);
    if (created) request.audit('registration.created', { type: 'registration', id: registration.id }, { courseId: registration.courseId });
    return redirectAfterPost(request, reply, `/player/${registration.id}`);
  });

  app.get<{ Params: { id: string }; Querystring: { item?: string; notice?: string; mode?: string } }>('/player/:id', signedIn, async (request, reply) => {
    const { registration, courseTitle, version } = await player.getRegistration(app.db, request.user!, request.params.id);
    // cmi5 courses have their own page: AUs are launched one by one, each in its own session.
    if (version.standard === 'cmi5') return reply.redirect(`/cmi5/registrations/${registration.id}`);
    const mode = request.query.mode === 'review' || request.query.mode === 'browse' ? request.query.mode : 'normal';
    const launch = await player.launchItem(app.db, config, request.user!, registration.id, { itemId: request.query.item, mode });
    const index = launch.item ? launch.items.findIndex((i) => i.identifier === launch.item!.identifier) : -1;
    const nav = launch.sequencing?.navigation;
    const toc = tableOfContents(launch);
    return reply.page('player/player', {
      title: launch.item ? `${launch.item.title} · ${courseTitle}` : courseTitle,
      courseTitle,
      registration,
      item: launch.item,
      toc,
      // After the session ended, the course is reopened by choosing its first activity the rules allow.
      reopen: launch.item ? null : firstAvailable(toc),
      sequenced: Boolean(launch.sequencing),
      mode,
      // Links between items keep the mode: a review goes on as a review.
      modeQuery: mode === 'normal' ? '' : `&mode=${mode}`,
      // 1.2 moves through the launchable items in order; 2004 asks the sequencer (flow may be off, rules may block).
      previous: nav ? nav.previous && !nav.hideLmsUi.includes('previous') : Boolean(launch.items[index - 1]),
      next: nav ? nav.continue && !nav.hideLmsUi.includes('continue') : Boolean(launch.items[index + 1]),
      previousItem: launch.items[index - 1] ?? null,
      nextItem: launch.items[index + 1] ?? null,
      ended: launch.sequencing && !launch.item ? sessionEndMessage(launch.sequencing) : null,
      notice: request.query.notice === 'blocked' ? 'That is not available yet: the course’s rules do not allow it now.' : null,
      result: registration,
      runtimeUrl: launch.runtimeToken ? `${config.contentOrigin}/run/${launch.runtimeToken}` : null,
      contentOrigin: config.contentOrigin,
    });
  });

  // SCORM 2004 navigation from the player: continue, previous, a choice in the contents, exit, suspend.
  app.post<{ Params: { id: string }; Body: { request?: string; target?: string } }>('/player/:id/navigate', signedIn, async (request, reply) => {
    const body = (request.body ?? {}) as { request?: unknown; target?: unknown };
    const target = typeof body.target === 'string' && body.target.length <= 200 ? body.target : undefined;
    const accepted = await player.navigate(app.db, request.user!, request.params.id, body.request, target);
    const done = accepted && (body.request === 'suspendAll' || body.request === 'exitAll');
    return redirectAfterPost(request, reply, done ? '/' : `/player/${request.params.id}${accepted ? '' : '?notice=blocked'}`);
  });

  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  const Score = Open({ scaled: Nullable(Type.Number()), raw: Nullable(Type.Number()), min: Nullable(Type.Number()), max: Nullable(Type.Number()) });
  const Registration = Open({
    id: Type.String(),
    courseId: Type.String(),
    courseVersionId: Nullable(Type.String()),
    completionStatus: Type.String(),
    successStatus: Type.String(),
    score: Score,
    totalTimeSeconds: Type.Number(),
    location: Nullable(Type.String()),
    firstAccessedAt: Nullable(Timestamp),
    lastAccessedAt: Nullable(Timestamp),
  });

  api.post('/api/courses/:id/registrations', {
    ...signedIn,
    schema: {
      summary: 'Enrol the caller in a course (or answer their existing registration, 200)',
      params: IdParams,
      response: responses({ 200: Registration, 201: Registration }),
    },
  }, async (request, reply) => {
    const { registration, created } = await player.openRegistration(app.db, request.user!, request.params.id);
    if (created) request.audit('registration.created', { type: 'registration', id: registration.id }, { courseId: registration.courseId });
    return ok(reply, describeRegistration(registration), created ? 201 : 200);
  });

  api.get('/api/registrations/:id', {
    ...signedIn,
    schema: {
      summary: 'A registration with each SCO\'s attempt (status, score, time, location, suspend data, CMI)',
      params: IdParams,
      response: responses({ 200: Open({ ...Registration.properties, scos: Type.Array(Open({ itemIdentifier: Type.String(), attempt: Type.Integer(), score: Score })) }) }),
    },
  }, async (request, reply) => {
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

export interface TocEntry {
  identifier: string;
  title: string;
  launchable: boolean;
  current: boolean;
  /** May the learner go there now (2004: the sequencer's choice validity). */
  available: boolean;
  children: TocEntry[];
}

/**
 * The organization as a nested list. An item with isvisible="false" is not shown, but its visible children are, in
 * its place (Golf's pre/post-test packages wrap content that way). Clusters are headings, except one whose
 * children are all hidden (a random test bank): that one is chosen as a whole, and the sequencer picks inside.
 */
function tableOfContents(launch: player.Launch): TocEntry[] {
  const nav = launch.sequencing?.navigation;
  const hidden = new Set(nav?.hidden ?? []);
  const shown = (i: Item) => i.isVisible && !hidden.has(i.identifier);
  const entries = (items: Item[]): TocEntry[] =>
    items.flatMap((i): TocEntry[] => {
      if (!shown(i)) return entries(i.children);
      const children = entries(i.children);
      const opaque = i.children.length > 0 && children.length === 0;
      const launchable = Boolean(i.launchUrl) || (opaque && Boolean(nav));
      return [{
        identifier: i.identifier,
        title: i.title,
        launchable,
        current: i.identifier === launch.item?.identifier || (opaque && i.children.some((c) => c.identifier === launch.item?.identifier)),
        available: nav ? nav.choice[i.identifier] === true : Boolean(i.launchUrl),
        children,
      }];
    });
  return entries(launch.organization?.items ?? []);
}

function firstAvailable(entries: TocEntry[]): string | null {
  for (const entry of entries) {
    if (entry.launchable && entry.available) return entry.identifier;
    const inside = firstAvailable(entry.children);
    if (inside) return inside;
  }
  return null;
}

function sessionEndMessage(snapshot: SequencingSnapshot): string {
  if (snapshot.ended === 'exit_all') return 'You have left this course. Your results are saved.';
  if (snapshot.ended === 'end_of_content' || snapshot.ended) return 'You have reached the end of this course.';
  return 'Nothing can be opened right now. Choose an activity from the contents if one is available.';
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
