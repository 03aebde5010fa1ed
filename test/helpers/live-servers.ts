// The app and the content origin listening on real ports, with one real Chromium, for browser tests.
import type { Page } from 'puppeteer-core';
import { buildContentApp } from '../../src/content/content-app.js';
import { buildTestApp, PASSWORD } from './build-app.js';
import { launchChromium } from './chromium.js';
import { freePort } from './ports.js';

export async function startLiveServers() {
  const [appPort, contentPort] = [await freePort(), await freePort()];
  const appOrigin = `http://127.0.0.1:${appPort}`;
  const contentOrigin = `http://127.0.0.1:${contentPort}`;
  const ctx = await buildTestApp({ appOrigin, contentOrigin, contentPort });
  const content = await buildContentApp(ctx.config, { database: ctx.database });
  await ctx.app.listen({ host: '127.0.0.1', port: appPort });
  await content.listen({ host: '127.0.0.1', port: contentPort });
  const chromium = await launchChromium();
  return {
    ctx,
    chromium,
    appOrigin,
    contentOrigin,
    async close() {
      await chromium.close();
      await content.close();
      await ctx.close();
    },
  };
}

/** Signs in through the form, as a person would. */
export async function signIn(page: Page, appOrigin: string, email: string, password = PASSWORD) {
  await page.goto(`${appOrigin}/login`);
  await page.type('#f-email', email);
  await page.type('#f-password', password);
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
}
