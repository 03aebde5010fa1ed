import t from 'tap';
import { createTenant, PASSWORD } from '../helpers/build-app.js';
import { screenshot } from '../helpers/chromium.js';
import { startAppWithChromium } from '../helpers/live-servers.js';

const live = await startAppWithChromium();
const { ctx, address, chromium } = live;
t.teardown(() => live.close());

t.test('an admin signs in through the form in Chromium and sees the dashboard', async (t) => {
  const tenant = await createTenant(ctx.app);
  const page = await chromium.newPage();
  const problems: string[] = [];
  page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
  page.on('pageerror', (error) => problems.push(String(error)));

  await page.setViewport({ width: 1200, height: 800 });
  await page.goto(`${address}/admin/users`);
  t.match(page.url(), /\/login\?next=%2Fadmin%2Fusers$/, 'a signed-out visitor is sent to sign in');
  await screenshot(page, 'sign-in');

  await page.type('#f-email', tenant.admin.email);
  await page.type('#f-password', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  t.equal(new URL(page.url()).pathname, '/admin/users', 'back where they wanted to go');
  t.match(await page.$eval('h1', (h) => h.textContent), 'Users');

  // htmx live search: typing filters the table without a page load (proves htmx runs under our CSP).
  await page.type('#q', 'learner@');
  await page.waitForFunction(() => document.querySelectorAll('#user-table tbody tr').length === 1, { timeout: 5000 });
  t.match(await page.$eval('#user-table tbody', (b) => b.textContent), tenant.learner.email);
  t.match(page.url(), /q=learner%40/, 'the search is in the address bar');

  await Promise.all([page.waitForNavigation(), page.click('.nav a[href="/"]')]);
  t.match(await page.$eval('.lead', (e) => e.textContent), 'Organisation overview');
  t.match(await page.$eval('main', (m) => m.textContent), 'auth.login', 'recent activity lists the sign-in');
  await screenshot(page, 'admin-overview');

  await page.setViewport({ width: 390, height: 800 });
  await page.reload();
  await screenshot(page, 'admin-overview-phone');

  await Promise.all([page.waitForNavigation(), page.click('.account button')]);
  t.equal(new URL(page.url()).pathname, '/login', 'signing out returns to the sign-in page');
  t.same(problems, [], 'no console errors or CSP violations');
});

t.test('a learner signs in and sees My learning; a wrong password shows the message', async (t) => {
  const tenant = await createTenant(ctx.app);
  const page = await chromium.newPage();
  await page.goto(`${address}/login`);
  await page.type('#f-email', tenant.learner.email);
  await page.type('#f-password', 'definitely-wrong');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  t.match(await page.$eval('.alert-error', (e) => e.textContent), 'Email or password is incorrect.');
  t.equal(await page.$eval('#f-email', (e) => (e as HTMLInputElement).value), tenant.learner.email, 'the email is kept');
  await page.type('#f-password', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  t.match(await page.$eval('h1', (h) => h.textContent), 'My learning');
  await screenshot(page, 'learner-home');
});
