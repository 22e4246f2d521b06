import proj4 from 'proj4';

// Factories of the files the 3D city's tests import.

/** A building of Vitoria-Gasteiz (Calle Aldabe), about 20 × 15 m, as WGS84 longitude, latitude. */
export const ALDABE: [number, number][] = [
  [-2.6755, 42.8515],
  [-2.67525, 42.8515],
  [-2.67525, 42.85164],
  [-2.6755, 42.85164],
  [-2.6755, 42.8515],
];
const UTM30 = '+proj=utm +zone=30 +ellps=GRS80 +units=m +no_defs';

interface GmlBuilding {
  id: string;
  /** Positions as the file writes them, in the system's axis order. */
  posList: number[][];
  srs?: string;
  extra?: string;
}

/** An INSPIRE Buildings GML document as the Álava cadastre and DG Catastro publish it. */
export function inspireGml(buildings: GmlBuilding[]): string {
  const members = buildings
    .map(
      (b) => `
  <gml:featureMember>
    <bu-core2d:Building gml:id="ES.SDGC.BU.${b.id}">
      <bu-core2d:inspireId><base:Identifier><base:localId>${b.id}</base:localId><base:namespace>ES.SDGC.BU</base:namespace></base:Identifier></bu-core2d:inspireId>
      <bu-core2d:conditionOfConstruction>functional</bu-core2d:conditionOfConstruction>
      <bu-core2d:dateOfConstruction><bu-core2d:DateOfEvent><bu-core2d:end>1962-01-01T00:00:00</bu-core2d:end></bu-core2d:DateOfEvent></bu-core2d:dateOfConstruction>
      <bu-core2d:geometry><bu-core2d:BuildingGeometry><bu-core2d:geometry>
        <gml:Surface gml:id="Surface_${b.id}" srsName="${b.srs ?? 'urn:ogc:def:crs:EPSG::4258'}"><gml:patches><gml:PolygonPatch><gml:exterior><gml:LinearRing>
          <gml:posList srsDimension="2" count="${b.posList.length}">${b.posList.map((p) => p.join(' ')).join(' ')}</gml:posList>
        </gml:LinearRing></gml:exterior></gml:PolygonPatch></gml:patches></gml:Surface>
      </bu-core2d:geometry></bu-core2d:BuildingGeometry></bu-core2d:geometry>
      <bu-ext2d:currentUse>1_residential</bu-ext2d:currentUse>
      <bu-ext2d:numberOfDwellings>12</bu-ext2d:numberOfDwellings>
      <bu-ext2d:officialArea><bu-ext2d:OfficialArea><bu-ext2d:officialAreaReference>grossFloorArea</bu-ext2d:officialAreaReference><bu-ext2d:value uom="M2">1450</bu-ext2d:value></bu-ext2d:OfficialArea></bu-ext2d:officialArea>
      ${b.extra ?? '<bu-ext2d:numberOfFloorsAboveGround>5</bu-ext2d:numberOfFloorsAboveGround>'}
    </bu-core2d:Building>
  </gml:featureMember>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:base="urn:x-inspire:specification:gmlas:BaseTypes:3.2"
  xmlns:bu-core2d="http://inspire.jrc.ec.europa.eu/schemas/bu-core2d/2.0" xmlns:bu-ext2d="http://inspire.jrc.ec.europa.eu/schemas/bu-ext2d/2.0"
  xmlns:xlink="http://www.w3.org/1999/xlink" gml:id="ES.SDGC.BU">${members}
</gml:FeatureCollection>`;
}

/** The Aldabe footprint in EPSG:4258 as GML writes it: latitude first. */
export const aldabeLatLon = () => ALDABE.map(([lon, lat]) => [lat, lon]);
/** The Aldabe footprint in EPSG:25830: easting, northing. */
export const aldabeUtm = () => ALDABE.map((p) => proj4('WGS84', UTM30, p));
