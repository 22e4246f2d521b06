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
  news_feed: NewsFeedTable;
  news_item: NewsItemTable;
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

export interface NewsFeedTable {
  id: Generated<number>;
  url: string;
  /** The name an admin gave the feed; empty = the feed's own title. */
  title: string;
  /** Language an admin set (en, es, eu); null = the feed's own, if any. */
  language: string | null;
  enabled: number;
  etag: string | null;
  last_modified: string | null;
  feed_title: string | null;
  feed_language: string | null;
  last_fetched_at: number | null;
  last_status: 'ok' | 'not-modified' | 'error' | null;
  last_success_at: number | null;
  last_error: string | null;
  last_error_at: number | null;
  consecutive_failures: number;
  created_at: number;
  updated_at: number;
}

export interface NewsItemTable {
  id: Generated<number>;
  feed_id: number;
  item_key: string;
  title: string;
  link: string | null;
  summary: string;
  image_url: string | null;
  language: string | null;
  published_at: number;
  fetched_at: number;
}
