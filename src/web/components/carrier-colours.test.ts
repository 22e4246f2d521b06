import { describe, expect, it } from 'vitest';
import { CARRIERS } from '#common/api/registry.ts';
import { CARRIER_COLOURS, carrierColour, carrierItemStyle } from './carrier-colours.ts';

/** WCAG 2.1 contrast ratio of two sRGB colours written #rrggbb (§1.4.3, "relative luminance"). */
function contrast(a: string, b: string): number {
  const luminance = (hex: string) => {
    const [r, g, bl] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

const MAP_BACKGROUND = '#eef2f6';

describe('the carrier colours', () => {
  it('colour every carrier of the registry, each its own fill', () => {
    for (const carrier of CARRIERS) expect(CARRIER_COLOURS[carrier], carrier).toBeDefined();
    const fills = Object.values(CARRIER_COLOURS).map((c) => c.fill);
    expect(new Set(fills).size).toBe(fills.length);
  });

  it('write text on each fill at 4.5:1 or more', () => {
    for (const [carrier, c] of Object.entries(CARRIER_COLOURS))
      expect(contrast(c.ink, c.fill), carrier).toBeGreaterThanOrEqual(4.5);
  });

  it('outline each at 3:1 or more against white and the maps’ background', () => {
    for (const [carrier, c] of Object.entries(CARRIER_COLOURS)) {
      expect(contrast(c.edge, '#ffffff'), carrier).toBeGreaterThanOrEqual(3);
      expect(contrast(c.edge, MAP_BACKGROUND), carrier).toBeGreaterThanOrEqual(3);
    }
  });

  it('follow the conventions: electricity yellow, gas orange, district heating red, water blue', () => {
    const hue = (hex: string) => {
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
      const max = Math.max(r, g, b);
      const min = Math.min(r, g, b);
      const d = max - min;
      const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
      return (h * 60 + 360) % 360;
    };
    expect(hue(CARRIER_COLOURS.electricity.fill)).toBeGreaterThanOrEqual(45);
    expect(hue(CARRIER_COLOURS.solar_thermal.fill)).toBeLessThan(hue(CARRIER_COLOURS.electricity.fill));
    expect(hue(CARRIER_COLOURS.natural_gas.fill)).toBeLessThan(hue(CARRIER_COLOURS.solar_thermal.fill));
    expect(hue(CARRIER_COLOURS.district_heating.fill)).toBeLessThan(hue(CARRIER_COLOURS.natural_gas.fill));
    expect(hue(CARRIER_COLOURS.water.fill)).toBeGreaterThan(190);
    expect(hue(CARRIER_COLOURS.water.fill)).toBeLessThan(230);
  });

  it('draw a carrier it does not know as "other", and outline the bars of every carrier', () => {
    expect(carrierColour('hydrogen')).toBe(CARRIER_COLOURS.other);
    expect(carrierItemStyle('electricity')).toEqual({
      color: '#f5cf00',
      borderColor: '#826b00',
      borderWidth: 1,
    });
  });
});
