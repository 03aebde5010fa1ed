// What player tests do over and over: import a fixture package as the author, start the course as a learner,
// open the player page and read the launch the runtime page gets, post commits as the runtime does.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../src/config.js';
import { apiToken, bearer, browser } from './build-app.js';
import { fixtureZip, multipartFile } from './fixtures.js';

export async function importPackage(app: FastifyInstance, authorEmail: string, fixture: string, file: string): Promise<string> {
  const body = multipartFile(fixtureZip(fixture, file));
  const r = await app.inject({ method: 'POST', url: '/api/courses', headers: { ...bearer(await apiToken(app, authorEmail)), ...body.headers }, payload: body.payload });
  if (r.statusCode !== 201) throw new Error(`import of ${fixture} failed: ${r.statusCode} ${r.body}`);
  return r.json().data.course.id as string;
}

/** Rustici's SCORM 1.2 single-SCO Golf course with the basic runtime calls, the player tests' usual course. */
export const GOLF_12 = ['scorm12-single-sco-basic-runtime-golf', 'singlescobasic.zip'] as const;
export const GOLF_2004 = ['scorm2004-3rd-single-sco-basic-runtime-golf', 'RuntimeBasicCalls_SCORM20043rdEdition.zip'] as const;

/**
 * Starts the course as the learner and opens the player page: the registration and the runtime URL (and token) the
 * page hands to the content origin. The runtime page itself is not loaded.
 */
export async function launchPlayer(app: FastifyInstance, config: Config, email: string, courseId: string) {
  const learner = await browser(app, { email });
  const started = await learner.post(`/courses/${courseId}/start`, {});
  const player = await learner.get(started.headers.location as string);
  const runtimeUrl = new RegExp(`src="${config.contentOrigin}(/run/[^"]+)"`).exec(player.body)![1]!;
  return { learner, registrationId: (started.headers.location as string).split('/').pop()!, token: runtimeUrl.split('/').pop()!, runtimeUrl };
}

export interface PlayerLaunch {
  html: string;
  /** The runtime token (null when the player delivered nothing). */
  token: string | null;
  item: string | null;
  cmi: Record<string, unknown> | null;
}

/** A learner with a registration for the course, as the browser flow makes it. */
export async function learnerSession(app: FastifyInstance, content: FastifyInstance, config: Config, email: string, courseId: string) {
  const learner = await browser(app, { email });
  const started = await learner.post(`/courses/${courseId}/start`, {});
  const registrationId = (started.headers.location as string).split('/').pop()!;
  const token = await apiToken(app, email);
  return {
    learner,
    registrationId,
    /** Opens the player page and reads the launch its runtime page gets on the content origin. */
    async open(query = ''): Promise<PlayerLaunch> {
      const page = await learner.get(`/player/${registrationId}${query}`);
      const runtime = new RegExp(`src="${config.contentOrigin}/run/([^"]+)"`).exec(page.body)?.[1] ?? null;
      if (!runtime) return { html: page.body, token: null, item: null, cmi: null };
      const run = await content.inject({ method: 'GET', url: `/run/${runtime}` });
      const launch = JSON.parse(/<script type="application\/json" id="launch">(.*?)<\/script>/s.exec(run.body)![1]!);
      return { html: page.body, token: runtime, item: launch.item, cmi: launch.cmi };
    },
    commit(runtime: string, body: Record<string, unknown>, final = false) {
      return content.inject({ method: 'POST', url: `/r/${runtime}/commit${final ? '?final=true' : ''}`, payload: body });
    },
    async result() {
      return (await app.inject({ method: 'GET', url: `/api/registrations/${registrationId}`, headers: bearer(token) })).json().data;
    },
  };
}
