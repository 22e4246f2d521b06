import type { Carrier } from '#common/api/registry.ts';

/**
 * How an energy carrier (or the water a meter counts) is drawn, the same on every page: the
 * `fill` people expect (electricity yellow, gas orange, district heating red, water blue, biomass
 * dark green, oil and diesel grey, solar amber); an `edge` that keeps at least 3:1 against white and
 * the maps' background, for the outline of a bar, slice or marker whose fill is too light to be
 * told from the page (WCAG 2.1 §1.4.11); and the `ink` of text written on the fill, at least 4.5:1
 * (§1.4.3). carrier-colours.test.ts checks those ratios.
 */
export interface CarrierColour {
  fill: string;
  edge: string;
  ink: string;
}

/** What a colour is kept for: the registry's carriers, plus water, diesel and gasoline, and solar PV. */
export type ColouredCarrier = Carrier | 'water' | 'diesel' | 'gasoline' | 'solar_pv';

const DARK = '#1a1a1a';
const LIGHT = '#ffffff';

export const CARRIER_COLOURS: Readonly<Record<ColouredCarrier, CarrierColour>> = {
  electricity: { fill: '#f5cf00', edge: '#826b00', ink: DARK },
  natural_gas: { fill: '#e8680c', edge: '#a34700', ink: DARK },
  lpg: { fill: '#f9ad62', edge: '#a34700', ink: DARK },
  district_heating: { fill: '#c62828', edge: '#c62828', ink: LIGHT },
  water: { fill: '#1f6fb2', edge: '#1f6fb2', ink: LIGHT },
  biomass: { fill: '#1e6b3f', edge: '#1e6b3f', ink: LIGHT },
  pellets: { fill: '#5e9c4a', edge: '#3f6e2f', ink: DARK },
  heating_oil: { fill: '#6b6b6b', edge: '#6b6b6b', ink: LIGHT },
  diesel: { fill: '#4d4d4d', edge: '#4d4d4d', ink: LIGHT },
  gasoline: { fill: '#7a5c52', edge: '#7a5c52', ink: LIGHT },
  solar_pv: { fill: '#ffe066', edge: '#8a6d00', ink: DARK },
  solar_thermal: { fill: '#ffb000', edge: '#8a5a00', ink: DARK },
  other: { fill: '#b6bec8', edge: '#5f6b78', ink: DARK },
};

/** The colours of a carrier the API names; one CIOP does not know yet is drawn as `other`. */
export const carrierColour = (carrier: string): CarrierColour =>
  CARRIER_COLOURS[carrier as ColouredCarrier] ?? CARRIER_COLOURS.other;

/** An ECharts item style in a carrier's colours: its fill, outlined by its edge. */
export const carrierItemStyle = (carrier: string) => {
  const c = carrierColour(carrier);
  return { color: c.fill, borderColor: c.edge, borderWidth: 1 };
};
