/**
 * The 3D city with 40,000 buildings (CIOP_BENCH_BUILDINGS): import time of the cadastre as
 * INSPIRE GML in EPSG:25830 and again as GeoJSON (every building replaced), the CSV of solar
 * attributes, the tile index build and the whole city's tiles (zoom 12–16) cut and gzipped, the
 * bytes a browser fetches to show the whole city at a city-wide zoom, and in Debian's Chromium
 * (software WebGL, SwiftShader) the time to the first frame with every visible tile drawn and
 * the frames per second while orbiting, beside the same page with the buildings off (an empty
 * map) in the same run.
 *
 *   npm run bench:city3d
 *
 * Goals: import ≤ 20 s, whole-city tiles ≤ 5 MB compressed, first frame ≤ 3 s.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import proj4 from 'proj4';
import type { Page, Request } from 'playwright-core';
import { syntheticCity } from '../src/server/modules/city3d/city3d-demo.ts';
import { launchBrowser } from '../e2e/harness.ts';
import { adminHeaders, startCiop } from './lib/servers.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const COUNT = Number(process.env.CIOP_BENCH_BUILDINGS ?? 40_000);
const GOALS = { importS: 20, tilesMB: 5, firstFrameS: 3 };
const VIEWPORT = { width: 1366, height: 900 };
const log = (line: string) => process.stdout.write(`${line}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;

const built = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-if-needed.mjs')], {
  cwd: ROOT,
  stdio: 'inherit',
});
if (built.status !== 0) throw new Error('the build failed');

// --- The files ----------------------------------------------------------------------------------
const city = syntheticCity(COUNT);
const UTM30 = '+proj=utm +zone=30 +ellps=GRS80 +units=m +no_defs';
const toUtm = proj4('WGS84', UTM30);
const gmlParts: string[] = [
  '<?xml version="1.0" encoding="UTF-8"?>\n<gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:base="urn:x-inspire:specification:gmlas:BaseTypes:3.2" xmlns:bu-core2d="http://inspire.jrc.ec.europa.eu/schemas/bu-core2d/2.0" xmlns:bu-ext2d="http://inspire.jrc.ec.europa.eu/schemas/bu-ext2d/2.0" gml:id="city">',
];
for (const f of city.features) {
  const p = f.properties;
  const ring = f.geometry.coordinates[0].map((pos) =>
    toUtm
      .forward(pos)
      .map((x) => x.toFixed(2))
      .join(' '),
  );
  const height =
    p.heightAboveGround === undefined
      ? ''
      : `<bu-core2d:heightAboveGround><bu-core2d:HeightAboveGround><bu-core2d:value uom="m">${p.heightAboveGround}</bu-core2d:value></bu-core2d:HeightAboveGround></bu-core2d:heightAboveGround>`;
  gmlParts.push(
    `<gml:featureMember><bu-ext2d:Building gml:id="ES.SDGC.BU.${p.reference}"><bu-core2d:inspireId><base:Identifier><base:localId>${p.reference}</base:localId><base:namespace>ES.SDGC.BU</base:namespace></base:Identifier></bu-core2d:inspireId>` +
      `<bu-core2d:conditionOfConstruction>${p.conditionOfConstruction}</bu-core2d:conditionOfConstruction>` +
      `<bu-core2d:dateOfConstruction><bu-core2d:DateOfEvent><bu-core2d:end>${p.dateOfConstruction}T00:00:00</bu-core2d:end></bu-core2d:DateOfEvent></bu-core2d:dateOfConstruction>` +
      `<bu-core2d:geometry><bu-core2d:BuildingGeometry><bu-core2d:geometry><gml:Surface gml:id="S.${p.reference}" srsName="urn:ogc:def:crs:EPSG::25830"><gml:patches><gml:PolygonPatch><gml:exterior><gml:LinearRing><gml:posList srsDimension="2" count="5">${ring.join(' ')}</gml:posList></gml:LinearRing></gml:exterior></gml:PolygonPatch></gml:patches></gml:Surface></bu-core2d:geometry></bu-core2d:BuildingGeometry></bu-core2d:geometry>` +
      height +
      `<bu-ext2d:currentUse>${p.currentUse}</bu-ext2d:currentUse>` +
      (p.numberOfDwellings === undefined
        ? ''
        : `<bu-ext2d:numberOfDwellings>${p.numberOfDwellings}</bu-ext2d:numberOfDwellings>`) +
      `<bu-ext2d:numberOfFloorsAboveGround>${p.numberOfFloorsAboveGround}</bu-ext2d:numberOfFloorsAboveGround>` +
      `<bu-ext2d:officialArea><bu-ext2d:OfficialArea><bu-ext2d:officialAreaReference>grossFloorArea</bu-ext2d:officialAreaReference><bu-ext2d:value uom="M2">${p.officialArea}</bu-ext2d:value></bu-ext2d:OfficialArea></bu-ext2d:officialArea>` +
      '</bu-ext2d:Building></gml:featureMember>',
  );
}
gmlParts.push('</gml:FeatureCollection>');
const gml = gmlParts.join('\n');
const geojson = JSON.stringify(city);
const csv = [
  'reference;solar_roof_area;solar_potential;energy_rating',
  ...city.features.map(
    (f, i) => `${f.properties.reference};${100 + (i % 300)};${(100 + (i % 300)) * 227};${'ABCDEFG'[i % 7]}`,
  ),
].join('\n');
log(
  `${COUNT} synthetic buildings: GML ${mb(gml.length)}, GeoJSON ${mb(geojson.length)}, CSV ${mb(csv.length)}`,
);

// --- The server ---------------------------------------------------------------------------------
const ciop = await startCiop('sqlite');
try {
  const admin = await adminHeaders(ciop.url);
  const post = async (url: string, type: string, body: string) => {
    const began = performance.now();
    const res = await fetch(`${ciop.url}${url}`, {
      method: 'POST',
      headers: { authorization: admin.authorization, 'content-type': type },
      body,
    });
    const ms = performance.now() - began;
    if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
    return { ms, report: (await res.json()) as Record<string, unknown> };
  };
  const gmlImport = await post('/api/v1/city3d/buildings/import', 'application/gml+xml', gml);
  log(
    `GML import (EPSG:25830): ${seconds(gmlImport.ms)}, ${JSON.stringify({ ...gmlImport.report, refusals: undefined })}`,
  );
  const jsonImport = await post('/api/v1/city3d/buildings/import', 'application/geo+json', geojson);
  log(
    `GeoJSON re-import: ${seconds(jsonImport.ms)}, ${JSON.stringify({ ...jsonImport.report, refusals: undefined })}`,
  );
  const csvImport = await post('/api/v1/city3d/attributes/import', 'text/csv', csv);
  log(`attributes CSV: ${seconds(csvImport.ms)}, updated ${String(csvImport.report.updated)}`);

  // --- Tiles: the index, then every tile of the city at zoom 12–16 -------------------------------
  let began = performance.now();
  const indicators = (await (await fetch(`${ciop.url}/api/v1/city3d/attributes`)).json()) as {
    bounds: number[];
  };
  const indexMs = performance.now() - began;
  const [west, south, east, north] = indicators.bounds;
  const tileX = (lon: number, z: number) => Math.floor(((lon + 180) / 360) * 2 ** z);
  const tileY = (lat: number, z: number) => {
    const r = (lat * Math.PI) / 180;
    return Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * 2 ** z);
  };
  const perZoom: { z: number; tiles: number; bytes: number }[] = [];
  began = performance.now();
  for (let z = 12; z <= 16; z++) {
    const urls: string[] = [];
    for (let x = tileX(west, z); x <= tileX(east, z); x++)
      for (let y = tileY(north, z); y <= tileY(south, z); y++)
        urls.push(`${ciop.url}/api/v1/city3d/tiles/${z}/${x}/${y}.pbf`);
    let bytes = 0;
    let tiles = 0;
    for (let i = 0; i < urls.length; i += 8) {
      const sizes = await Promise.all(
        urls.slice(i, i + 8).map(async (u) => {
          const res = await fetch(u, { headers: { 'accept-encoding': 'gzip' } });
          // fetch unpacks gzip: the bytes on the wire are the content-length the server sent.
          const length = Number(res.headers.get('content-length') ?? 0);
          await res.arrayBuffer();
          return res.status === 200 ? length : -1;
        }),
      );
      for (const s of sizes) {
        if (s < 0) continue;
        bytes += s;
        tiles++;
      }
    }
    perZoom.push({ z, tiles, bytes });
  }
  const tilesMs = performance.now() - began;
  log(`tile index build (first request after the import): ${seconds(indexMs)}`);
  log(`whole city cut, encoded and gzipped at zoom 12–16: ${seconds(tilesMs)}`);
  for (const p of perZoom) log(`  zoom ${p.z}: ${p.tiles} tiles, ${mb(p.bytes)} gzipped`);

  // --- Chromium ------------------------------------------------------------------------------------
  const browser = await launchBrowser();
  try {
    const measure = async (query: string) => {
      const page = await browser.page(VIEWPORT);
      // Tiles are fetched by MapLibre's worker: Playwright reports the worker's requests too.
      // Bytes as sent: the gzipped content-length of each tile answered.
      const fetched: { url: string; bytes: number }[] = [];
      const pending: Promise<void>[] = [];
      const counted = async (request: Request) => {
        if (!request.url().includes('/city3d/tiles/')) return;
        const response = await request.response();
        if (response?.status() !== 200) return;
        fetched.push({ url: request.url(), bytes: Number(response.headers()['content-length'] ?? 0) });
      };
      page.context().on('requestfinished', (request) => pending.push(counted(request)));
      await page.goto(`${ciop.url}/city${query}`);
      const viewer = '[data-testid="city-viewer"]';
      await page.waitForSelector(`${viewer}[data-state="drawn"]`, { timeout: 120_000 });
      await page.waitForSelector(`${viewer}[data-moving="false"]`, { timeout: 120_000 });
      await Promise.all(pending);
      // What it took to show the whole city, before the orbit asks for more.
      const tiles = fetched.length;
      const tileBytes = fetched.reduce((sum, f) => sum + f.bytes, 0);
      const zooms = [...new Set(fetched.map((f) => /tiles\/(\d+)\//.exec(f.url)?.[1]))].join(', ');
      const firstFrameMs = Number(await page.getAttribute(viewer, 'data-first-frame-ms'));
      const fps = await orbit(page, viewer);
      await page.close();
      page.context().removeAllListeners('requestfinished');
      return { firstFrameMs, fps, tiles, tileBytes, zooms };
    };
    const empty = await measure('?buildings=0');
    const full = await measure('');
    log('');
    log(`Chromium ${VIEWPORT.width}×${VIEWPORT.height}, software WebGL (SwiftShader):`);
    log('| page                          | first frame | orbiting   | tiles fetched          |');
    log('| ----------------------------- | ----------- | ---------- | ---------------------- |');
    log(
      `| empty map (buildings off)     | ${seconds(empty.firstFrameMs).padEnd(11)} | ${empty.fps.toFixed(1).padStart(5)} fps  | ${String(empty.tiles).padEnd(22)} |`,
    );
    log(
      `| ${COUNT} buildings, whole city | ${seconds(full.firstFrameMs).padEnd(11)} | ${full.fps.toFixed(1).padStart(5)} fps  | ${`${full.tiles}, ${mb(full.tileBytes)}`.padEnd(22)} |`,
    );
    log(`(tiles of zoom ${full.zooms})`);
    log('');
    const tilesAtCityZoom = Math.max(...perZoom.filter((p) => p.z <= 13).map((p) => p.bytes));
    log('| goal                                   | measured | goal    |');
    log('| -------------------------------------- | -------- | ------- |');
    log(
      `| import (GML, ${COUNT})                  | ${seconds(gmlImport.ms).padEnd(8)} | ≤ ${GOALS.importS} s  |`,
    );
    log(
      `| whole-city tiles at city zoom, gzipped | ${mb(Math.max(full.tileBytes, tilesAtCityZoom)).padEnd(8)} | ≤ ${GOALS.tilesMB} MB  |`,
    );
    log(
      `| first frame                            | ${seconds(full.firstFrameMs).padEnd(8)} | ≤ ${GOALS.firstFrameS} s   |`,
    );
  } finally {
    await browser.close();
  }
} finally {
  await ciop.stop();
}

/**
 * Orbits the camera for about two seconds with the right mouse button (MapLibre's rotate and
 * pitch) and answers the frames the map drew per second meanwhile.
 */
async function orbit(page: Page, viewer: string): Promise<number> {
  const box = await page.locator(`${viewer} canvas`).boundingBox();
  if (!box) throw new Error('the map has no canvas');
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const framesBefore = Number(await page.getAttribute(viewer, 'data-frames'));
  const began = performance.now();
  await page.mouse.move(cx, cy);
  await page.mouse.down({ button: 'right' });
  for (let i = 1; i <= 120; i++) {
    await page.mouse.move(cx + Math.sin(i / 19) * 300, cy + Math.sin(i / 31) * 60);
    await page.waitForTimeout(16);
  }
  await page.mouse.up({ button: 'right' });
  const elapsedS = (performance.now() - began) / 1000;
  const frames = Number(await page.getAttribute(viewer, 'data-frames')) - framesBefore;
  return frames / elapsedS;
}
