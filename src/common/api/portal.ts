import { type Static, Type } from '@sinclair/typebox';
import { EpochMs } from './time.ts';

/** Where a figure comes from. `none`: there is no data for it yet. */
export const FigureSourceSchema = Type.Union(
  [Type.Literal('kpi-store'), Type.Literal('registry'), Type.Literal('readings'), Type.Literal('none')],
  {
    description:
      'kpi-store: a stored KPI; registry: the building registry; readings: computed from measurements; none: no data yet.',
  },
);
export type FigureSource = Static<typeof FigureSourceSchema>;

/** One headline number, with its unit and where it comes from. */
export const FigureSchema = Type.Object({
  value: Type.Union([Type.Number(), Type.Null()], { description: 'null when there is no data yet' }),
  unit: Type.String({
    description: 'Unit of `value`, e.g. kWh, kWh/m², kg CO2, m², °C; `count` for counts.',
  }),
  source: FigureSourceSchema,
});
export type Figure = Static<typeof FigureSchema>;

const Period = Type.Object({
  from: EpochMs('Start of the period'),
  to: EpochMs('End of the period'),
});

export const PublicSummarySchema = Type.Object({
  computedAt: EpochMs('When these figures were computed (they are recomputed at most every 10 minutes)'),
  districts: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), city: Type.String() })),
  buildings: FigureSchema,
  dwellings: FigureSchema,
  heatedArea: FigureSchema,
  carriers: Type.Object({
    source: FigureSourceSchema,
    items: Type.Array(
      Type.Object({
        carrier: Type.String({ description: 'Energy carrier: natural_gas, district_heating, electricity…' }),
        areaM2: Type.Number({ description: 'Heated area the carrier serves (m²)' }),
        share: Type.Number({ description: 'Share of the area served by all carriers, 0–1' }),
        buildings: Type.Integer({ description: 'Buildings the carrier serves' }),
      }),
    ),
  }),
  electricity: Type.Object({
    period: Period,
    monitoredDwellings: FigureSchema,
    monitoredArea: FigureSchema,
    consumption: FigureSchema,
    primaryEnergy: FigureSchema,
    primaryEnergyPerM2: FigureSchema,
    co2: FigureSchema,
    factors: Type.Object({
      primaryEnergy: Type.Number({ description: 'kWh of primary energy per kWh of electricity' }),
      co2: Type.Number({ description: 'kg CO2 per kWh of electricity' }),
      reference: Type.String(),
    }),
  }),
  comfort: Type.Object({
    period: Period,
    unit: Type.String(),
    source: FigureSourceSchema,
    buildings: Type.Array(
      Type.Object({
        buildingId: Type.Integer(),
        code: Type.String(),
        address: Type.String(),
        meanTemperature: Type.Union([Type.Number(), Type.Null()], {
          description:
            'Mean indoor temperature (°C): the mean of its sensors’ means; null = no readings, or withheld',
        }),
        sensors: Type.Integer({ description: 'Indoor temperature sensors with readings in the period' }),
        withheld: Type.Boolean({
          description:
            'The mean is not published: it covers fewer homes than CIOP_PRIVACY_MIN_DWELLINGS, and would tell one home’s temperature',
        }),
      }),
    ),
  }),
  busCo2Avoided: FigureSchema,
});
export type PublicSummary = Static<typeof PublicSummarySchema>;

/** Who runs this CIOP, for the public (the instance's CIOP_CONTACT_* settings); null = not given. */
export const PublicContactSchema = Type.Object({
  name: Type.Union([Type.String(), Type.Null()]),
  email: Type.Union([Type.String(), Type.Null()]),
  phone: Type.Union([Type.String(), Type.Null()]),
  address: Type.Union([Type.String(), Type.Null()]),
});
export type PublicContact = Static<typeof PublicContactSchema>;
