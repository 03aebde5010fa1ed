// The app and the content origin listening on real ports, with real Chromium, for browser tests.
import type { Browser, Page } from 'puppeteer-core';
import { buildContentApp } from '../../src/content/content-app.js';
import { buildTestApp, PASSWORD } from './build-app.js';
import { launchChromium } from './chromium.js';
import { freePort } from './ports.js';

export interface LiveServerOptions {
  /** Share one browser between several servers of a test file (it is not closed with them). */
  chromium?: Browser;
  /**
   * The host name browsers use for the content origin. By default `localhost` while the app is `127.0.0.1`: two
   * sites, as the app's own default. `127.0.0.1` puts content on the app's site (a misconfiguration, for tests that
   * show the other defences hold alone).
   */
  contentHost?: string;
}

export async function startLiveServers(options: LiveServerOptions = {}) {
  const [appPort, contentPort] = [await freePort(), await freePort()];
  const appOrigin = `http://127.0.0.1:${appPort}`;
  const contentOrigin = `http://${options.contentHost ?? 'localhost'}:${contentPort}`;
  const ctx = await buildTestApp({ appOrigin, contentOrigin, contentPort });
  const content = await buildContentApp(ctx.config, { database: ctx.database });
  await ctx.app.listen({ host: '127.0.0.1', port: appPort });
  await content.listen({ host: '127.0.0.1', port: contentPort });
  const chromium = options.chromium ?? (await launchChromium());
  return {
    ctx,
    chromium,
    appOrigin,
    contentOrigin,
    async close() {
      if (!options.chromium) await chromium.close();
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

/** Reads until `done` says so or `ms` have passed (then returns the last value, for the test to show); polls every 200 ms. */
export async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The app alone on a real loopback port with a browser, for browser tests that need no package content. */
export async function startAppWithChromium() {
  const ctx = await buildTestApp();
  const address = await ctx.app.listen({ host: '127.0.0.1', port: 0 });
  const chromium = await launchChromium();
  return {
    ctx,
    address,
    chromium,
    async close() {
      await chromium.close();
      await ctx.close();
    },
  };
}
