import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import pino from 'pino';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { buildApp, type App } from '#server/app.ts';
import { loadConfig } from '#server/config.ts';
import { seedDemo } from '#server/demo/demo.ts';
import { openPlatform, type Platform } from '#server/platform.ts';
import { type FeedServer, startFeedServer, type TestStory } from '#server/testing/feed-server.ts';

/** Debian's Chromium, driven by playwright-core (CI installs it with `apt-get install -y chromium`). */
export const CHROMIUM = process.env.CIOP_CHROMIUM ?? '/usr/bin/chromium';

/** Exactly these flags; never --disable-software-rasterizer, which blanks WebGL maps. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--enable-unsafe-swiftshader',
];

export const SCREENSHOTS = path.resolve(import.meta.dirname, '..', 'test-results', 'screenshots');

export interface Viewport {
  width: number;
  height: number;
}

export const VIEWPORTS: Record<'phone' | 'desktop', Viewport> = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1366, height: 900 },
};

export interface Platform4Browser {
  platform: Platform;
  app: App;
  url: string;
  feeds: FeedServer;
  close(): Promise<void>;
}

const HOUR = 3_600_000;

/** Headlines of the local feed server: Spanish RSS, Basque Atom, each with a picture it serves. */
export function demoStories(base: string): { rss: TestStory[]; atom: TestStory[] } {
  const now = Date.now();
  const picture = `${base}/picture.svg`;
  return {
    rss: [
      {
        id: 'bici',
        title: 'Nuevo carril bici en la calle Aldabe',
        summary: 'El Ayuntamiento conecta Coronación con el centro.',
        published: now - 2 * HOUR,
        image: picture,
      },
      { id: 'mercado', title: 'Mercado de productores en la plaza', published: now - 5 * HOUR },
      { id: 'biblioteca', title: 'La biblioteca amplía su horario en invierno', published: now - 9 * HOUR },
    ],
    atom: [
      {
        id: 'zuhaitzak',
        title: 'Zuhaitz berriak Eulogio Serdán kalean',
        published: now - 3 * HOUR,
        image: picture,
      },
      { id: 'kontzertua', title: 'Kontzertua auzo-etxean larunbatean', published: now - 7 * HOUR },
    ],
  };
}

/**
 * A real CIOP on a temporary SQLite database with the demo district (a few days of history, to
 * stay fast) and a local feed server with an RSS and an Atom feed, listening on a free port.
 */
export async function startPlatform(
  options: {
    days?: number;
    feeds?: boolean;
    /** Adds routes before the platform listens (stand-ins for services not built yet). */
    beforeListen?: (app: App, platform: Platform) => void;
  } = {},
): Promise<Platform4Browser> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ciop-e2e-'));
  const config = loadConfig(
    {},
    {
      databaseUrl: `sqlite:${path.join(dir, 'ciop.db')}`,
      logLevel: 'silent',
      mqttPort: 0,
      host: '127.0.0.1',
      port: 0,
      sqliteSync: 'normal',
    },
  );
  const platform = await openPlatform(config, pino({ level: 'silent' }));
  await seedDemo(platform, { days: options.days ?? 3 });
  const feeds = await startFeedServer();
  const stories = demoStories(feeds.url);
  feeds.rss = stories.rss;
  feeds.atom = stories.atom;
  if (options.feeds !== false) {
    await platform.news.createFeed({ url: `${feeds.url}/rss.xml`, title: 'Vitoria-Gasteiz hoy' });
    await platform.news.createFeed({ url: `${feeds.url}/atom.xml` });
    await platform.news.fetchAll();
  }
  const app = await buildApp(platform);
  options.beforeListen?.(app, platform);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    platform,
    app,
    url: `http://127.0.0.1:${port}`,
    feeds,
    close: async () => {
      await app.close();
      await feeds.close();
      await platform.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestBrowser {
  context: BrowserContext;
  /** A new tab at a viewport, with the site's storage emptied (no remembered language). */
  page(viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

/**
 * Launches Chromium with the flags above and a fresh profile (`--user-data-dir`) in a temporary
 * folder, which is also its TMPDIR (Chromium leaves folders there); all of it is removed on close.
 */
export async function launchBrowser(): Promise<TestBrowser> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ciop-chromium-'));
  const profile = path.join(dir, 'profile');
  const temp = path.join(dir, 'tmp');
  mkdirSync(profile);
  mkdirSync(temp);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    env: { ...process.env, TMPDIR: temp },
    viewport: VIEWPORTS.desktop,
    locale: 'en-GB',
  });
  return {
    context,
    page: async (viewport = VIEWPORTS.desktop) => {
      await context.clearCookies();
      const page = await context.newPage();
      await page.setViewportSize(viewport);
      return page;
    },
    close: async () => {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Forgets what the site remembered in the browser (the chosen language). */
export async function forgetSiteStorage(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/robots.txt`);
  await page.evaluate('localStorage.clear()');
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.clearBrowserCache');
  await cdp.detach();
}

/** Opens a page of the app and waits until the app has drawn it (the shell or a kiosk page). */
export async function open(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('#main, main.tv', { state: 'attached' });
}

/** Fills the login form the page shows and sends it; callers wait for where they expect to land. */
export async function submitLogin(page: Page, email: string, password: string): Promise<void> {
  await page.fill('#login-email', email);
  await page.fill('#login-password', password);
  await page.click('form button[type="submit"]');
}

/**
 * Opens `path` of the platform at `url`, is sent to the login page on the way (which is to return
 * to `path`), and logs in there. Callers wait for where they expect to land.
 */
export async function logInOnTheWayTo(
  page: Page,
  url: string,
  path: string,
  email: string,
  password: string,
): Promise<void> {
  await open(page, `${url}${path}`);
  await page.waitForURL((u) => u.pathname === '/login' && u.searchParams.get('next') === path);
  await submitLogin(page, email, password);
}

/** A screenshot of the whole page, kept as a test artefact under test-results/screenshots/. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({
    path: path.join(SCREENSHOTS, `${name}.png`),
    fullPage: true,
    animations: 'disabled',
  });
}

/** The WCAG levels every page is held to: 2.0 and 2.1, A and AA. */
const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * An axe check of the page as it stands against WCAG 2.1 AA: its serious and critical violations,
 * one readable line each (rule, help, the elements, after `where` when given, for checks of several
 * pages), and how many rules passed. `expect((await checkAccessibility(page)).serious).toEqual([])`
 * names every violation when it fails.
 */
export async function checkAccessibility(
  page: Page,
  where?: string,
): Promise<{ serious: string[]; passed: number }> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_AA).analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => {
      const line = `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`;
      return where ? `${where} ${line}` : line;
    });
  return { serious, passed: results.passes.length };
}
