import type { Indicator } from '#common/api/city3d.ts';
import { NO_DATA_COLOUR } from '../../components/city-map.ts';

// How the 3D city colours its buildings by an indicator, as plain data and pure functions, so the
// rules are tested without a browser and the viewer only hands MapLibre the expressions.

/** Five sequential classes, light to dark (ColorBrewer YlGnBu), readable for colour-blind people. */
export const CLASS_COLOURS = ['#ffffcc', '#a1dab4', '#41b6c4', '#2c7fb8', '#253494'] as const;
/** Categories (ColorBrewer Set2 and Dark2), one colour each. */
export const CATEGORY_COLOURS = [
  '#66c2a5',
  '#fc8d62',
  '#8da0cb',
  '#e78ac3',
  '#a6d854',
  '#ffd92f',
  '#e5c494',
  '#1b9e77',
  '#d95f02',
  '#7570b3',
  '#e7298a',
  '#66a61e',
] as const;
/** Buildings when no indicator is chosen. */
export const PLAIN_COLOUR = '#c9ced6';
export { NO_DATA_COLOUR };

export type Language = 'en' | 'es' | 'eu';

/** One line of the legend. */
export interface LegendClass {
  colour: string;
  label: string;
}

/** A MapLibre expression, as a paint property takes it. */
export type ColourExpression = unknown[] | string;

/** Years are written as they are (1972), other numbers in the interface's format (1,972.5). */
const formatFor = (indicator: Indicator, format: (n: number) => string) =>
  indicator.id === 'year' ? (n: number) => String(Math.round(n)) : format;

/**
 * The fill-extrusion colour of the buildings for an indicator (none: one plain colour). KPIs are
 * not in the tiles (they are not public): their values come as the feature state `kpi`.
 */
export function colourExpression(indicator: Indicator | undefined): ColourExpression {
  if (!indicator) return PLAIN_COLOUR;
  const value = indicator.group === 'kpi' ? ['feature-state', 'kpi'] : ['get', indicator.id];
  if (indicator.kind === 'category') {
    if (indicator.categories.length === 0) return NO_DATA_COLOUR;
    const pairs = indicator.categories.flatMap((c, i) => [
      c.value,
      CATEGORY_COLOURS[i % CATEGORY_COLOURS.length],
    ]);
    return ['match', ['to-string', ['coalesce', value, '']], ...pairs, NO_DATA_COLOUR];
  }
  const known = ['==', ['typeof', value], 'number'];
  if (indicator.breaks.length === 0) return ['case', known, CLASS_COLOURS[2], NO_DATA_COLOUR];
  const colours = classColours(indicator.breaks.length + 1);
  const steps = indicator.breaks.flatMap((b, i) => [b, colours[i + 1]]);
  return ['case', known, ['step', value, colours[0], ...steps], NO_DATA_COLOUR];
}

/** `n` colours of the sequential scale, spread from its lightest to its darkest. */
export function classColours(n: number): string[] {
  if (n <= 1) return [CLASS_COLOURS[2]];
  return Array.from(
    { length: n },
    (_, i) => CLASS_COLOURS[Math.round((i * (CLASS_COLOURS.length - 1)) / (n - 1))],
  );
}

/**
 * The legend of an indicator: its classes (`< 10`, `10–20`, …, `≥ 40`) or categories, and the
 * colour of buildings without a value. `format` writes a number in the interface's language.
 */
export function legendOf(
  indicator: Indicator | undefined,
  language: Language,
  format: (n: number) => string,
  noData: string,
): LegendClass[] {
  if (!indicator) return [];
  format = formatFor(indicator, format);
  const none = { colour: NO_DATA_COLOUR, label: noData };
  if (indicator.kind === 'category')
    return [
      ...indicator.categories.map((c, i) => ({
        colour: CATEGORY_COLOURS[i % CATEGORY_COLOURS.length],
        label: c.name[language],
      })),
      none,
    ];
  const b = indicator.breaks;
  if (b.length === 0) return [{ colour: CLASS_COLOURS[2], label: '' }, none];
  const colours = classColours(b.length + 1);
  const unit = indicator.unit ? ` ${indicator.unit}` : '';
  return [
    { colour: colours[0], label: `< ${format(b[0])}${unit}` },
    ...b
      .slice(1)
      .map((limit, i) => ({ colour: colours[i + 1], label: `${format(b[i])}–${format(limit)}${unit}` })),
    { colour: colours[b.length], label: `≥ ${format(b[b.length - 1])}${unit}` },
    none,
  ];
}

/** A building's value of an indicator as the hover line and the panel write it. */
export function valueText(
  indicator: Indicator,
  value: unknown,
  language: Language,
  format: (n: number) => string,
  noData: string,
): string {
  if (value === undefined || value === null || value === '') return noData;
  if (indicator.kind === 'category') {
    const known = indicator.categories.find((c) => c.value === String(value));
    return known ? known.name[language] : String(value);
  }
  const n = Number(value);
  if (!Number.isFinite(n)) return String(value);
  const text = formatFor(indicator, format)(n);
  return indicator.unit ? `${text} ${indicator.unit}` : text;
}
