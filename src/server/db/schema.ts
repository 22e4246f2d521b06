import type { Generated } from 'kysely';

/**
 * The tables as Kysely sees them. Times are UTC epoch milliseconds; booleans are 0/1 integers
 * so that SQLite and PostgreSQL read the same; JSON is stored as text.
 */
export interface Database {
  medium: MediumTable;
  feature_definition: FeatureDefinitionTable;
  district: DistrictTable;
  building: BuildingTable;
  dwelling: DwellingTable;
  gateway: GatewayTable;
  gateway_assignment: GatewayAssignmentTable;
  sensor: SensorTable;
  weather_station: WeatherStationTable;
  instance_setting: InstanceSettingTable;
  series: SeriesTable;
  ts_block: TsBlockTable;
  ts_text: TsTextTable;
  ts_counter_event: TsCounterEventTable;
  ingest_log: IngestLogTable;
  ts_change: TsChangeTable;
  job_cursor: JobCursorTable;
  comfort_point: ComfortPointTable;
  comfort_hour: ComfortHourTable;
  comfort_setting: ComfortSettingTable;
}

export interface MediumTable {
  name: string;
  unit: string;
  cumulative: number;
  description: string;
}

export interface FeatureDefinitionTable {
  key: string;
  type: 'number' | 'text' | 'boolean' | 'date';
  unit: string | null;
  description: string;
}

export interface DistrictTable {
  id: Generated<number>;
  code: string;
  name: string;
  city: string;
  latitude: number | null;
  longitude: number | null;
  created_at: number;
}

export interface BuildingTable {
  id: Generated<number>;
  district_id: number;
  code: string;
  address: string;
  latitude: number;
  longitude: number;
  carrier1: string | null;
  area1_m2: number | null;
  carrier2: string | null;
  area2_m2: number | null;
  floors: number | null;
  features: string;
  created_at: number;
  updated_at: number;
}

export interface DwellingTable {
  id: Generated<number>;
  building_id: number;
  label: string;
  floor: number | null;
  area_m2: number | null;
  created_at: number;
  updated_at: number;
}

export interface GatewayTable {
  id: Generated<number>;
  sn: string;
  dwelling_id: number | null;
  registered_at: number | null;
  first_seen_at: number | null;
  notes: string;
  created_at: number;
  updated_at: number;
}

export interface GatewayAssignmentTable {
  id: Generated<number>;
  gateway_id: number;
  dwelling_id: number;
  valid_from: number;
  valid_to: number | null;
}

export interface SensorTable {
  id: Generated<number>;
  gateway_id: number;
  channel: string;
  device: string;
  medium: string;
  unit: string;
  label: string;
  created_at: number;
}

export interface WeatherStationTable {
  id: Generated<number>;
  district_id: number;
  code: string;
  name: string;
  latitude: number | null;
  longitude: number | null;
  gateway_id: number | null;
  created_at: number;
}

export interface InstanceSettingTable {
  key: string;
  value: string;
  updated_at: number;
}

export interface SeriesTable {
  id: Generated<number>;
  key: string;
  measurement: string;
  tags: string;
  field: string;
  value_type: 'number' | 'text';
  cumulative: number;
  sensor_id: number | null;
  created_at: number;
}

export interface TsBlockTable {
  series_id: number;
  t0: number;
  t1: number;
  n: number;
  last_v: number | null;
  data: Uint8Array;
}

export interface TsTextTable {
  series_id: number;
  t: number;
  value: string;
}

export interface TsCounterEventTable {
  series_id: number;
  t: number;
  previous_t: number;
  previous_value: number;
  value: number;
}

export interface IngestLogTable {
  id: Generated<number>;
  received_at: number;
  payload: Uint8Array;
}

export interface TsChangeTable {
  id: Generated<number>;
  series_id: number;
  hour_from: number;
  hour_to: number;
  changed_at: number;
}

export interface JobCursorTable {
  name: string;
  position: number;
  updated_at: number;
}

export interface ComfortPointTable {
  id: Generated<number>;
  temperature_sensor_id: number;
  humidity_sensor_id: number;
  pairing: 'channel' | 'dwelling' | 'manual';
  label: string;
  needs_backfill: number;
  created_at: number;
  updated_at: number;
}

export interface ComfortHourTable {
  point_id: number;
  hour: number;
  tdb: number;
  tr: number;
  rh: number;
  tdb_count: number;
  rh_count: number;
  season: 'winter' | 'summer';
  clo: number;
  met: number;
  v: number;
  wme: number;
  standard: string;
  pmv: number | null;
  ppd: number | null;
  category: 'I' | 'II' | 'III' | null;
  status: 'green' | 'yellow' | 'red' | null;
  within_validity: number;
  job_version: number;
  computed_at: number;
}

export interface ComfortSettingTable {
  building_id: number;
  winter_clo: number | null;
  summer_clo: number | null;
  met: number | null;
  air_speed: number | null;
  summer_start: string | null;
  summer_end: string | null;
  updated_at: number;
}
