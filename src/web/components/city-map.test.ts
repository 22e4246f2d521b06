import { describe, expect, it } from 'vitest';
import {
  boundsOf,
  classesOf,
  colourExpression,
  hullFeature,
  DEFAULT_RAMP,
  legendOf,
  type MapFeatures,
  NO_DATA_COLOUR,
  pointFeatures,
  sizeExpression,
} from './city-map.ts';

const buildings = pointFeatures(
  [
    { code: 'A', longitude: -2.68, latitude: 42.85, value: 80 },
    { code: 'B', longitude: -2.67, latitude: 42.86, value: 120 },
    { code: 'C', longitude: -2.66, latitude: 42.855, value: null },
  ],
  (b) => ({ code: b.code, value: b.value }),
);

const line: MapFeatures = {
  type: 'FeatureCollection',
  features: [
    {
      type: 'Feature',
      geometry: {
        type: 'MultiLineString',
        coordinates: [
          [
            [-2.7, 42.84],
            [-2.69, 42.845],
          ],
          [[-2.65, 42.87]],
        ],
      },
      properties: { route: 2 },
    },
  ],
};

describe('the city map’s drawing rules', () => {
  it('ramps a colour between the lowest and highest value, and greys the features without one', () => {
    expect(colourExpression({ by: 'value' }, buildings)).toEqual([
      'case',
      ['==', ['typeof', ['get', 'value']], 'number'],
      [
        'interpolate',
        ['linear'],
        ['get', 'value'],
        80,
        DEFAULT_RAMP[0],
        100,
        DEFAULT_RAMP[1],
        120,
        DEFAULT_RAMP[2],
      ],
      NO_DATA_COLOUR,
    ]);
  });

  it('holds a ramp to the ends it is given, and draws one colour when every value is the same', () => {
    const fixed = colourExpression({ by: 'value', min: 0, max: 200, ramp: ['#fff', '#000'] }, buildings);
    expect(fixed).toContainEqual(['interpolate', ['linear'], ['get', 'value'], 0, '#fff', 200, '#000']);
    const flat = colourExpression({ by: 'value', min: 5, max: 5 }, buildings);
    expect(flat).toContainEqual(['literal', DEFAULT_RAMP[1]]);
  });

  it('colours categories by their value, with the no-data grey for any other', () => {
    const categories = [
      { value: 'natural_gas', colour: '#e8680c', label: 'Natural gas' },
      { value: 'electricity', colour: '#f5cf00', label: 'Electricity' },
    ];
    expect(colourExpression({ by: 'carrier', categories }, buildings)).toEqual([
      'match',
      ['get', 'carrier'],
      'natural_gas',
      '#e8680c',
      'electricity',
      '#f5cf00',
      NO_DATA_COLOUR,
    ]);
  });

  it('sizes by a value within a range of pixels, or keeps the default size', () => {
    expect(sizeExpression({ by: 'value', range: [4, 12] }, buildings, 8)).toEqual([
      'case',
      ['==', ['typeof', ['get', 'value']], 'number'],
      ['interpolate', ['linear'], ['get', 'value'], 80, 4, 120, 12],
      8,
    ]);
    expect(sizeExpression(undefined, buildings, 8)).toBe(8);
  });

  it('writes the legend in text: a ramp’s formatted ends, the categories, and "no data" when some lack a value', () => {
    const ramp = legendOf({ by: 'value', format: (v) => `${v} kWh/m²` }, buildings, 'No data');
    expect(ramp).toEqual({
      entries: [{ colour: NO_DATA_COLOUR, label: 'No data' }],
      ramp: { colours: DEFAULT_RAMP, low: '80 kWh/m²', high: '120 kWh/m²' },
    });
    const lines = legendOf(
      { by: 'route', categories: [{ value: 2, colour: '#1f6fb2', label: 'Line 2' }] },
      line,
      '–',
    );
    expect(lines).toEqual({ entries: [{ colour: '#1f6fb2', label: 'Line 2' }] });
    expect(legendOf('#0b5394', buildings, '–')).toEqual({ entries: [] });
  });

  it('frames every coordinate, nested or not', () => {
    expect(boundsOf(buildings)).toEqual([
      [-2.68, 42.85],
      [-2.66, 42.86],
    ]);
    expect(boundsOf(line)).toEqual([
      [-2.7, 42.84],
      [-2.65, 42.87],
    ]);
    expect(boundsOf({ type: 'FeatureCollection', features: [] })).toBeUndefined();
  });
});

describe('classes and outlines', () => {
  it('cuts values into classes at their quantiles, each named by its range', () => {
    const { classOf, categories } = classesOf(
      [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, null],
      (v) => `${v} kWh`,
      5,
    );
    expect(categories.map((c) => c.label)).toEqual([
      '10 kWh – 30 kWh',
      '30 kWh – 50 kWh',
      '50 kWh – 70 kWh',
      '70 kWh – 90 kWh',
      '90 kWh – 100 kWh',
    ]);
    expect([10, 29, 30, 95, 100, null].map(classOf)).toEqual([0, 0, 1, 4, 4, null]);
    expect(new Set(categories.map((c) => c.colour)).size).toBe(5);
  });

  it('has as many classes as distinct values when there are few', () => {
    expect(classesOf([5, 5, 7], String).categories).toHaveLength(2);
    expect(classesOf([null], String).categories).toEqual([]);
  });

  it('outlines the area a set of points covers, leaving the inner points out', () => {
    const hull = hullFeature(
      [
        [0, 0],
        [2, 0],
        [1, 1],
        [2, 2],
        [0, 2],
      ],
      { kind: 'area' },
    );
    expect(hull?.geometry).toEqual({
      type: 'Polygon',
      coordinates: [
        [
          [0, 0],
          [2, 0],
          [2, 2],
          [0, 2],
          [0, 0],
        ],
      ],
    });
    expect(
      hullFeature(
        [
          [0, 0],
          [1, 1],
        ],
        {},
      ),
    ).toBeUndefined();
  });
});
