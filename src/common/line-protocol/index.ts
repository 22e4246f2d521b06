// InfluxDB line protocol for CIOP's ingest: `POST /write`, `POST /api/v2/write` and MQTT payloads.
export { LineProtocolError, type LimitName } from './errors.ts';
export {
  FIELD_BOOLEAN,
  FIELD_FLOAT,
  FIELD_INTEGER,
  FIELD_STRING,
  FIELD_UNSIGNED,
  LineScanner,
  parseLines,
  scanBytes,
  scanLines,
  type FieldValue,
  type LineLimits,
  type ParsedPoint,
  type ParseOptions,
  type PointVisitor,
  type ScannedFields,
  type SeriesHandle,
} from './parser.ts';
export { PrecisionError, parsePrecision, type Precision } from './precision.ts';
