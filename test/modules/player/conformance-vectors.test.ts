// The run-time conformance vectors (ADL CTS data-model cases decoded by scorm-again, plus hand-made 1.2 cases) run
// against the API exactly as our runtime page configures it (public/content/runtime.js), and every commit that API
// sends is then replayed to our server, which must accept it: the server's data-model check never refuses what the
// run-time API accepted.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { Scorm12API, Scorm2004API } from 'scorm-again';
import { apiToken, bearer, browser, buildTestAppWithContent, createTenant } from '../../helpers/build-app.js';
import { fixtureZip, multipartFile, SCORM_FIXTURES } from '../../helpers/fixtures.js';

interface Step {
  method: 'Initialize' | 'Terminate' | 'Commit' | 'GetValue' | 'SetValue' | 'GetLastError' | 'GetErrorString' | 'GetDiagnostic';
  element?: string;
  value?: string;
  expectedReturn?: string | { match: 'nonEmptyMax255' };
  expectedErrorCode?: string;
  knownDivergence?: { actualReturn?: string; actualErrorCode?: string };
}
interface Vector {
  id: string;
  scormVersion: '1.2' | '2004';
  initialState?: { cmi?: Record<string, unknown> };
  activities: { id: string; initialState?: { cmi?: Record<string, unknown> }; steps: Step[] }[];
}

const dir = join(SCORM_FIXTURES, 'runtime-conformance-vectors-scorm-again-adl', 'fixtures');
const vectors: Vector[] = [
  ...readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => join(dir, f)),
  ...readdirSync(join(dir, 'generated')).filter((f) => f.endsWith('.json')).map((f) => join(dir, 'generated', f)),
].map((path) => JSON.parse(readFileSync(path, 'utf8')));

const NAMES_12: Record<Step['method'], string> = {
  Initialize: 'LMSInitialize', Terminate: 'LMSFinish', Commit: 'LMSCommit', GetValue: 'LMSGetValue', SetValue: 'LMSSetValue',
  GetLastError: 'LMSGetLastError', GetErrorString: 'LMSGetErrorString', GetDiagnostic: 'LMSGetDiagnostic',
};

interface Sent {
  url: string;
  body: unknown;
}

/** The API as runtime.js builds it, with commits recorded instead of sent (replayed to the server afterwards). */
function runtimeApi(version: Vector['scormVersion'], sent: Sent[]) {
  const settings = {
    lmsCommitUrl: '/commit',
    dataCommitFormat: 'json',
    includeCommitSequence: true,
    renderCommonCommitFields: true,
    terminateCommitParam: 'final',
    logLevel: 5,
    httpService: {
      updateSettings() {},
      processHttpRequest(url: string, params: unknown) {
        sent.push({ url, body: JSON.parse(JSON.stringify(params)) });
        return { result: true, errorCode: 0 };
      },
    },
  };
  return version === '1.2' ? new Scorm12API(settings as never) : new Scorm2004API(settings as never);
}

function call(api: unknown, version: Vector['scormVersion'], step: Step): string {
  const name = version === '1.2' ? NAMES_12[step.method] : step.method;
  const fn = (api as Record<string, (...args: string[]) => unknown>)[name]!.bind(api);
  const args = step.method === 'GetValue' ? [step.element ?? ''] : step.method === 'SetValue' ? [step.element ?? '', step.value ?? ''] : [step.value ?? ''];
  return String(fn(...args));
}

function returnMatches(actual: string, expected: Step['expectedReturn']): boolean {
  if (expected === undefined) return true;
  if (typeof expected === 'object') return actual.length > 0 && actual.length <= 255;
  return actual === expected;
}

const ctx = await buildTestAppWithContent();
t.teardown(() => ctx.close());
const { content } = ctx;

const tenant = await createTenant(ctx.app);
const author = await apiToken(ctx.app, tenant.author.email);
async function importCourse(fixture: string, file: string) {
  const body = multipartFile(fixtureZip(fixture, file));
  return (await ctx.app.inject({ method: 'POST', url: '/api/courses', headers: { ...bearer(author), ...body.headers }, payload: body.payload })).json().data.course.id as string;
}
const courses = {
  '1.2': await importCourse('scorm12-single-sco-basic-runtime-golf', 'singlescobasic.zip'),
  '2004': await importCourse('scorm2004-3rd-single-sco-basic-runtime-golf', 'RuntimeBasicCalls_SCORM20043rdEdition.zip'),
};
const learner = await browser(ctx.app, { email: tenant.learner.email });

/** A fresh run-time session on the learner's registration for that standard (each launch is a new session). */
async function freshRuntimeToken(version: Vector['scormVersion']) {
  const started = await learner.post(`/courses/${courses[version]}/start`, {});
  const player = await learner.get(started.headers.location as string);
  return /\/run\/([^"]+)"/.exec(player.body)![1]!;
}

let steps = 0;
let divergences = 0;
let replayed = 0;
for (const vector of vectors) {
  t.test(`${vector.id} (SCORM ${vector.scormVersion})`, async (t) => {
    for (const activity of vector.activities) {
      const sent: Sent[] = [];
      const api = runtimeApi(vector.scormVersion, sent);
      const seed = activity.initialState?.cmi ?? vector.initialState?.cmi;
      if (seed) api.loadFromJSON(seed as never, '');
      activity.steps.forEach((step, index) => {
        const actual = call(api, vector.scormVersion, step);
        const code = call(api, vector.scormVersion, { method: 'GetLastError' });
        const asExpected = returnMatches(actual, step.expectedReturn) && (step.expectedErrorCode === undefined || code === step.expectedErrorCode);
        const asPinned =
          step.knownDivergence !== undefined &&
          (step.knownDivergence.actualReturn === undefined || actual === step.knownDivergence.actualReturn) &&
          (step.knownDivergence.actualErrorCode === undefined || code === step.knownDivergence.actualErrorCode);
        if (!asExpected && asPinned) divergences++;
        steps++;
        t.ok(asExpected || asPinned, `${activity.id} step ${index + 1}: ${step.method}(${step.element ?? step.value ?? ''}) -> ${JSON.stringify(actual)} / ${code}`);
      });
      if (sent.length === 0) continue;
      const token = await freshRuntimeToken(vector.scormVersion);
      for (const commit of sent) {
        const final = commit.url.includes('final=true');
        const answer = await content.inject({ method: 'POST', url: `/r/${token}/commit${final ? '?final=true' : ''}`, payload: commit.body as object });
        replayed++;
        t.same(answer.json(), { result: true, errorCode: 0 }, `${activity.id}: the server accepts the commit the API sent`);
      }
    }
  });
}

t.test('summary', async (t) => {
  t.ok(steps > 500, `${steps} API steps checked, ${divergences} of them scorm-again's documented divergences; ${replayed} commits replayed to the server`);
});
