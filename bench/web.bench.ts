/**
 * Web benchmark: the landing portal, a resident's compare page, an installer's status page and
 * the KPI summary measured with Lighthouse
 * (the npm package, programmatically) in Debian's Chromium, against a CIOP serving the demo
 * district. Prints performance, accessibility and best practices, the JavaScript each page
 * downloaded (as sent, and what brotli would make of it), and the goals beside them.
 *
 *   npm run bench:web          (CIOP_BENCH_DAYS=120 days of demo history, CIOP_BENCH_RUNS=3 runs a page)
 *
 * Lighthouse's default settings: a mid-range phone, simulated slow 4G and a 4× slower CPU.
 * The pages behind a login need a session, which a single-page app keeps in memory and renews
 * through its refresh cookie: so the bench logs in through the login page (as the resident, then
 * the installer, then the KPI evaluator), over the same DevTools port Lighthouse then uses, and
 * the browser profile keeps the cookie for the runs of that page. Beside each page: the machine's
 * load average while it was measured, and the JavaScript that came after the first paint (the KPI
 * summary's map loads only once it is near the screen).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';
import lighthouse from 'lighthouse';
import pino from 'pino';
import { chromium } from 'playwright-core';
import { loadConfig } from '../src/server/config.ts';
import { seedDemo } from '../src/server/demo/demo.ts';
import { findUserByEmail } from '../src/server/modules/auth/accounts.store.ts';
import { COMFORT_JOB } from '../src/server/modules/comfort/comfort.service.ts';
import { openPlatform } from '../src/server/platform.ts';
import { startCiop } from './lib/servers.ts';
import { freePort } from '../src/server/testing/ports.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const DAYS = Number(process.env.CIOP_BENCH_DAYS ?? 120);
const RUNS = Number(process.env.CIOP_BENCH_RUNS ?? 3);
const CHROMIUM = process.env.CHROME_PATH ?? process.env.CIOP_CHROMIUM ?? '/usr/bin/chromium';
/** DEPENDENCIES.md: exactly these flags for Debian's Chromium here. */
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
const RESIDENT = 'resident@demo.ciop.example';
const INSTALLER = 'installer@demo.ciop.example';
const EVALUATOR = 'kpi@demo.ciop.example';
const PASSWORD = 'benchmark resident passphrase';
const GOALS = { performance: 90, accessibility: 95, landingScriptKB: 300 };
const REPORTS = path.join(ROOT, 'test-results', 'lighthouse');

const log = (line: string) => process.stdout.write(`${line}\n`);
const work = mkdtempSync(path.join(tmpdir(), 'ciop-bench-web-'));

// 1. The server and the web applications, built when missing or older than their sources.
const built = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-if-needed.mjs')], {
  cwd: ROOT,
  stdio: 'inherit',
});
if (built.status !== 0) throw new Error('the web build failed');

// 2. The demo district in a SQLite file, with its comfort computed, and the demo resident's password.
const databaseUrl = `sqlite:${path.join(work, 'ciop.db')}`;
let began = performance.now();
const platform = await openPlatform(
  loadConfig({}, { databaseUrl, logLevel: 'silent', mqttPort: 0 }),
  pino({ level: 'silent' }),
);
const print = console.log;
console.log = () => undefined; // the demo prints its accounts' passwords: not wanted here
try {
  await seedDemo(platform, { days: DAYS });
} finally {
  console.log = print;
}
await platform.scheduler.run(COMFORT_JOB);
for (const email of [RESIDENT, INSTALLER, EVALUATOR])
  await platform.auth.accounts.setPassword(email, PASSWORD);
const resident = await findUserByEmail(platform.database.db, RESIDENT);
const dwellingId = resident ? (await platform.auth.accounts.get(resident.id)).dwellingIds[0] : undefined;
if (dwellingId === undefined) throw new Error(`${RESIDENT} has no dwelling`);
await platform.close();
log(
  `demo district: ${DAYS} days of history and its comfort in ${((performance.now() - began) / 1000).toFixed(0)} s`,
);

// 3. `ciop serve` on it, in a process of its own.
const ciop = await startCiop('sqlite', { CIOP_DATABASE_URL: databaseUrl });

// 4. Chromium with a DevTools port, in a profile and a temporary folder of its own.
const devtoolsPort = await freePort();
const profile = path.join(work, 'profile');
const chromeTmp = path.join(work, 'tmp');
mkdirSync(profile);
mkdirSync(chromeTmp);
const chrome: ChildProcess = spawn(
  CHROMIUM,
  [...FLAGS, `--remote-debugging-port=${devtoolsPort}`, `--user-data-dir=${profile}`, 'about:blank'],
  { env: { ...process.env, TMPDIR: chromeTmp }, stdio: 'ignore' },
);
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`http://127.0.0.1:${devtoolsPort}/json/version`)).ok) break;
  } catch {
    if (i > 100) throw new Error(`${CHROMIUM} did not open its DevTools port`);
  }
  await new Promise((r) => setTimeout(r, 100));
}

interface Measure {
  performance: number;
  accessibility: number;
  bestPractices: number;
  fcpMs: number;
  lcpMs: number;
  tbtMs: number;
  cls: number;
  scripts: number;
  scriptBytes: number;
  scriptBrotliBytes: number;
  /** JavaScript whose request started after the first contentful paint, bytes as sent. */
  afterPaintBytes: number;
  /** The map's JavaScript (MapLibre and its worker), bytes as sent, and whether it came after the first paint. */
  mapBytes: number;
  mapAfterPaint: boolean;
  /** The machine's one-minute load average when the page was measured. */
  load: number;
  failing: string[];
}

/** What brotli (quality 11, as the build writes `.br` files) makes of a built asset, bytes. */
function brotliBytes(url: string): number {
  const file = path.join(ROOT, 'dist', 'web', new URL(url).pathname);
  if (!existsSync(file)) return 0;
  const br = `${file}.br`;
  if (existsSync(br)) return readFileSync(br).length;
  const content = readFileSync(file);
  return brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
}

/** One Lighthouse run; a run whose trace went wrong (it happens now and then) is made again. */
async function audit(url: string, attempts = 3) {
  for (let attempt = 1; ; attempt++) {
    const result = await lighthouse(url, {
      port: devtoolsPort,
      output: 'json',
      logLevel: 'error',
      onlyCategories: ['performance', 'accessibility', 'best-practices'],
    });
    if (!result) throw new Error(`Lighthouse gave no result for ${url}`);
    const error = result.lhr.runtimeError;
    if (!error) return result.lhr;
    if (attempt >= attempts) throw new Error(`${url}: ${error.message}`);
    const answer = await fetch(url).then(
      (r) => `HTTP ${r.status}`,
      (e: Error) => e.message,
    );
    log(`  Lighthouse run failed (${error.code}; the page answers ${answer}); running it again`);
  }
}

async function measure(name: string, url: string): Promise<Measure> {
  const runs: Measure[] = [];
  for (let i = 0; i < RUNS; i++) {
    const lhr = await audit(url);
    mkdirSync(REPORTS, { recursive: true });
    writeFileSync(path.join(REPORTS, `${name}-${i + 1}.json`), JSON.stringify(lhr));
    const requests = ((lhr.audits['network-requests'].details as { items?: unknown[] })?.items ?? []) as {
      url: string;
      resourceType?: string;
      transferSize?: number;
      /** ms since the navigation started (Lighthouse 12; older ones say startTime). */
      networkRequestTime?: number;
      startTime?: number;
    }[];
    const scripts = requests.filter((r) => r.resourceType === 'Script');
    // Observed, not simulated, paint: the requests' times are observed too.
    const paint = (lhr.audits.metrics?.details as { items?: { observedFirstContentfulPaint?: number }[] })
      ?.items?.[0]?.observedFirstContentfulPaint;
    const startOf = (r: (typeof requests)[number]) => r.networkRequestTime ?? r.startTime ?? 0;
    const afterPaint = scripts.filter((r) => paint !== undefined && startOf(r) > paint);
    const map = scripts.filter((r) => /CityMap-|maplibre/i.test(r.url));
    const score = (id: string) => Math.round((lhr.categories[id]?.score ?? 0) * 100);
    const numeric = (id: string) => lhr.audits[id]?.numericValue ?? NaN;
    const failing = Object.values(lhr.categories)
      .flatMap((c) => c.auditRefs.filter((ref) => ref.weight > 0).map((ref) => lhr.audits[ref.id]))
      .filter((a) => a.score !== null && a.score < 0.9)
      .map((a) => `${a.id}${a.displayValue ? ` (${a.displayValue})` : ''}`);
    runs.push({
      performance: score('performance'),
      accessibility: score('accessibility'),
      bestPractices: score('best-practices'),
      fcpMs: numeric('first-contentful-paint'),
      lcpMs: numeric('largest-contentful-paint'),
      tbtMs: numeric('total-blocking-time'),
      cls: numeric('cumulative-layout-shift'),
      scripts: scripts.length,
      scriptBytes: scripts.reduce((s, r) => s + (r.transferSize ?? 0), 0),
      scriptBrotliBytes: scripts.reduce((s, r) => s + brotliBytes(r.url), 0),
      afterPaintBytes: afterPaint.reduce((s, r) => s + (r.transferSize ?? 0), 0),
      mapBytes: map.reduce((s, r) => s + (r.transferSize ?? 0), 0),
      mapAfterPaint: map.length > 0 && map.every((r) => afterPaint.includes(r)),
      load: loadavg()[0],
      failing: [...new Set(failing)],
    });
  }
  // The median run by performance score.
  runs.sort((a, b) => a.performance - b.performance);
  return runs[Math.floor(runs.length / 2)];
}

/** Logs in through the login page, in the profile Lighthouse uses; the cookie stays for its runs. */
async function logIn(email: string, next: string, landsOn: (path: string) => boolean): Promise<void> {
  const browser = await chromium.connectOverCDP(`http://127.0.0.1:${devtoolsPort}`);
  const page = await browser.contexts()[0].newPage();
  await page.goto(`${ciop.url}/login?next=${encodeURIComponent(next)}`);
  await page.fill('#login-email', email);
  await page.fill('#login-password', PASSWORD);
  await page.click('form button[type="submit"]');
  await page.waitForURL((u) => landsOn(u.pathname));
  await page.close();
  await browser.close();
}

const pages: { name: string; m: Measure }[] = [];
const loadBefore = loadavg()[0];
try {
  began = performance.now();
  pages.push({ name: 'landing  /', m: await measure('landing', `${ciop.url}/`) });
  await logIn(RESIDENT, '/home', (p) => p === `/home/${dwellingId}`);
  pages.push({
    name: `resident compare  /home/${dwellingId}`,
    m: await measure('compare', `${ciop.url}/home/${dwellingId}`),
  });
  await logIn(INSTALLER, '/installations', (p) => p === '/installations');
  pages.push({
    name: 'installer status  /installations',
    m: await measure('status', `${ciop.url}/installations`),
  });
  await logIn(EVALUATOR, '/kpi', (p) => p === '/kpi');
  pages.push({ name: 'KPI summary  /kpi', m: await measure('kpi-summary', `${ciop.url}/kpi`) });
  log(
    `Lighthouse: ${RUNS} run(s) a page in ${((performance.now() - began) / 1000).toFixed(0)} s (median run shown)`,
  );
} finally {
  chrome.kill('SIGTERM');
  await new Promise((r) => chrome.once('exit', r).once('error', r));
  await ciop.stop();
  rmSync(work, { recursive: true, force: true });
}
const [landing] = pages.map((p) => p.m);

const kB = (bytes: number) => `${(bytes / 1024).toFixed(0)} kB`;
const mark = (ok: boolean) => (ok ? 'ok' : 'MISSED');
const row = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(34) : c.padStart(12))).join('');
log('');
const version = (
  JSON.parse(readFileSync(path.join(ROOT, 'node_modules', 'lighthouse', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;
log(
  `CIOP web pages, Lighthouse ${version} (mobile, simulated slow 4G, 4× CPU) in ${path.basename(CHROMIUM)}`,
);
log(
  row([
    'page',
    'performance',
    'accessib.',
    'best pract.',
    'JS sent',
    'JS brotli',
    'scripts',
    'after paint',
    'LCP',
    'TBT',
    'CLS',
    'load avg',
  ]),
);
for (const { name, m } of pages) {
  log(
    row([
      name,
      String(m.performance),
      String(m.accessibility),
      String(m.bestPractices),
      kB(m.scriptBytes),
      kB(m.scriptBrotliBytes),
      String(m.scripts),
      kB(m.afterPaintBytes),
      `${(m.lcpMs / 1000).toFixed(1)} s`,
      `${m.tbtMs.toFixed(0)} ms`,
      m.cls.toFixed(3),
      m.load.toFixed(1),
    ]),
  );
}
const kpi = pages[pages.length - 1].m;
log(
  `KPI summary map: ${kB(kpi.mapBytes)} of JavaScript ` +
    (kpi.mapBytes === 0
      ? '(not loaded: the map is below the first screen and loads when it comes near it)'
      : kpi.mapAfterPaint
        ? '(requested after the first paint)'
        : '(requested before the first paint)'),
);
log('');
const each = (ok: (m: Measure) => boolean) =>
  pages.map((p) => `${p.name.split('  ')[0]} ${mark(ok(p.m))}`).join(', ');
log(
  `goals: performance ≥ ${GOALS.performance} (${each((m) => m.performance >= GOALS.performance)}); ` +
    `accessibility ≥ ${GOALS.accessibility} (${each((m) => m.accessibility >= GOALS.accessibility)}); ` +
    `landing JS < ${GOALS.landingScriptKB} kB compressed (${mark(landing.scriptBytes < GOALS.landingScriptKB * 1024)})`,
);
for (const { name, m } of pages)
  if (m.failing.length > 0) log(`${name.split('  ')[0]}: audits below 0.9: ${m.failing.join(', ')}`);
const load = Math.max(loadBefore, loadavg()[0]);
if (load > availableParallelism())
  log(
    `note: the machine was busy (load average ${load.toFixed(1)} on ${availableParallelism()} cores); Lighthouse multiplies the ` +
      'main-thread time it observes, so blocking time and performance vary with other work: run again when it is idle.',
  );
log(`reports: ${path.relative(ROOT, REPORTS)}/`);
