import { CORE_CONTEXT } from './core-context.ts';
import { ngsiLdError } from './ngsild-errors.ts';

/**
 * JSON-LD @context handling for NGSI-LD (ETSI GS CIM 009 V1.8.1 §5.5.7): the context a request
 * names (Link header, or inline `@context` of a body), the expansion of the short names it uses
 * into IRIs, and the compaction of CIOP's terms back. CIOP fetches no context from anywhere: it
 * knows the core context (bundled) and its own (Smart Data Models IRIs); any other remote context
 * is answered `LdContextNotAvailable`.
 */

export const CORE_CONTEXT_URL = 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld';
const CORE_URLS = new Set([CORE_CONTEXT_URL, 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld']);
/** The Smart Data Models' published context: CIOP knows the part of it that names CIOP's terms. */
const SDM_URLS = new Set([
  'https://raw.githubusercontent.com/smart-data-models/data-models/master/context.jsonld',
  'https://smartdatamodels.org/context.jsonld',
]);
/** Where CIOP serves the core context and its own, under any origin. */
export const LOCAL_CORE_PATH = '/ngsi-ld/v1/contexts/core';
export const LOCAL_CIOP_PATH = '/ngsi-ld/v1/contexts/ciop';

export const LINK_REL = 'http://www.w3.org/ns/json-ld#context';
const DEFAULT_VOCAB = 'https://uri.etsi.org/ngsi-ld/default-context/';
const SDM = 'https://smartdatamodels.org/';
/** CIOP's own vocabulary, for what no Smart Data Model defines (the Dwelling type). */
const CIOP = 'urn:ciop:vocab:';

/** CIOP's entity types and attributes, by short name, with the IRI each stands for. */
export const CIOP_TERMS: Record<string, string> = {
  Building: `${SDM}dataModel.Building/Building`,
  Device: `${SDM}dataModel.Device/Device`,
  DeviceMeasurement: `${SDM}dataModel.Device/DeviceMeasurement`,
  IndoorEnvironmentObserved: `${SDM}dataModel.Environment/IndoorEnvironmentObserved`,
  WeatherObserved: `${SDM}dataModel.Weather/WeatherObserved`,
  Vehicle: `${SDM}dataModel.Transportation/Vehicle`,
  EVChargingStation: `${SDM}dataModel.Transportation/EVChargingStation`,
  Dwelling: `${CIOP}Dwelling`,
  ...Object.fromEntries(
    [
      'name',
      'address',
      'category',
      'floorsAboveGround',
      'dateObserved',
      'refDevice',
      'numValue',
      'unit',
      'controlledProperty',
      'controlledAsset',
      'serialNumber',
      'deviceState',
      'dateLastValueReported',
      'temperature',
      'relativeHumidity',
      'co2',
      'atmosphericPressure',
      'windSpeed',
      'precipitation',
      'solarRadiation',
      'vehicleType',
      'vehiclePlateIdentifier',
      'fleetVehicleId',
      'serviceStatus',
      'batteryLevel',
      'status',
      'capacity',
      'chargeType',
      'socketType',
      'refPointOfInterest',
    ].map((t) => [t, `${SDM}${t}`]),
  ),
  refBuilding: `${CIOP}refBuilding`,
  refDwelling: `${CIOP}refDwelling`,
  floor: `${CIOP}floor`,
  area: `${CIOP}area`,
  powerConsumption: `${CIOP}powerConsumption`,
  energyConsumed: `${CIOP}energyConsumed`,
};

const CORE_TERMS = CORE_CONTEXT['@context'] as Record<string, string | { '@id': string }>;
const CIOP_BY_IRI = new Map<string, string>();
for (const [term, iri] of Object.entries(CIOP_TERMS)) {
  CIOP_BY_IRI.set(iri, term);
  // A client without a context of its own names CIOP's terms through the core's default vocabulary.
  CIOP_BY_IRI.set(`${DEFAULT_VOCAB}${term}`, term);
}

/** The document served at {@link LOCAL_CIOP_PATH}: the core context and CIOP's terms. */
export const CIOP_CONTEXT = { '@context': [CORE_CONTEXT_URL, CIOP_TERMS] };

/** The context of a request, as the client gave it, and the term definitions it brings. */
export interface ActiveContext {
  /** What the client gave, echoed back in `@context` of ld+json answers (the core's URL if nothing). */
  given: unknown;
  terms: Map<string, string>;
  vocab?: string;
}

export const DEFAULT_CONTEXT: ActiveContext = { given: CORE_CONTEXT_URL, terms: new Map() };

function iriOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { '@id'?: unknown })['@id'] === 'string')
    return (value as { '@id': string })['@id'];
  return undefined;
}

/** Adds one context (a URL, an object or a list of them) to `into`. */
function addContext(into: ActiveContext, context: unknown): void {
  if (context === null || context === undefined) return;
  if (Array.isArray(context)) {
    for (const c of context) addContext(into, c);
    return;
  }
  if (typeof context === 'string') {
    if (CORE_URLS.has(context) || context.endsWith(LOCAL_CORE_PATH)) return;
    if (SDM_URLS.has(context) || context.endsWith(LOCAL_CIOP_PATH)) {
      for (const [t, iri] of Object.entries(CIOP_TERMS)) into.terms.set(t, iri);
      return;
    }
    throw ngsiLdError(
      'LdContextNotAvailable',
      `The @context ${context} is not one CIOP holds, and CIOP fetches no remote context: use the core context, ${LOCAL_CIOP_PATH}, or give the terms inline.`,
    );
  }
  if (typeof context !== 'object')
    throw ngsiLdError('BadRequestData', '@context: give a URL, an object of terms, or a list of them.');
  const terms = context as Record<string, unknown>;
  if ('@context' in terms) return addContext(into, terms['@context']);
  const prefixes = new Map<string, string>();
  for (const [term, definition] of Object.entries(terms)) {
    const iri = iriOf(definition);
    if (term === '@vocab' && iri) into.vocab = iri;
    else if (iri && !term.startsWith('@')) prefixes.set(term, iri);
  }
  // Compact IRIs (`sdm:Building`) are expanded with the prefixes of the same context.
  for (const [term, iri] of prefixes) into.terms.set(term, expandPrefix(iri, prefixes));
}

function expandPrefix(iri: string, prefixes: Map<string, string>): string {
  const colon = iri.indexOf(':');
  if (colon <= 0) return iri;
  const prefix = prefixes.get(iri.slice(0, colon));
  return prefix && !iri.startsWith(`${iri.slice(0, colon)}://`) ? `${prefix}${iri.slice(colon + 1)}` : iri;
}

/** The URL of a Link header whose rel is the JSON-LD context (RFC 8288), if any. */
export function contextLink(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (m && /rel\s*=\s*"?([^";]*)"?/.exec(m[2])?.[1]?.trim() === LINK_REL) return m[1];
  }
  return undefined;
}

/** The active context of a request: the Link header's, or a body's inline `@context`, or none. */
export function activeContext(link: string | undefined, inline?: unknown): ActiveContext {
  const given = inline ?? contextLink(link);
  if (given === undefined) return DEFAULT_CONTEXT;
  const context: ActiveContext = { given, terms: new Map() };
  addContext(context, given);
  return context;
}

/** The IRI a term stands for under a context: core terms first, then the client's, then @vocab. */
export function expandTerm(term: string, context: ActiveContext): string {
  const core = iriOf(CORE_TERMS[term]);
  if (core && core !== '@id' && core !== '@type')
    return expandPrefix(core, new Map([['ngsi-ld', 'https://uri.etsi.org/ngsi-ld/']]));
  const own = context.terms.get(term);
  if (own) return own;
  if (/^[a-z][a-z0-9+.-]*:/i.test(term)) return term;
  return `${context.vocab ?? DEFAULT_VOCAB}${term}`;
}

/** CIOP's short name for a term of the request, or undefined when it names nothing of CIOP's. */
export function ciopTerm(term: string, context: ActiveContext): string | undefined {
  if (term === 'location') return 'location';
  return CIOP_BY_IRI.get(expandTerm(term, context));
}

/** How a CIOP term is written under the client's context: its term for the IRI, else the short name. */
export function compactTerm(term: string, context: ActiveContext): string {
  const iri = CIOP_TERMS[term];
  if (!iri || context.terms.size === 0) return term;
  for (const [t, i] of context.terms) if (i === iri) return t;
  const clash = context.terms.get(term);
  return clash && clash !== iri ? iri : term;
}
