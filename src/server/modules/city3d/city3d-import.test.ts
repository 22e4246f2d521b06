import { describe, expect, it } from 'vitest';
import { parseBuildings } from './city3d-import.ts';
import { ALDABE, aldabeLatLon, aldabeUtm, inspireGml } from './city3d-test-files.ts';

describe('INSPIRE Buildings GML', () => {
  it('reads EPSG:4258 latitude first, so a building lands in Vitoria-Gasteiz and not in the Indian Ocean', () => {
    const parsed = parseBuildings(inspireGml([{ id: '0159301WN1405N', posList: aldabeLatLon() }]));
    expect(parsed).toMatchObject({ format: 'gml', srs: 'EPSG:4258', refusals: [] });
    const [b] = parsed.buildings;
    const [lon, lat] = (b.footprint as { coordinates: number[][][] }).coordinates[0][0];
    expect(lon).toBeCloseTo(-2.6755, 6);
    expect(lat).toBeCloseTo(42.8515, 6);
    expect(b).toMatchObject({
      reference: '0159301WN1405N',
      floors: 5,
      heightM: 15,
      heightSource: 'floors',
      currentUse: '1_residential',
      dwellings: 12,
      yearBuilt: 1962,
      officialAreaM2: 1450,
      condition: 'functional',
    });
  });

  it('reads EPSG:25830 easting first and EPSG:3042 northing first to the same place', () => {
    for (const [srs, posList] of [
      ['urn:ogc:def:crs:EPSG::25830', aldabeUtm()],
      ['http://www.opengis.net/def/crs/EPSG/0/3042', aldabeUtm().map(([e, n]) => [n, e])],
    ] as const) {
      const [b] = parseBuildings(inspireGml([{ id: 'UTM1', posList: [...posList], srs }])).buildings;
      const first = (b.footprint as { coordinates: number[][][] }).coordinates[0][0];
      expect(first[0]).toBeCloseTo(-2.6755, 6);
      expect(first[1]).toBeCloseTo(42.8515, 6);
    }
  });

  it('takes heightAboveGround over floors and says where the height came from', () => {
    const [b] = parseBuildings(
      inspireGml([
        {
          id: 'H1',
          posList: aldabeLatLon(),
          extra:
            '<bu-core2d:heightAboveGround><bu-core2d:HeightAboveGround><bu-core2d:value uom="m">17.4</bu-core2d:value></bu-core2d:HeightAboveGround></bu-core2d:heightAboveGround><bu-ext2d:numberOfFloorsAboveGround>5</bu-ext2d:numberOfFloorsAboveGround>',
        },
      ]),
    ).buildings;
    expect(b).toMatchObject({ heightM: 17.4, heightSource: 'measured', floors: 5 });
    const [unknown] = parseBuildings(
      inspireGml([
        { id: 'U1', posList: aldabeLatLon(), extra: '<bu-ext2d:numberOfFloorsAboveGround xsi:nil="true"/>' },
      ]),
    ).buildings;
    expect(unknown).toMatchObject({ heightM: null, heightSource: 'unknown', floors: null });
  });

  it('refuses a malformed feature by its reference and reads the others', () => {
    const open = aldabeLatLon().slice(0, 4);
    const parsed = parseBuildings(
      inspireGml([
        { id: 'GOOD1', posList: aldabeLatLon() },
        { id: 'OPENRING', posList: open },
        { id: 'ODD', posList: [...aldabeLatLon(), [42.85]] },
        { id: 'GOOD2', posList: aldabeLatLon() },
        { id: 'SWAPPED', posList: aldabeUtm(), srs: 'urn:ogc:def:crs:EPSG::4258' },
      ]),
    );
    expect(parsed.buildings.map((b) => b.reference)).toEqual(['GOOD1', 'GOOD2']);
    expect(parsed.refusals.map((r) => r.reference)).toEqual(['OPENRING', 'ODD', 'SWAPPED']);
    expect(parsed.refusals[0].reason).toMatch(/not closed/);
    expect(parsed.refusals[1].reason).toMatch(/whole number of 2D positions|not closed/);
    expect(parsed.refusals[2].reason).toMatch(/outside the Earth/);
  });

  it('refuses a whole file that is not XML or holds no building', () => {
    expect(() => parseBuildings('<gml:FeatureCollection')).toThrow(/GML cannot be read|no Building/);
    expect(() => parseBuildings('<a/>')).toThrow(/no Building/);
    expect(() => parseBuildings('hello')).toThrow(/neither GeoJSON/);
    expect(() => parseBuildings(inspireGml([]), { srs: 'EPSG:2062' })).toThrow(
      /srs: EPSG:2062 is not supported/,
    );
  });
});

describe('GeoJSON', () => {
  it('reads longitude first, INSPIRE-named properties, and a legacy crs of EPSG:25830', () => {
    const doc = (coordinates: number[][], crs?: string) =>
      JSON.stringify({
        type: 'FeatureCollection',
        ...(crs ? { crs: { type: 'name', properties: { name: crs } } } : {}),
        features: [
          {
            type: 'Feature',
            properties: {
              reference: 'G1',
              numberOfFloorsAboveGround: 4,
              currentUse: '4_2_retail',
              address: 'Calle Aldabe 3',
            },
            geometry: { type: 'Polygon', coordinates: [coordinates] },
          },
          {
            type: 'Feature',
            properties: { reference: 'G2' },
            geometry: { type: 'Point', coordinates: [0, 0] },
          },
        ],
      });
    for (const parsed of [
      parseBuildings(doc(ALDABE)),
      parseBuildings(doc(aldabeUtm(), 'urn:ogc:def:crs:EPSG::25830')),
    ]) {
      expect(parsed.buildings).toHaveLength(1);
      expect(parsed.buildings[0]).toMatchObject({
        reference: 'G1',
        heightM: 12,
        heightSource: 'floors',
        address: 'Calle Aldabe 3',
      });
      expect(
        (parsed.buildings[0].footprint as { coordinates: number[][][] }).coordinates[0][0][1],
      ).toBeCloseTo(42.8515, 6);
      expect(parsed.refusals).toEqual([
        { reference: 'G2', reason: expect.stringMatching(/Point, not a Polygon/) },
      ]);
    }
  });
});
