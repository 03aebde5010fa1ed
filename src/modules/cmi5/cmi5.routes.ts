// cmi5 over HTTP: the learner's course page (AUs and blocks with their status, Launch), the player frame, the
// return page, the fetch URL an AU calls for its token, the owner/admin actions (waive an AU, abandon a session)
// and the JSON API for the same. Rules live in launch.service.ts.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../../config.js';
import { BadRequestError, NotFoundError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { Nullable, Open, responses, Timestamp } from '../../lib/api-schema.js';
import { ok, redirectAfterPost } from '../../lib/http.js';
import type { Principal } from '../accounts/accounts.queries.js';
import { langText } from './cmi5-plan.js';
import * as q from './cmi5.queries.js';
import type { LaunchMode } from './cmi5-statements.js';
import { abandonSession, abandonStaleSessions, cmi5Registration, fetchAuthToken, isOpen, LAUNCH_MODES, launchAu, waiveAu } from './launch.service.js';
import { describeProgress } from './progress.js';

const ADMINS = ['owner', 'admin'] as const;
const isAdmin = (actor: Principal) => actor.role === 'owner' || actor.role === 'admin';
/** Reasons the cmi5 spec gives as examples (9.5.5.2); any other text is accepted too. */
const WAIVE_REASONS = ['Tested Out', 'Equivalent AU', 'Equivalent Outside Activity', 'Administrative'];

export default async function cmi5Routes(app: FastifyInstance, { config }: { config: Config }) {
  const signedIn = { preHandler: app.requireUser };
  const admins = { preHandler: app.requireRole(...ADMINS) };

  async function pageData(actor: Principal, registrationId: string) {
    const { registration, courseTitle, courseStatus, plan } = await cmi5Registration(app.db, actor, registrationId);
    const scope = { tenantId: registration.tenantId, registrationId: registration.id };
    const [states, sessions, learnerName] = await Promise.all([
      q.listNodeStates(app.db, scope), q.listSessions(app.db, scope, 20), q.findUserName(app.db, { tenantId: registration.tenantId, userId: registration.userId }),
    ]);
    const auTitles = plan.aus.map((a) => langText(a.au.title, `Unit ${a.index + 1}`));
    return { registration, courseTitle, courseDeleted: courseStatus === 'deleted', plan, progress: describeProgress(plan, states), sessions, learnerName, auTitles };
  }

  app.get<{ Params: { id: string }; Querystring: { notice?: string } }>('/cmi5/registrations/:id', signedIn, async (request, reply) => {
    const data = await pageData(request.user!, request.params.id);
    const own = data.registration.userId === request.user!.userId;
    return reply.page('cmi5/course', {
      title: data.courseTitle,
      ...data,
      own,
      admin: isAdmin(request.user!),
      reasons: WAIVE_REASONS,
      openSessions: data.sessions.filter((s) => isOpen(s.state)),
      notice: request.query.notice === 'waived' ? 'The AU is waived.' : request.query.notice === 'abandoned' ? 'The session is abandoned.' : null,
    });
  });

  app.post<{ Params: { id: string }; Body: { au?: string; mode?: string } }>('/cmi5/registrations/:id/launch', signedIn, async (request, reply) => {
    const body = (request.body ?? {}) as { au?: unknown; mode?: unknown };
    const launch = await launchAu(app.db, config, request.user!, request.params.id, { auIndex: auIndexOf(body.au), mode: modeOf(body.mode) });
    // Always through our own page: a form may not redirect to another origin (CSP form-action), and an OwnWindow
    // AU is then opened from there.
    return reply.redirect(`/cmi5/sessions/${launch.sessionId}`, 303);
  });

  // The player frame for AnyWindow AUs (the AU fills the page, with the way back above it); OwnWindow AUs and AUs
  // on other sites get the whole window.
  app.get<{ Params: { id: string } }>('/cmi5/sessions/:id', signedIn, async (request, reply) => {
    const actor = request.user!;
    const session = actor.tenantId && isUuid(request.params.id) ? await q.findSession(app.db, { tenantId: actor.tenantId, sessionId: request.params.id }) : null;
    if (!session || session.userId !== actor.userId) throw new NotFoundError('No such launch.');
    const { plan, courseTitle } = await cmi5Registration(app.db, actor, session.registrationId);
    const au = plan.aus[session.auIndex]!;
    // The launch URL works once (its fetch URL hands out one token): a reload asks for a new launch.
    const playable = isOpen(session.state) && !session.fetchedAt;
    const auTitle = langText(au.au.title, 'AU');
    const inFrame = au.au.launchMethod === 'AnyWindow' && au.au.urlIsRelative;
    return reply.page('cmi5/session', { title: `${auTitle} · ${courseTitle}`, session, courseTitle, auTitle, src: playable ? session.launchUrl : null, inFrame });
  });

  // returnURL: where an AU sends the learner when it is done. In the frame it takes the whole window back. It needs
  // no session: an AU in the frame lives on the content origin, another site, so its navigation of the frame carries
  // no SameSite cookie; the page only points at the course page, which the top window opens with the session.
  app.get<{ Params: { id: string } }>('/cmi5/return/:id', async (request, reply) => {
    const target = `/cmi5/registrations/${isUuid(request.params.id) ? request.params.id : ''}`;
    reply.header('Content-Security-Policy', "default-src 'self'; frame-ancestors 'self'");
    return reply.page('cmi5/return', { title: 'Back to the course', target });
  });

  app.post<{ Params: { id: string }; Body: { au?: string; reason?: string } }>('/cmi5/registrations/:id/waive', admins, async (request, reply) => {
    const body = (request.body ?? {}) as { au?: unknown; reason?: unknown };
    await waiveAu(app.db, config, request.user!, request.params.id, auIndexOf(body.au), typeof body.reason === 'string' ? body.reason : '');
    request.audit('cmi5.au_waived', { type: 'registration', id: request.params.id }, { au: Number(body.au), reason: body.reason });
    return redirectAfterPost(request, reply, `/cmi5/registrations/${request.params.id}?notice=waived`);
  });

  app.post<{ Params: { id: string } }>('/cmi5/sessions/:id/abandon', admins, async (request, reply) => {
    const registrationId = await abandonSession(app.db, config, request.user!, request.params.id);
    request.audit('cmi5.session_abandoned', { type: 'registration', id: registrationId }, { sessionId: request.params.id });
    return redirectAfterPost(request, reply, `/cmi5/registrations/${registrationId}?notice=abandoned`);
  });

  // Sessions an AU left open (the window closed without "terminated") are abandoned after the timeout. Harmless if
  // several processes sweep.
  const sweep = () =>
    abandonStaleSessions(app.db, config)
      .then((count) => count && app.log.info({ count }, 'abandoned cmi5 sessions left open'))
      .catch((err) => app.log.error({ err }, 'could not abandon stale cmi5 sessions'));
  let sweepTimer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    sweepTimer = setInterval(sweep, 5 * 60_000).unref();
  });
  app.addHook('onClose', async () => clearInterval(sweepTimer));

  // ---- the fetch URL (cmi5 8.2): called by the AU from the content origin or its own host, with no cookie ----
  await app.register(async (fetchScope) => {
    fetchScope.removeAllContentTypeParsers();
    fetchScope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 4096 }, (_request, _body, done) => done(null, null));
    const cors = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Methods': 'POST, OPTIONS', 'Access-Control-Allow-Headers': 'Content-Type', 'Cache-Control': 'no-store' };
    fetchScope.options('/cmi5/fetch/:id', { config: { csrf: false } }, async (_request, reply) => reply.headers(cors).code(204).send());
    fetchScope.post<{ Params: { id: string }; Querystring: { k?: string } }>('/cmi5/fetch/:id', { config: { csrf: false } }, async (request, reply) => {
      return reply.headers(cors).send(await fetchAuthToken(app.db, request.params.id, request.query.k));
    });
  });

  // ---- JSON API ----
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

  const Session = Open({ id: Type.String(), au: Type.Integer(), launchMode: Type.String(), state: Type.String(), launchedAt: Nullable(Timestamp), endedAt: Nullable(Timestamp) });

  api.get('/api/registrations/:id/cmi5', {
    ...signedIn,
    schema: {
      summary: 'A cmi5 registration: the course\'s progress tree (blocks and AUs) and its launch sessions',
      params: IdParams,
      response: responses({ 200: Open({ registration: Type.String(), course: Open({ title: Type.String(), satisfied: Type.Boolean() }), sessions: Type.Array(Session) }) }),
    },
  }, async (request, reply) => {
    const data = await pageData(request.user!, request.params.id);
    return ok(reply, {
      registration: data.registration.id,
      course: data.progress,
      sessions: data.sessions.map((s) => ({ id: s.id, au: s.auIndex, launchMode: s.launchMode, state: s.state, launchedAt: s.launchedAt, endedAt: s.endedAt })),
    });
  });

  api.post('/api/registrations/:id/cmi5/launch', {
    ...signedIn,
    schema: {
      summary: 'Launch an AU (by its position in the course, from 0): answers the URL to open',
      params: IdParams,
      body: Type.Object({ au: Type.Integer({ minimum: 0 }), launchMode: Type.Optional(Type.String({ maxLength: 10, description: 'Normal (default), Browse or Review.' })) }),
      response: responses({ 201: Open({ sessionId: Type.String(), launchUrl: Type.String(), registration: Type.String() }) }),
    },
  }, async (request, reply) => {
    const launch = await launchAu(app.db, config, request.user!, request.params.id, { auIndex: request.body.au, mode: modeOf(request.body.launchMode) });
    return ok(reply, { sessionId: launch.sessionId, launchUrl: launch.launchUrl, registration: launch.registrationId }, 201);
  });

  api.post('/api/registrations/:id/cmi5/waive', {
    ...admins,
    schema: {
      summary: 'Waive an AU for this learner (cmi5 9.6.3.4)',
      params: IdParams,
      body: Type.Object({ au: Type.Integer({ minimum: 0 }), reason: Type.String({ maxLength: 200, description: 'Tested Out, Equivalent AU, Equivalent Outside Activity or Administrative.' }) }),
      response: responses({ 200: Open({ waived: Type.Boolean() }) }),
    },
  }, async (request, reply) => {
    await waiveAu(app.db, config, request.user!, request.params.id, request.body.au, request.body.reason);
    request.audit('cmi5.au_waived', { type: 'registration', id: request.params.id }, { au: request.body.au, reason: request.body.reason });
    return ok(reply, { waived: true });
  });

  api.post('/api/cmi5/sessions/:id/abandon', {
    ...admins,
    schema: { summary: 'Abandon an open launch session', params: IdParams, response: responses({ 200: Open({ abandoned: Type.Boolean() }) }) },
  }, async (request, reply) => {
    const registrationId = await abandonSession(app.db, config, request.user!, request.params.id);
    request.audit('cmi5.session_abandoned', { type: 'registration', id: registrationId }, { sessionId: request.params.id });
    return ok(reply, { abandoned: true });
  });
}

function auIndexOf(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n)) throw new BadRequestError('Say which AU: its position in the course, from 0.');
  return n;
}

function modeOf(value: unknown): LaunchMode {
  if (value === undefined || value === '') return 'Normal';
  const mode = LAUNCH_MODES.find((m) => m.toLowerCase() === String(value).toLowerCase());
  if (!mode) throw new BadRequestError('launchMode is Normal, Browse or Review.');
  return mode;
}
