// InfluxDB line protocol for CIOP's ingest: `POST /write`, `POST /api/v2/write` and MQTT payloads.
export { LineProtocolError } from './errors.ts';
export { parseLines, type FieldValue, type ParsedPoint, type ParseOptions } from './parser.ts';
export { PrecisionError, parsePrecision, type Precision } from './precision.ts';
