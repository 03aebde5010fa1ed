// The API reference at /api/docs renders in real Chromium under its own CSP (no violations, nothing fetched from
// outside), while the app's pages keep the strict policy.
import t from 'tap';
import { screenshot } from '../helpers/chromium.js';
import { startAppWithChromium } from '../helpers/live-servers.js';

const live = await startAppWithChromium();
const { ctx, address, chromium } = live;
t.teardown(() => live.close());

t.test('/api/docs loads in Chromium and lists the API, with no CSP violation', async (t) => {
  const page = await chromium.newPage();
  const problems: string[] = [];
  const outside: string[] = [];
  page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
  page.on('pageerror', (error) => problems.push(String(error)));
  page.on('request', (request) => !request.url().startsWith(address) && !request.url().startsWith('data:') && outside.push(request.url()));
  await page.evaluateOnNewDocument(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });

  await page.setViewport({ width: 1200, height: 900 });
  const response = await page.goto(`${address}/api/docs`);
  t.equal(response?.status(), 200);
  await page.waitForSelector('.opblock', { timeout: 15_000 });
  const paths = await page.$$eval('.opblock-summary-path', (nodes) => nodes.map((n) => n.getAttribute('data-path')));
  t.ok(paths.includes('/api/users'), 'the users API is listed', { paths });
  t.ok(paths.includes('/api/courses/{id}'), 'path parameters are shown', { paths });
  t.match(await page.$eval('.info .title', (e) => e.textContent), 'Sun-SCORM API');

  // Open one operation: its parameters and responses render too.
  await page.click('#operations-default-get_api_users .opblock-summary-control, .opblock-get .opblock-summary-control');
  await page.waitForSelector('.opblock-body .responses-wrapper', { timeout: 5000 });
  await screenshot(page, 'api-docs');

  t.same(problems, [], 'no console errors or CSP violations');
  t.same(outside, [], 'nothing fetched from another origin');
});

t.test('the relaxed policy is the docs\' alone', async (t) => {
  const docs = await ctx.app.inject({ url: '/api/docs' });
  const login = await ctx.app.inject({ url: '/login' });
  const styleSrc = (csp: unknown) => String(csp).split(';').map((d) => d.trim()).find((d) => d.startsWith('style-src'));
  t.notMatch(styleSrc(login.headers['content-security-policy']), /unsafe-inline/, 'app pages keep the strict style-src');
  t.match(docs.headers['content-security-policy'], /frame-ancestors 'none'/, 'the docs keep the rest of the app policy');
  t.match(docs.headers['content-security-policy'], /script-src 'self'(;|$)/, 'and no inline script');
  t.equal(docs.headers['x-content-type-options'], 'nosniff', 'and the other security headers');
});
