import type { GeoJsonPolygonal, Position } from '#common/api/city3d.ts';

/** The polygons of a footprint, each as rings of [longitude, latitude]. */
export const polygonsOf = (g: GeoJsonPolygonal): Position[][][] =>
  g.type === 'Polygon' ? [g.coordinates] : g.coordinates;

/** West, south, east, north (°). */
export function boundsOf(g: GeoJsonPolygonal): [number, number, number, number] {
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const polygon of polygonsOf(g))
    for (const [x, y] of polygon[0]) {
      if (x < w) w = x;
      if (x > e) e = x;
      if (y < s) s = y;
      if (y > n) n = y;
    }
  return [w, s, e, n];
}

/**
 * A point to stand for the footprint: the area-weighted centroid of its largest polygon's
 * exterior ring (shoelace formula), or its first position for a degenerate one.
 */
export function centroidOf(g: GeoJsonPolygonal): Position {
  let best: { area: number; x: number; y: number } | undefined;
  for (const polygon of polygonsOf(g)) {
    const ring = polygon[0];
    let a = 0;
    let cx = 0;
    let cy = 0;
    for (let i = 0; i < ring.length - 1; i++) {
      const [x0, y0] = ring[i];
      const [x1, y1] = ring[i + 1];
      const cross = x0 * y1 - x1 * y0;
      a += cross;
      cx += (x0 + x1) * cross;
      cy += (y0 + y1) * cross;
    }
    if (a === 0) continue;
    if (!best || Math.abs(a) > best.area) best = { area: Math.abs(a), x: cx / (3 * a), y: cy / (3 * a) };
  }
  return best ? [best.x, best.y] : polygonsOf(g)[0][0][0];
}

/** Whether a point lies inside a ring (ray casting; a point on the edge may go either way). */
function inRing([x, y]: Position, ring: Position[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Whether a point lies inside a footprint: inside an exterior ring and outside its holes. */
export function contains(g: GeoJsonPolygonal, point: Position): boolean {
  return polygonsOf(g).some(
    (polygon) => inRing(point, polygon[0]) && !polygon.slice(1).some((hole) => inRing(point, hole)),
  );
}
