import type { ColumnType, Generated } from 'kysely';

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
  job_run: JobRunTable;
  vendor_refill: VendorRefillTable;
  quality_setting: QualitySettingTable;
  quality_flag: QualityFlagTable;
  quality_lag: QualityLagTable;
  quality_series_bound: QualitySeriesBoundTable;
  job_cursor: JobCursorTable;
  group_hour: GroupHourTable;
  group_rollup_span: GroupRollupSpanTable;
  group_rollup_link: GroupRollupLinkTable;
  group_member: GroupMemberTable;
  organisation: OrganisationTable;
  organisation_building: OrganisationBuildingTable;
  app_user: AppUserTable;
  user_role: UserRoleTable;
  user_dwelling: UserDwellingTable;
  auth_session: AuthSessionTable;
  refresh_token: RefreshTokenTable;
  password_token: PasswordTokenTable;
  machine_token: MachineTokenTable;
  account_request: AccountRequestTable;
  mail_outbox: MailOutboxTable;
  login_throttle: LoginThrottleTable;
  audit_event: AuditEventTable;
  news_feed: NewsFeedTable;
  news_item: NewsItemTable;
  comfort_point: ComfortPointTable;
  comfort_hour: ComfortHourTable;
  comfort_day: ComfortDayTable;
  comfort_setting: ComfortSettingTable;
  alarm_setting: AlarmSettingTable;
  medium_alarm_setting: MediumAlarmSettingTable;
  incident: IncidentTable;
  incident_event: IncidentEventTable;
  export_link: ExportLinkTable;
  kpi_definition: KpiDefinitionTable;
  kpi_measure: KpiMeasureTable;
  kpi_factor: KpiFactorTable;
  kpi_thermal_measurement: KpiThermalMeasurementTable;
  kpi_uptime_slot: KpiUptimeSlotTable;
  municipal_area: MunicipalAreaTable;
  municipal_facility: MunicipalFacilityTable;
  municipal_meter: MunicipalMeterTable;
  municipal_record: MunicipalRecordTable;
  municipal_month: MunicipalMonthTable;
  municipal_total: MunicipalTotalTable;
  municipal_carbon_factor: MunicipalCarbonFactorTable;
  forecast_building: ForecastBuildingTable;
  forecast_column: ForecastColumnTable;
  forecast_run: ForecastRunTable;
  city_building: CityBuildingTable;
  dashboard: DashboardTable;
  dashboard_version: DashboardVersionTable;
  anomaly: AnomalyTable;
  anomaly_setting: AnomalySettingTable;
  mobility_line: MobilityLineTable;
  mobility_stop: MobilityStopTable;
  mobility_shape: MobilityShapeTable;
  mobility_line_stop: MobilityLineStopTable;
  mobility_service: MobilityServiceTable;
  mobility_service_date: MobilityServiceDateTable;
  mobility_scheduled_trip: MobilityScheduledTripTable;
  mobility_stop_time: MobilityStopTimeTable;
  mobility_vehicle: MobilityVehicleTable;
  mobility_trip: MobilityTripTable;
  mobility_charger: MobilityChargerTable;
  mobility_charger_status: MobilityChargerStatusTable;
  mobility_charge: MobilityChargeTable;
  mobility_rejection: MobilityRejectionTable;
  mobility_feed_state: MobilityFeedStateTable;
  mobility_vehicle_day: MobilityVehicleDayTable;
  mobility_line_day: MobilityLineDayTable;
  mobility_charger_day: MobilityChargerDayTable;
  mobility_charger_status_day: MobilityChargerStatusDayTable;
  ngsild_subscription: NgsiLdSubscriptionTable;
  ngsild_notification: NgsiLdNotificationTable;
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
  /** GeoJSON Polygon or MultiPolygon of the district, for maps. */
  boundary: string | null;
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
  /** The power the supply contract allows, W; the upper bound of its power readings' checks. */
  contracted_power_w: number | null;
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
  /** JSON array of the batch's text readings, if any. */
  texts: string | null;
}

export interface TsChangeTable {
  id: Generated<number>;
  changed_at: number;
  /** Packed SeriesChange triples, see encodeChanges in timeseries/timeseries-io.ts. */
  changes: Uint8Array;
}

/** A scheduled run of a job, claimed once across replicas. */
export interface JobRunTable {
  job: string;
  /** The run's scheduled moment: the interval's number, or the cron minute. */
  slot: number;
  /** The replica that claimed it (host, process). */
  replica: string;
  claimed_at: number;
  finished_at: number | null;
  /** ok or failed, once finished. */
  outcome: string | null;
}

/** What a group rollup row is kept for. */
export type GroupLevel = 'building' | 'district' | 'organisation';

/**
 * One hour of a building's, district's or organisation's readings of one medium: the sum and
 * count of the member sensors' hourly means (hourly consumption for cumulative meters), less
 * the readings that failed a quality check, which are counted apart.
 */
export interface GroupHourTable {
  level: GroupLevel;
  group_id: number;
  medium: string;
  /** Start of the hour, epoch ms. */
  hour: number;
  sum: number;
  /** Member sensors with readings in the hour that passed the quality checks. */
  count: number;
  /** Lowest and highest member hourly mean, in the medium's unit (0 when `count` is 0). */
  min: number;
  max: number;
  /** Distinct dwellings those members served in the hour. */
  dwellings: number;
  /** Member readings of the hour left out because a quality check flagged them. */
  flagged: number;
}

/** A gateway assignment as the building rollups were last computed with it. */
export interface GroupRollupSpanTable {
  gateway_id: number;
  dwelling_id: number;
  building_id: number;
  valid_from: number;
  valid_to: number | null;
}

/** A district or organisation a building counted for when the rollups were last computed. */
export interface GroupRollupLinkTable {
  building_id: number;
  level: GroupLevel;
  group_id: number;
}

/** Sensors that served a group over one stretch of time (one sensor's stretch when `sensor_id` is set). */
export interface GroupMemberTable {
  level: GroupLevel;
  group_id: number;
  medium: string;
  valid_from: number;
  valid_to: number | null;
  sensor_id: number | null;
  sensors: number;
}

export interface JobCursorTable {
  name: string;
  position: number;
  updated_at: number;
}

export interface OrganisationTable {
  id: Generated<number>;
  name: string;
  name_key: string;
  created_at: number;
  updated_at: number;
}

export interface ComfortPointTable {
  id: Generated<number>;
  temperature_sensor_id: number;
  humidity_sensor_id: number;
  pairing: 'channel' | 'dwelling' | 'manual';
  label: string;
  needs_backfill: number;
  /** Time zone the point's `comfort_day` rows were cut in; null until they are built. */
  day_zone: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: number;
  updated_at: number;
}

export interface OrganisationBuildingTable {
  organisation_id: number;
  building_id: number;
}

export interface AppUserTable {
  id: Generated<number>;
  email: string;
  email_key: string;
  name: string;
  language: string;
  password_hash: string | null;
  active: number;
  organisation_id: number | null;
  authz_version: Generated<number>;
  password_changed_at: number | null;
  last_login_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface UserRoleTable {
  user_id: number;
  role: string;
}

export interface UserDwellingTable {
  user_id: number;
  dwelling_id: number;
}

export interface AuthSessionTable {
  id: Generated<number>;
  user_id: number;
  csrf_hash: string;
  created_at: number;
  last_used_at: number;
  expires_at: number;
  revoked_at: number | null;
  revoked_reason: string | null;
  ip: string;
  user_agent: string;
}

export interface RefreshTokenTable {
  id: Generated<number>;
  session_id: number;
  token_hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface PasswordTokenTable {
  id: Generated<number>;
  user_id: number;
  purpose: 'reset' | 'invite';
  token_hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface MachineTokenTable {
  id: Generated<number>;
  name: string;
  prefix: string;
  token_hash: string;
  scopes: string;
  gateway_ids: string;
  building_ids: string;
  created_by: number | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

export interface AccountRequestTable {
  id: Generated<number>;
  name: string;
  email: string;
  organisation: string;
  role: string;
  reason: string;
  language: string;
  status: 'pending' | 'approved' | 'rejected';
  ip: string;
  created_at: number;
  decided_at: number | null;
  decided_by: number | null;
  decision_note: string | null;
  user_id: number | null;
}

export interface MailOutboxTable {
  id: Generated<number>;
  to_address: string;
  subject: string;
  body: string;
  template: string;
  created_at: number;
  sent_at: number | null;
  error: string | null;
}

export interface LoginThrottleTable {
  key: string;
  failures: number;
  window_start: number;
  locked_until: number | null;
  updated_at: number;
}

export interface AuditEventTable {
  id: Generated<number>;
  at: number;
  actor_kind: 'user' | 'machine' | 'anonymous' | 'system';
  actor_id: number | null;
  actor_name: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string;
  detail: string;
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

/** Per comfort point and local day, the sums and counts of its hours with a PMV. */
export interface ComfortDayTable {
  point_id: number;
  /** Local midnight starting the day, epoch ms. */
  day: number;
  hours: number;
  pmv_sum: number;
  ppd_sum: number;
  tdb_sum: number;
  rh_sum: number;
  cat_i: number;
  cat_ii: number;
  cat_iii: number;
  green: number;
  yellow: number;
  red: number;
  /** Per hour with a PMV, five float64 (little-endian): hour start, PMV, PPD, tdb, rh. */
  hourly: Uint8Array;
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

export interface AlarmSettingTable {
  id: number;
  silent_after_s: number;
  /** JSON array of e-mail addresses. */
  contacts: string;
  mail_language: string;
  webhook_url: string | null;
  expected_interval_s: number;
  updated_at: number;
}

export interface MediumAlarmSettingTable {
  medium: string;
  silent_after_s: number | null;
  expected_interval_s: number | null;
  updated_at: number;
}

export interface IncidentTable {
  id: Generated<number>;
  device_key: string;
  /** gateway and sensor: silent; quality: a sensor's latest readings fail a check (`quality_check`). */
  kind: 'gateway' | 'sensor' | 'quality';
  gateway_id: number;
  sensor_id: number | null;
  dwelling_id: number | null;
  building_id: number | null;
  medium: string | null;
  status: 'open' | 'closed';
  last_seen_at: number | null;
  /** When the silence began: its last reading, or its registration when it never reported. */
  silent_since: number;
  silent_after_s: number;
  opened_at: number;
  notified_at: number | null;
  mail_sent_at: number | null;
  webhook_sent_at: number | null;
  notify_attempts: Generated<number>;
  assignee_id: number | null;
  closed_at: number | null;
  close_reason: 'recovered' | 'manual' | 'unmonitored' | 'threshold' | 'passed' | null;
  returned_at: number | null;
  outage_ms: number | null;
  updated_at: number;
  /** The quality check that failed (range, step, stuck, …), for kind `quality`. */
  quality_check: string | null;
}

export interface IncidentEventTable {
  id: Generated<number>;
  incident_id: number;
  at: number;
  kind: string;
  actor_kind: 'user' | 'machine' | 'anonymous' | 'system';
  actor_id: number | null;
  actor_name: string;
  text: string;
  detail: string;
}

export interface ExportLinkTable {
  id: Generated<number>;
  token_hash: string;
  /** JSON of the principal who asked for the link. */
  principal: string;
  /** JSON of the export query. */
  query: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface KpiDefinitionTable {
  id: Generated<number>;
  code: string;
  pillar: string;
  unit: string;
  scope: string;
  lower_is_better: number;
  method: 'calculated' | 'input';
  calculator: string | null;
  formula: string;
  period: string;
  aggregation: 'sum' | 'mean';
  breakdown: string;
  public: number;
  name_en: string;
  name_es: string;
  name_eu: string;
  description_en: string;
  description_es: string;
  description_eu: string;
  created_at: number;
  updated_at: number;
}

export interface KpiMeasureTable {
  id: Generated<number>;
  kpi_id: number;
  resource: string;
  breakdown: string;
  period_start: number;
  period_end: number;
  granularity: 'year' | 'month' | 'day' | 'span';
  value: number;
  source: 'calculator' | 'import' | 'external';
  calculator: string | null;
  inputs_version: string | null;
  source_file: string | null;
  source_by: string | null;
  /** JSON object: what the value was computed from. */
  inputs: string;
  computed_at: number;
}

export interface KpiFactorTable {
  id: Generated<number>;
  carrier: string;
  region: string;
  valid_from: number | null;
  valid_to: number | null;
  renewable: number;
  non_renewable: number;
  total: number;
  co2: number;
  source: string;
  updated_at: number;
  updated_by: string;
}

export interface KpiThermalMeasurementTable {
  measurement_id: string;
  building_id: number;
  carrier: string;
  t: number;
  /** Local calendar month holding `t`, YYYYMM. */
  month: number;
  value: number;
  source: string;
  received_by: string;
  received_at: number;
}

export interface KpiUptimeSlotTable {
  slot: number;
}

export interface MunicipalAreaTable {
  id: Generated<number>;
  code: string;
  name: string;
  parent_id: number | null;
  created_at: number;
}

export interface MunicipalFacilityTable {
  id: Generated<number>;
  code: string;
  name: string;
  address: string;
  area_id: number;
  district_id: number | null;
  building_id: number | null;
  latitude: number | null;
  longitude: number | null;
  area_m2: number | null;
  created_at: number;
  updated_at: number;
}

export interface MunicipalMeterTable {
  id: Generated<number>;
  facility_id: number;
  code: string;
  kind: 'cups' | 'internal';
  carrier: string;
  unit: string;
  supplier: string;
  tariff: string;
  /** JSON: contracted power per tariff period, kW ({ p1: 15, … }). */
  contracted_kw: string;
  created_at: number;
  updated_at: number;
}

export interface MunicipalRecordTable {
  id: Generated<number>;
  meter_id: number;
  source: string;
  period_start: string;
  period_end: string;
  quantity: number;
  cost_eur: number | null;
  /** JSON: quantity per tariff period ({ p1: 120, … }). */
  periods: string;
  max_kw: number | null;
  supplier: string;
  tariff: string;
  file: string;
  created_at: number;
  updated_at: number;
}

export interface MunicipalMonthTable {
  meter_id: number;
  /** YYYYMM. */
  month: number;
  year: number;
  source: string;
  quantity: number;
  cost_eur: number | null;
  max_kw: number | null;
  carrier: string;
  supplier: string;
  facility_id: number;
  area_id: number;
  group_id: number;
  district_id: number | null;
}

/** The monthly totals of the city, a district or an area per child (see the migration). */
export interface MunicipalTotalTable {
  level: 'city' | 'district' | 'area';
  /** The district the node is cut to; 0 for none. */
  within: number;
  node_id: number;
  /** 0 for months without a district, at the city level. */
  child_id: number;
  carrier: string;
  supplier: string;
  month: number;
  source: string;
  quantity: number;
  cost_eur: number;
  months: number;
}

export interface MunicipalCarbonFactorTable {
  id: Generated<number>;
  carrier: string;
  year: number;
  scope: number;
  kg_per_unit: number;
  supplier: string;
  source: string;
  updated_at: number;
  updated_by: string;
}

/** A row of the heat demand planning table. */
export interface ForecastBuildingTable {
  id: Generated<number>;
  /** The registry building of the row; null for one not in the registry. */
  building_id: number | null;
  code: string;
  address: string;
  latitude: number | null;
  longitude: number | null;
  district_heating: number;
  floors: number | null;
  heated_area_m2: number | null;
  carrier: string | null;
  orientation: string | null;
  adjacent_blocks: number | null;
  shadowed_facades: number | null;
  retrofit: string | null;
  window_share: number | null;
  new_window_share: number | null;
  double_glazing_share: number | null;
  /** JSON object: the values of the planner's own columns. */
  extra: string;
  created_at: number;
  updated_at: number;
}

/** A column the planner added to the planning table. */
export interface ForecastColumnTable {
  key: string;
  label: string;
  type: 'number' | 'text';
  created_at: number;
}

/** A fitting run: its progress, then its results (JSON). */
export interface ForecastRunTable {
  id: Generated<number>;
  status: 'running' | 'done' | 'failed';
  progress: number;
  stage: string;
  started_at: number;
  finished_at: number | null;
  started_by: string;
  error: string | null;
  results: string | null;
}

/** A building of the 3D city (the cadastre's), apart from the registry's monitored buildings. */
export interface CityBuildingTable {
  id: Generated<number>;
  reference: string;
  source: string;
  /** GeoJSON Polygon or MultiPolygon, WGS84 longitude and latitude. */
  footprint: string;
  west: number;
  south: number;
  east: number;
  north: number;
  centroid_lon: number;
  centroid_lat: number;
  height_m: number | null;
  height_source: 'measured' | 'floors' | 'unknown';
  floors: number | null;
  current_use: string | null;
  dwellings: number | null;
  year_built: number | null;
  official_area_m2: number | null;
  condition: string | null;
  address: string | null;
  /** JSON object of imported indicators (solar potential, energy). */
  attributes: string;
  registry_building_id: number | null;
  link_source: 'point' | 'manual' | null;
  created_at: number;
  updated_at: number;
}

export interface DashboardTable {
  id: Generated<number>;
  organisation_id: number | null;
  owner_id: number;
  name: string;
  version: number;
  /** JSON: the dashboard's panels and variables. */
  definition: string;
  created_at: number;
  updated_at: number;
}

export interface DashboardVersionTable {
  dashboard_id: number;
  version: number;
  name: string;
  definition: string;
  saved_by: number;
  saved_by_name: string;
  saved_at: number;
}

export interface AnomalyTable {
  id: Generated<number>;
  building_id: number;
  dwelling_id: number | null;
  sensor_id: number | null;
  kind: 'cold' | 'hot' | 'humid' | 'co2' | 'outlier' | 'stuck';
  /** Start of the local week it was found in, epoch ms. */
  week: number;
  period_from: number;
  period_to: number;
  /** JSON: the figures behind it. */
  figures: string;
  computed_at: number;
}

export interface AnomalySettingTable {
  organisation_id: number;
  /** JSON: the organisation's thresholds. */
  thresholds: string;
  updated_at: number;
}

/** Where a mobility record came from. */
export type MobilitySource = 'fleet' | 'gtfs' | 'gtfs-rt' | 'ocpp' | 'demo' | 'import';

export interface MobilityLineTable {
  id: Generated<number>;
  code: string;
  name: string;
  agency: string;
  /** GTFS route_type (3 = bus). */
  route_type: number;
  colour: string | null;
  /** The stop whose intervals between buses the level of service compares. */
  reference_stop_id: number | null;
  source: MobilitySource;
  external_id: string | null;
  updated_at: number;
}

export interface MobilityStopTable {
  id: Generated<number>;
  code: string;
  name: string;
  latitude: number;
  longitude: number;
  source: MobilitySource;
  external_id: string | null;
}

export interface MobilityShapeTable {
  id: Generated<number>;
  line_id: number;
  direction: number;
  code: string;
  length_km: number;
  /** JSON array of [longitude, latitude]. */
  points: string;
}

export interface MobilityLineStopTable {
  line_id: number;
  direction: number;
  seq: number;
  stop_id: number;
  distance_km: number;
}

export interface MobilityServiceTable {
  id: Generated<number>;
  code: string;
  /** Seven '1'/'0', Monday first (GTFS calendar). */
  weekdays: string;
  /** Local dates YYYY-MM-DD, inclusive. */
  start_date: string;
  end_date: string;
}

export interface MobilityServiceDateTable {
  service_id: number;
  date: string;
  /** 1: added that date, 2: removed (GTFS calendar_dates). */
  exception_type: number;
}

export interface MobilityScheduledTripTable {
  id: Generated<number>;
  code: string;
  line_id: number;
  service_id: number;
  direction: number;
  shape_id: number | null;
  headsign: string;
  /** Departure from its first stop, s after the service day's start (GTFS: may pass 24 h). */
  departure_s: number;
}

export interface MobilityStopTimeTable {
  trip_id: number;
  seq: number;
  stop_id: number;
  arrival_s: number;
  departure_s: number;
}

export interface MobilityVehicleTable {
  id: Generated<number>;
  code: string;
  plate: string;
  model: string;
  type: string;
  battery_kwh: number | null;
  line_id: number | null;
  diesel_l_per_100km: number | null;
  source: MobilitySource;
  updated_at: number;
}

export interface MobilityTripTable {
  id: Generated<number>;
  external_id: string;
  vehicle_id: number;
  line_id: number | null;
  scheduled_trip_id: number | null;
  direction: number | null;
  start_at: number;
  end_at: number;
  /** Local day YYYYMMDD and month YYYYMM of the start. */
  day: number;
  month: number;
  distance_km: number;
  duration_s: number;
  avg_speed_kmh: number | null;
  consumption_kwh: number;
  kwh_per_km: number | null;
  regenerated_kwh: number | null;
  auxiliary_kwh: number | null;
  traction_kwh: number | null;
  inside_temp_c: number | null;
  outside_temp_c: number | null;
  diesel_co2_kg: number | null;
  electric_co2_kg: number | null;
  source: MobilitySource;
  received_at: number;
}

export interface MobilityChargerTable {
  id: Generated<number>;
  code: string;
  name: string;
  kind: string;
  current: string;
  power_kw: number;
  latitude: number | null;
  longitude: number | null;
  /** OCPP ChargePointStatus: Available, Preparing, Charging, SuspendedEV, SuspendedEVSE, Finishing, Reserved, Unavailable, Faulted. */
  status: string;
  status_at: number;
  vehicle_id: number | null;
  soc_pct: number | null;
  source: MobilitySource;
  updated_at: number;
}

export interface MobilityChargerStatusTable {
  id: Generated<number>;
  charger_id: number;
  connector: number;
  status: string;
  error_code: string | null;
  at: number;
  source: MobilitySource;
}

export interface MobilityChargeTable {
  id: Generated<number>;
  number: string;
  charger_id: number;
  vehicle_id: number | null;
  connector: number;
  id_tag: string | null;
  start_at: number;
  end_at: number | null;
  day: number;
  month: number;
  duration_s: number | null;
  energy_kwh: number | null;
  meter_start_wh: number | null;
  meter_stop_wh: number | null;
  soc_start_pct: number | null;
  soc_end_pct: number | null;
  stop_reason: string | null;
  source: MobilitySource;
  received_at: number;
}

export interface MobilityRejectionTable {
  id: Generated<number>;
  feed: string;
  record_key: string;
  field: string;
  reason: string;
  /** The record as received, JSON. */
  record: string;
  received_at: number;
}

export interface MobilityFeedStateTable {
  feed: string;
  cursor: string | null;
  failures: number;
  next_at: number;
  last_ok_at: number | null;
  last_error: string | null;
  stored: number;
  rejected: number;
}

/** Day rollups of the mobility KPIs: per vehicle, line and charger and local day (YYYYMMDD). */
export interface MobilityVehicleDayTable {
  vehicle_id: number;
  day: number;
  trips: number;
  distance_km: number;
  consumption_kwh: number;
  regenerated_kwh: number;
}

export interface MobilityLineDayTable {
  line_id: number;
  day: number;
  trips: number;
  departures: number;
  first_departure: number | null;
  last_departure: number | null;
}

export interface MobilityChargerDayTable {
  charger_id: number;
  day: number;
  charges: number;
  energy_kwh: number;
  charge_s: number;
  timed: number;
  first_at: number;
}

export interface MobilityChargerStatusDayTable {
  charger_id: number;
  day: number;
  known_ms: number;
  out_ms: number;
  changes: number;
  last_status: string;
}

/** A request of a gateway's readings from its manufacturer's platform, and how it went. */
export interface VendorRefillTable {
  id: Generated<number>;
  gateway_id: number;
  sn: string;
  /** The period asked for, epoch ms, inclusive. */
  period_from: number;
  period_to: number;
  trigger: 'job' | 'request';
  started_at: number;
  finished_at: number | null;
  /** Null while it runs. */
  outcome: 'ok' | 'failed' | null;
  pages: Generated<number>;
  /** Readings the platform sent, duplicates included. */
  received: Generated<number>;
  /** Distinct readings handed to the ingest (a reading already stored is written over, not added). */
  stored: Generated<number>;
  error: string | null;
}

/** An NGSI-LD subscription; `body` holds it as given (JSON, CIOP's terms), `owner` what its owner saw. */
export interface NgsiLdSubscriptionTable {
  id: string;
  owner_kind: 'user' | 'machine' | 'system';
  owner_id: number;
  owner: string;
  body: string;
  context: string;
  is_active: number;
  expires_at: number | null;
  feed_position: number;
  times_sent: number;
  times_failed: number;
  status: 'ok' | 'failed' | null;
  last_notification: number | null;
  last_success: number | null;
  last_failure: number | null;
  last_failure_reason: string | null;
  created_at: number;
  updated_at: number;
}

/** A notification of an NGSI-LD subscription waiting for (another) delivery. */
export interface NgsiLdNotificationTable {
  id: Generated<number>;
  subscription_id: string;
  body: string;
  attempts: number;
  next_at: number;
  created_at: number;
}

export interface QualitySettingTable {
  medium: string;
  min_value: number | null;
  max_value: number | null;
  max_step: number | null;
  stuck_hours: number | null;
  resolution: number;
  never_decreasing: number;
  reset_below: number | null;
  max_future_s: number | null;
  max_past_s: ColumnType<number | null, number | null | undefined, number | null>;
  updated_at: number;
  rechecked_at: number | null;
}

/** A series whose readings arrive far behind their time, run after run of the quality job. */
export interface QualityLagTable {
  series_id: number;
  since: number;
  last_at: number;
  runs: number;
  t_from: number;
  /** 1 once it lasted long enough for its readings to be flagged `behind`. */
  confirmed: number;
}

/** The contracted-power bounds a power series' readings were last checked with. */
export interface QualitySeriesBoundTable {
  series_id: number;
  /** JSON `[[valid from, valid to or null, bound W], …]`, epoch ms. */
  bounds: string;
  checked_at: number;
}

export interface QualityFlagTable {
  id: Generated<number>;
  series_id: number;
  check: string;
  t_from: number;
  t_to: number;
  count: number;
  value: number;
  checked_at: number;
}
