import { describe, expect, it } from 'vitest';
import type { Indicator } from '#common/api/city3d.ts';
import {
  CATEGORY_COLOURS,
  colourExpression,
  legendOf,
  NO_DATA_COLOUR,
  PLAIN_COLOUR,
  valueText,
} from './city-colours.ts';

const texts = (s: string) => ({ en: s, es: s, eu: s });
const height: Indicator = {
  id: 'height',
  group: 'building',
  kind: 'number',
  unit: 'm',
  name: texts('Height'),
  help: texts('Height above ground'),
  breaks: [6, 12, 18],
  categories: [],
};
const use: Indicator = {
  ...height,
  id: 'use',
  kind: 'category',
  unit: '',
  breaks: [],
  categories: [
    { value: '1_residential', name: { en: 'Residential', es: 'Residencial', eu: 'Bizitegia' } },
    { value: '4_2_retail', name: { en: 'Retail', es: 'Comercial', eu: 'Merkataritza' } },
  ],
};
const format = (n: number) => String(n);

describe('colouring the city', () => {
  it('draws one plain colour without an indicator, and has no legend', () => {
    expect(colourExpression(undefined)).toBe(PLAIN_COLOUR);
    expect(legendOf(undefined, 'en', format, 'No value')).toEqual([]);
  });

  it('steps a number through its classes, grey where a building has no value', () => {
    const e = colourExpression(height) as unknown[];
    expect(e[0]).toBe('case');
    expect(e[1]).toEqual(['==', ['typeof', ['get', 'height']], 'number']);
    const step = e[2] as unknown[];
    expect(step.slice(0, 2)).toEqual(['step', ['get', 'height']]);
    expect(step.filter((x) => typeof x === 'number')).toEqual([6, 12, 18]);
    expect(e[3]).toBe(NO_DATA_COLOUR);
    expect(legendOf(height, 'en', format, 'No value').map((l) => l.label)).toEqual([
      '< 6 m',
      '6–12 m',
      '12–18 m',
      '≥ 18 m',
      'No value',
    ]);
  });

  it('reads a KPI from the feature state, since the public tiles do not carry it', () => {
    const kpi: Indicator = { ...height, id: 'kpi:EN_FINAL', group: 'kpi', unit: 'kWh' };
    const e = colourExpression(kpi) as unknown[];
    expect(e[1]).toEqual(['==', ['typeof', ['feature-state', 'kpi']], 'number']);
    expect(JSON.stringify(e)).not.toContain('"get"');
  });

  it('gives each category its colour and its name in the language', () => {
    const e = colourExpression(use) as unknown[];
    expect(e.slice(2, 6)).toEqual(['1_residential', CATEGORY_COLOURS[0], '4_2_retail', CATEGORY_COLOURS[1]]);
    expect(legendOf(use, 'eu', format, 'Baliorik gabe').map((l) => l.label)).toEqual([
      'Bizitegia',
      'Merkataritza',
      'Baliorik gabe',
    ]);
    expect(valueText(use, '4_2_retail', 'es', format, '-')).toBe('Comercial');
    expect(valueText(height, 12.5, 'en', format, '-')).toBe('12.5 m');
    expect(valueText(height, undefined, 'en', format, '-')).toBe('-');
  });
});
