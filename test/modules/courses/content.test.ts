import t from 'tap';
import { contentBaseUrl } from '../../../src/content/content-urls.js';
import { encodeLaunchPath } from '../../../src/modules/courses/courses.service.js';
import { apiToken, bearer, browser, buildTestAppWithContent, createTenant } from '../../helpers/build-app.js';
import { fixtureZip, multipartFile } from '../../helpers/fixtures.js';

const ctx = await buildTestAppWithContent();
t.teardown(() => ctx.close());
const { app, config, content } = ctx;

async function importGolf(tenantEmail: string) {
  const token = await apiToken(app, tenantEmail);
  const body = multipartFile(fixtureZip('scorm12-single-sco-golf', 'singlesco_scorm12.zip'), 'golf.zip');
  const r = await app.inject({ method: 'POST', url: '/api/courses', headers: { ...bearer(token), ...body.headers }, payload: body.payload });
  if (r.statusCode !== 201) throw new Error(r.body);
  return r.json().data as { course: { id: string }; version: { id: string } };
}

/** The path part of a content URL, as the content app sees it. */
const pathOf = (url: string) => new URL(url).pathname;

t.test('package files are served from the content origin under a signed prefix, with MIME types, ranges and long caching', async (t) => {
  const tenant = await createTenant(app);
  const { version } = await importGolf(tenant.author.email);
  const base = contentBaseUrl(config, { versionId: version.id, tenantId: tenant.id, userId: tenant.author.id });
  t.ok(base.startsWith(`${config.contentOrigin}/c/`), 'on the content origin');

  const page = await content.inject({ method: 'GET', url: pathOf(base + 'shared/launchpage.html') });
  t.equal(page.statusCode, 200);
  t.match(page.headers['content-type'], /text\/html/);
  t.match(page.headers['cache-control'], /max-age=31536000/);
  t.match(page.headers['cache-control'], /immutable/);
  t.equal(page.headers['x-content-type-options'], 'nosniff');
  t.equal(page.headers['content-security-policy'], `frame-ancestors ${config.appOrigin} 'self'`, 'only the app may frame content');
  t.notOk(page.headers['set-cookie'], 'the content origin never sets cookies');

  const css = await content.inject({ method: 'GET', url: pathOf(base + 'shared/style.css') });
  t.equal(css.statusCode, 200);
  t.match(css.headers['content-type'], /text\/css/);

  const range = await content.inject({ method: 'GET', url: pathOf(base + 'shared/launchpage.html'), headers: { range: 'bytes=0-9' } });
  t.equal(range.statusCode, 206);
  t.equal(range.body.length, 10);
  t.match(range.headers['content-range'], /^bytes 0-9\//);
});

t.test('content is refused without a valid grant, outside the package, or across tenants', async (t) => {
  const a = await createTenant(app);
  const b = await createTenant(app);
  const { version } = await importGolf(a.author.email);
  const good = contentBaseUrl(config, { versionId: version.id, tenantId: a.id, userId: a.author.id });

  const tampered = pathOf(good).replace(/\/c\/([^/]+)\//, (_m, token: string) => `/c/${token.slice(0, -3)}abc/`);
  t.equal((await content.inject({ method: 'GET', url: tampered + 'shared/launchpage.html' })).statusCode, 403, 'a forged signature');
  const expired = contentBaseUrl(config, { versionId: version.id, tenantId: a.id, userId: null }, -10);
  t.equal((await content.inject({ method: 'GET', url: pathOf(expired) + 'shared/launchpage.html' })).statusCode, 403, 'an expired grant');
  const otherTenant = contentBaseUrl(config, { versionId: version.id, tenantId: b.id, userId: b.admin.id });
  t.equal((await content.inject({ method: 'GET', url: pathOf(otherTenant) + 'shared/launchpage.html' })).statusCode, 404, "a grant naming another tenant");
  for (const path of ['../../../../etc/passwd', '%2e%2e/%2e%2e/etc/passwd', 'shared/../../x', 'shared/%2e%2e/%2e%2e/imsmanifest.xml']) {
    const r = await content.inject({ method: 'GET', url: pathOf(good) + path });
    t.ok([400, 403, 404].includes(r.statusCode), `${path} is refused (${r.statusCode})`);
    t.notMatch(r.body, 'root:x:0');
  }
  t.equal((await content.inject({ method: 'GET', url: pathOf(good) + 'no-such-file.html' })).statusCode, 404);
});

t.test('authors upload through the page: streamed, imported as a job, progress then the course', async (t) => {
  const tenant = await createTenant(app);
  const author = await browser(app, { email: tenant.author.email });
  t.equal((await author.get('/courses/new')).statusCode, 200);
  const body = multipartFile(fixtureZip('scorm2004-3rd-multi-sco-golf', 'RuntimeMinimumCalls_SCORM20043rdEdition.zip'), 'golf2004.zip');
  const posted = await app.inject({
    method: 'POST', url: '/courses/upload', cookies: author.jar.header,
    headers: { ...body.headers, 'x-csrf-token': author.csrf }, payload: body.payload,
  });
  t.equal(posted.statusCode, 303);
  const jobUrl = posted.headers.location as string;
  t.match(jobUrl, /^\/courses\/jobs\/[0-9a-f-]{36}$/);
  await app.jobs.idle();
  const done = await author.get(jobUrl);
  t.equal(done.statusCode, 200);
  t.match(done.body, 'Imported');
  const courseUrl = /href="(\/courses\/[0-9a-f-]{36})"/.exec(done.body)?.[1];
  t.ok(courseUrl, 'links to the course');
  const course = await author.get(courseUrl!);
  t.match(course.body, 'SCORM 2004 3rd edition');
  t.match(course.body, 'class="tree"');
  const preview = await author.get(`${courseUrl}/preview`);
  t.equal(preview.statusCode, 200);
  const src = new RegExp(`<iframe class="content-frame" src="(${config.contentOrigin}/p/[^"]+)"`).exec(preview.body)?.[1];
  t.ok(src, 'the preview frames the content origin');
  const wrapper = await content.inject({ method: 'GET', url: pathOf(src!.replace(/&amp;/g, '&')) });
  t.equal(wrapper.statusCode, 200, 'the preview wrapper page is served');
  t.match(wrapper.body, '<script src="/_sun/preview-api.js"></script>', 'with the non-tracking runtime');
  const inner = /<iframe src="([^"]+)"/.exec(wrapper.body)![1]!.replace(/&amp;/g, '&');
  t.match(inner, /^\/c\/[^/]+\/Playing\/Playing\.html$/, 'framing the item');
  t.equal((await content.inject({ method: 'GET', url: inner })).statusCode, 200);
  const runtime = await content.inject({ method: 'GET', url: '/_sun/preview-api.js' });
  t.equal(runtime.statusCode, 200);
  t.match(runtime.body, 'API_1484_11');

  const list = await author.get('/courses');
  t.match(list.body, courseUrl!);
});

t.test('an upload page without a CSRF token is refused, and a failed import shows its reasons', async (t) => {
  const tenant = await createTenant(app);
  const author = await browser(app, { email: tenant.author.email });
  const body = multipartFile(fixtureZip('broken-no-manifest', 'invalid.zip'));
  const noToken = await app.inject({ method: 'POST', url: '/courses/upload', cookies: author.jar.header, headers: body.headers, payload: body.payload });
  t.equal(noToken.statusCode, 403);
  const withQueryToken = await app.inject({ method: 'POST', url: `/courses/upload?_csrf=${encodeURIComponent(author.csrf)}`, cookies: author.jar.header, headers: body.headers, payload: body.payload });
  t.equal(withQueryToken.statusCode, 303, 'a plain form (no JavaScript) carries the token in its action URL');
  await app.jobs.idle();
  const job = await author.get(withQueryToken.headers.location as string);
  t.match(job.body, 'no imsmanifest.xml at the top');
  t.match(job.body, 'Try another file');
});

t.test("another tenant's job, course page and preview are 404s", async (t) => {
  const a = await createTenant(app);
  const b = await createTenant(app);
  const { course } = await importGolf(a.author.email);
  const other = await browser(app, { email: b.admin.email });
  t.equal((await other.get(`/courses/${course.id}`)).statusCode, 404);
  t.equal((await other.get(`/courses/${course.id}/preview`)).statusCode, 404);
  const learner = await browser(app, { email: a.learner.email });
  t.equal((await learner.get(`/courses/${course.id}`)).statusCode, 403, 'learners do not manage courses');
});

t.test('launch paths reach their file whether the manifest wrote them encoded or raw', async (t) => {
  t.equal(encodeLaunchPath('my%20page.html?a=1'), 'my%20page.html?a=1');
  t.equal(encodeLaunchPath('my page.html?a=1#x'), 'my%20page.html?a=1#x');
  t.equal(encodeLaunchPath('100%.html'), '100%25.html');
  t.equal(encodeLaunchPath('dir/é.html'), 'dir/%C3%A9.html');
});
