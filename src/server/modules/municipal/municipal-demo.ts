import type { Insertable } from 'kysely';
import { MUNICIPAL_CARRIERS, type MunicipalCarrier } from '#common/municipal/carriers.ts';
import { cupsCheckLetters } from '#common/municipal/cups.ts';
import { dateOfDay } from '#common/municipal/month-split.ts';
import type { MunicipalRecordTable } from '../../db/schema.ts';
import { hash01 } from '../../demo/signals.ts';
import type { ModuleDeps } from '../../module.ts';
import { type DatadisReading, storeDatadis } from './datadis.ts';
import type { MunicipalService } from './municipal.service.ts';
import * as store from './municipal.store.ts';

/** The demo's neighbourhoods: Coronación (the demo district) and four around it, with a boundary each. */
const DISTRICTS = [
  { code: 'VG-CORONACION', name: 'Coronación', latitude: 42.852, longitude: -2.675 },
  { code: 'VG-LAKUA', name: 'Lakua', latitude: 42.8625, longitude: -2.684 },
  { code: 'VG-ALDE-ZAHARRA', name: 'Alde Zaharra', latitude: 42.8475, longitude: -2.6725 },
  { code: 'VG-JUDIMENDI', name: 'Judimendi', latitude: 42.8485, longitude: -2.66 },
  { code: 'VG-ZABALGANA', name: 'Zabalgana', latitude: 42.8455, longitude: -2.7035 },
];

/** A hexagon around a centre, as a GeoJSON Polygon (about 1 km across). */
function hexagon(lat: number, lon: number, r = 0.0052): { type: 'Polygon'; coordinates: number[][][] } {
  const ring: number[][] = [];
  for (let k = 0; k <= 6; k++) {
    const a = (Math.PI / 3) * (k % 6) + Math.PI / 6;
    ring.push([+(lon + r * 1.35 * Math.cos(a)).toFixed(5), +(lat + r * Math.sin(a)).toFixed(5)]);
  }
  return { type: 'Polygon', coordinates: [ring] };
}

/** Areas (ámbitos) and their sub-groups. */
const AREAS: { code: string; name: string; groups: { code: string; name: string }[] }[] = [
  {
    code: 'BUILDINGS',
    name: 'Municipal buildings',
    groups: [
      { code: 'SCHOOLS', name: 'Schools' },
      { code: 'SPORTS', name: 'Sports centres' },
      { code: 'OFFICES', name: 'Offices' },
      { code: 'CULTURE', name: 'Cultural centres' },
    ],
  },
  {
    code: 'LIGHTING',
    name: 'Public lighting',
    groups: [{ code: 'STREET-LIGHTING', name: 'Street lighting' }],
  },
  {
    code: 'WATER',
    name: 'Water',
    groups: [
      { code: 'PUMPING', name: 'Water pumping' },
      { code: 'IRRIGATION', name: 'Parks irrigation' },
    ],
  },
  { code: 'FLEET', name: 'Fleet', groups: [{ code: 'VEHICLES', name: 'Municipal vehicles' }] },
];

/** Heating need per calendar month (January first), 0–1: Vitoria-Gasteiz's winters. */
const HEATING = [1, 0.9, 0.72, 0.5, 0.25, 0.06, 0, 0, 0.1, 0.38, 0.75, 0.96];
/** Night length per calendar month, relative: street lighting follows it. */
const NIGHT = [1.3, 1.16, 1.02, 0.88, 0.77, 0.71, 0.74, 0.83, 0.95, 1.09, 1.22, 1.31];
/** Irrigation per calendar month, relative. */
const IRRIGATION = [0.05, 0.05, 0.15, 0.4, 0.8, 1.3, 1.7, 1.6, 1, 0.4, 0.1, 0.05];

interface Kind {
  group: string;
  name: string;
  meters: {
    carrier: MunicipalCarrier;
    base: number;
    price: number;
    profile: 'flat' | 'heating' | 'school' | 'night' | 'irrigation';
  }[];
}

const KINDS: Kind[] = [
  {
    group: 'SCHOOLS',
    name: 'School',
    meters: [
      { carrier: 'electricity', base: 5200, price: 0.19, profile: 'school' },
      { carrier: 'natural_gas', base: 26000, price: 0.075, profile: 'heating' },
      { carrier: 'water', base: 110, price: 2.1, profile: 'school' },
    ],
  },
  {
    group: 'SPORTS',
    name: 'Sports centre',
    meters: [
      { carrier: 'electricity', base: 14000, price: 0.18, profile: 'flat' },
      { carrier: 'natural_gas', base: 42000, price: 0.072, profile: 'heating' },
      { carrier: 'water', base: 900, price: 2.1, profile: 'flat' },
    ],
  },
  {
    group: 'OFFICES',
    name: 'Civic office',
    meters: [
      { carrier: 'electricity', base: 7000, price: 0.2, profile: 'flat' },
      { carrier: 'district_heating', base: 15000, price: 0.09, profile: 'heating' },
    ],
  },
  {
    group: 'CULTURE',
    name: 'Cultural centre',
    meters: [
      { carrier: 'electricity', base: 6000, price: 0.2, profile: 'flat' },
      { carrier: 'natural_gas', base: 18000, price: 0.075, profile: 'heating' },
    ],
  },
  {
    group: 'STREET-LIGHTING',
    name: 'Street lighting',
    meters: [{ carrier: 'electricity', base: 21000, price: 0.17, profile: 'night' }],
  },
  {
    group: 'PUMPING',
    name: 'Pumping station',
    meters: [{ carrier: 'electricity', base: 16000, price: 0.16, profile: 'flat' }],
  },
  {
    group: 'IRRIGATION',
    name: 'Park irrigation',
    meters: [{ carrier: 'water', base: 1800, price: 1.4, profile: 'irrigation' }],
  },
];

/** How many facilities of each kind a neighbourhood has: about fifty in all, with the fleet depot. */
const PER_DISTRICT: Record<string, number> = {
  SCHOOLS: 3,
  SPORTS: 1,
  OFFICES: 1,
  CULTURE: 1,
  'STREET-LIGHTING': 1,
  PUMPING: 1,
  IRRIGATION: 2,
};

const profileOf = (profile: Kind['meters'][number]['profile'], month: number) => {
  switch (profile) {
    case 'heating':
      return HEATING[month];
    case 'school':
      return month === 6 || month === 7 ? 0.35 : 1;
    case 'night':
      return NIGHT[month];
    case 'irrigation':
      return IRRIGATION[month];
    default:
      return 1;
  }
};

/** kg CO2 per unit, illustrative values of the order Spain's inventories give; the demo's, not an official source. */
const FACTORS: Partial<Record<MunicipalCarrier, number[]>> = {
  electricity: [0.16, 0.139, 0.124, 0.115],
  natural_gas: [0.182, 0.182, 0.182, 0.182],
  district_heating: [0.045, 0.043, 0.041, 0.04],
  diesel: [2.471, 2.471, 2.468, 2.468],
  gasoline: [2.196, 2.196, 2.193, 2.193],
};

/** The facility whose electricity arrives hourly from Datadis in the demo. */
export const DEMO_DATADIS_FACILITY = 'MUN-VG-CORONACION-SCHOOLS-1';

/**
 * The municipal demo: the neighbourhoods around the demo district with their boundaries, about
 * fifty facilities across them, two years of monthly invoices up to the last whole month (some
 * meters with gaps, one with a suspicious jump, one electricity supply on an expensive tariff),
 * public lighting per neighbourhood, the fleet, carbon factors for the years, and the hourly
 * Datadis-style consumption of one school. Does nothing when an area exists already.
 */
export async function seedMunicipalDemo(
  service: MunicipalService,
  deps: ModuleDeps,
  now: number,
): Promise<void> {
  const db = service.db;
  if (await db.selectFrom('municipal_area').select('id').limit(1).executeTakeFirst()) return;
  const started = Date.now();

  const districts: { id: number; code: string; latitude: number; longitude: number }[] = [];
  for (const d of DISTRICTS) {
    const boundary = JSON.stringify(hexagon(d.latitude, d.longitude));
    const found = await db
      .selectFrom('district')
      .select(['id', 'boundary'])
      .where('code', '=', d.code)
      .executeTakeFirst();
    let id: number;
    if (found) {
      id = Number(found.id);
      if (found.boundary === null)
        await db.updateTable('district').set({ boundary }).where('id', '=', id).execute();
    } else
      id = Number(
        (
          await db
            .insertInto('district')
            .values({ ...d, city: 'Vitoria-Gasteiz', boundary, created_at: now })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id,
      );
    districts.push({ id, code: d.code, latitude: d.latitude, longitude: d.longitude });
  }

  const groups = new Map<string, number>();
  for (const a of AREAS) {
    const id = await store.insertArea(db, { code: a.code, name: a.name, parent_id: null, created_at: now });
    for (const g of a.groups)
      groups.set(
        g.code,
        await store.insertArea(db, { code: g.code, name: g.name, parent_id: id, created_at: now }),
      );
  }

  // Two years of invoices, up to yesterday.
  const today = new Date(now);
  const firstMonth = Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 24, 1);
  const firstYear = new Date(firstMonth).getUTCFullYear();

  let serial = 0;
  const cups = () => {
    const digits = `0021${String(4_100_000 + ++serial).padStart(12, '0')}`;
    return `ES${digits}${cupsCheckLetters(digits)}`;
  };
  const records: Insertable<MunicipalRecordTable>[] = [];
  const meterIds: number[] = [];
  let datadisCups: string | undefined;

  const addMeter = async (
    facilityId: number,
    seed: number,
    m: Kind['meters'][number],
    scale: number,
    options: { gapAt?: number; jumpAt?: number; priceFactor?: number } = {},
  ) => {
    const grid = m.carrier === 'electricity' || m.carrier === 'natural_gas';
    const code = grid ? cups() : `MUN-${m.carrier.toUpperCase()}-${String(++serial).padStart(4, '0')}`;
    const power = m.carrier === 'electricity' ? Math.round((m.base * scale) / 180) : 0;
    const id = await store.insertMeter(db, {
      facility_id: facilityId,
      code,
      kind: grid ? 'cups' : 'internal',
      carrier: m.carrier,
      unit: MUNICIPAL_CARRIERS[m.carrier].unit,
      supplier:
        m.carrier === 'electricity'
          ? seed % 3 === 0
            ? 'Iberdrola'
            : 'Endesa'
          : m.carrier === 'natural_gas'
            ? 'Naturgy'
            : '',
      tariff: m.carrier === 'electricity' ? (power > 15 ? '6.1TD' : '3.0TD') : '',
      contracted_kw: JSON.stringify(
        m.carrier === 'electricity' ? { p1: power, p2: power, p3: power, p6: power } : {},
      ),
      created_at: now,
      updated_at: now,
    });
    meterIds.push(id);
    // Electricity and gas are invoiced from the 15th to the 14th; the rest by calendar month.
    const shifted = grid;
    for (let i = 0; i < 24; i++) {
      if (options.gapAt !== undefined && (i === options.gapAt || i === options.gapAt + 1)) continue;
      const month = new Date(
        Date.UTC(new Date(firstMonth).getUTCFullYear(), new Date(firstMonth).getUTCMonth() + i, 1),
      );
      const startDay = Date.UTC(month.getUTCFullYear(), month.getUTCMonth(), shifted ? 15 : 1) / 86_400_000;
      const endDay = Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, shifted ? 14 : 0) / 86_400_000;
      if (endDay * 86_400_000 > now - 86_400_000) continue;
      const calendar = month.getUTCMonth();
      const noise = 0.9 + 0.2 * hash01(seed * 100 + i, 7);
      const jump = options.jumpAt === i ? 3.2 : 1;
      const yearTrend = i >= 12 ? 0.96 : 1;
      const quantity = Math.round(m.base * scale * profileOf(m.profile, calendar) * noise * jump * yearTrend);
      const price = m.price * (options.priceFactor ?? 1) * (i >= 12 ? 0.94 : 1);
      const fixed = m.carrier === 'electricity' ? power * 3.2 : m.carrier === 'natural_gas' ? 45 : 0;
      records.push({
        meter_id: id,
        source: 'invoice',
        period_start: dateOfDay(startDay),
        period_end: dateOfDay(endDay),
        quantity,
        cost_eur: Math.round((quantity * price + fixed) * 100) / 100,
        periods: '{}',
        max_kw:
          m.carrier === 'electricity'
            ? Math.round(power * (0.55 + 0.5 * hash01(seed + i, 9)) * 10) / 10
            : null,
        supplier: '',
        tariff: '',
        file: 'demo',
        created_at: now,
        updated_at: now,
      });
    }
    return code;
  };

  let facilitySeed = 0;
  for (const [d, district] of districts.entries()) {
    for (const kind of KINDS) {
      const count = PER_DISTRICT[kind.group];
      for (let n = 1; n <= count; n++) {
        const seed = ++facilitySeed;
        const angle = hash01(seed, 1) * Math.PI * 2;
        const radius = 0.0012 + hash01(seed, 2) * 0.0028;
        const code = `MUN-${district.code}-${kind.group}-${n}`;
        const districtName = DISTRICTS[d].name;
        const facilityId = await store.insertFacility(db, {
          code,
          name:
            kind.group === 'STREET-LIGHTING'
              ? `${kind.name} ${districtName}`
              : `${kind.name} ${districtName} ${n}`,
          address: `${districtName}, Vitoria-Gasteiz`,
          area_id: groups.get(kind.group) as number,
          district_id: district.id,
          building_id: null,
          latitude: +(district.latitude + Math.sin(angle) * radius).toFixed(6),
          longitude: +(district.longitude + Math.cos(angle) * radius * 1.35).toFixed(6),
          area_m2:
            kind.group === 'STREET-LIGHTING' || kind.group === 'IRRIGATION'
              ? null
              : Math.round(900 + hash01(seed, 3) * 3500),
          created_at: now,
          updated_at: now,
        });
        const scale = 0.6 + hash01(seed, 4) * 0.9;
        for (const [k, m] of kind.meters.entries()) {
          const code2 = await addMeter(facilityId, seed * 10 + k, m, scale, {
            gapAt: seed % 9 === 4 && k === 0 ? 8 + (seed % 5) : undefined,
            // One sports centre's gas: a month three times its usual (a leak, or a misread meter).
            jumpAt: d === 2 && kind.group === 'SPORTS' && m.carrier === 'natural_gas' ? 14 : undefined,
            // One cultural centre's electricity on a tariff well above the others.
            priceFactor: d === 3 && kind.group === 'CULTURE' && m.carrier === 'electricity' ? 1.6 : undefined,
          });
          if (code === DEMO_DATADIS_FACILITY && m.carrier === 'electricity') datadisCups = code2;
        }
      }
    }
  }
  // The fleet depot, in the first neighbourhood.
  const depot = await store.insertFacility(db, {
    code: 'MUN-FLEET-DEPOT',
    name: 'Municipal fleet depot',
    address: 'Coronación, Vitoria-Gasteiz',
    area_id: groups.get('VEHICLES') as number,
    district_id: districts[0].id,
    building_id: null,
    latitude: districts[0].latitude - 0.003,
    longitude: districts[0].longitude + 0.004,
    area_m2: 2400,
    created_at: now,
    updated_at: now,
  });
  await addMeter(depot, 901, { carrier: 'diesel', base: 5200, price: 1.42, profile: 'flat' }, 1);
  await addMeter(depot, 902, { carrier: 'gasoline', base: 1300, price: 1.58, profile: 'flat' }, 1);

  await db.transaction().execute(async (trx) => {
    await store.insertRecords(trx, records);
    await service.rebuildMonths(trx, meterIds);
  });

  const factorRows = Object.entries(FACTORS).flatMap(([carrier, values]) =>
    (values as number[]).map((kg, i) => ({
      carrier,
      year: firstYear + i,
      scope: MUNICIPAL_CARRIERS[carrier as MunicipalCarrier].scope as number,
      kg_per_unit: kg,
      supplier: '',
      source: 'Demo: illustrative values of the order of Spain’s national inventory and grid mix',
      updated_at: now,
      updated_by: 'ciop',
    })),
  );
  await db.insertInto('municipal_carbon_factor').values(factorRows).execute();

  if (datadisCups) await seedDatadisHours(deps, datadisCups, now);
  deps.logger.info(
    {
      facilities: facilitySeed + 1,
      meters: meterIds.length,
      records: records.length,
      ms: Date.now() - started,
    },
    'municipal demo seeded',
  );
}

/** Sixty days of hourly consumption of one supply, as Datadis gives it, into the time-series store. */
async function seedDatadisHours(deps: ModuleDeps, cups: string, now: number): Promise<void> {
  const end = Math.floor(now / 3_600_000) * 3_600_000 - 2 * 86_400_000;
  const hours = 60 * 24;
  const readings: DatadisReading[] = [];
  for (let i = 0; i < hours; i++) {
    const t = end - (hours - i) * 3_600_000;
    const hour = new Date(t).getUTCHours() + 1;
    const day = new Date(t).getUTCDay();
    const open = day !== 0 && day !== 6 && hour >= 8 && hour < 17;
    const kWh = Math.round((open ? 18 + 8 * hash01(i, 3) : 3.5 + hash01(i, 4)) * 1000) / 1000;
    // The distributor estimates a day now and then, as Datadis flags it.
    readings.push({ t, kWh, estimated: Math.floor(i / 24) % 17 === 5 });
  }
  await storeDatadis(deps.engine, deps.catalog, cups, readings, now);
}
