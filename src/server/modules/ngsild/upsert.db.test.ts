import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlaces, type TestPlace } from '../../testing/places.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';

/** entityOperations/upsert of DeviceMeasurements into the ingest pipeline. */
describe('NGSI-LD upsert of measurements', () => {
  let t: TestPlatform;
  let a: TestPlace;
  let b: TestPlace;
  let writer: Record<string, string>;
  let writerOfB: Record<string, string>;

  const upsert = (body: unknown, headers: Record<string, string>) =>
    t.app.inject({
      method: 'POST',
      url: '/ngsi-ld/v1/entityOperations/upsert',
      headers,
      payload: body as object,
    });
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();

  beforeAll(async () => {
    t = await openTestPlatform();
    ({ a, b } = await createPlaces(t));
    writer = await headersAs(t, { scopes: ['ingest:write'] });
    writerOfB = await headersAs(t, { scopes: ['ingest:write'], gatewayIds: [b.gatewayId] });
  });
  afterAll(async () => {
    await t.close();
  });

  it('stores each numValue instance as a reading of the sensor', async () => {
    const id = `urn:ngsi-ld:DeviceMeasurement:${a.sensorId}`;
    const res = await upsert(
      [
        {
          id,
          type: 'DeviceMeasurement',
          numValue: [
            { type: 'Property', value: 23.5, observedAt: at(10) },
            { type: 'Property', value: 24, observedAt: at(0.5) },
          ],
        },
      ],
      writer,
    );
    expect(res.statusCode, res.body).toBe(204);
    const entity = await t.app.inject({
      method: 'GET',
      url: `/ngsi-ld/v1/entities/${id}`,
      headers: t.readerHeaders,
    });
    expect(entity.json().numValue.value).toBe(24);
  });

  it('answers 207 naming what it did not take: unknown sensors, bad values, sensors the writer may not write', async () => {
    const res = await upsert(
      [
        {
          id: `urn:ngsi-ld:DeviceMeasurement:${b.sensorId}`,
          type: 'DeviceMeasurement',
          numValue: { type: 'Property', value: 18 },
        },
        {
          id: `urn:ngsi-ld:DeviceMeasurement:${a.sensorId}`,
          type: 'DeviceMeasurement',
          numValue: { type: 'Property', value: 18 },
        },
        {
          id: 'urn:ngsi-ld:DeviceMeasurement:999999',
          type: 'DeviceMeasurement',
          numValue: { type: 'Property', value: 1 },
        },
        { id: `urn:ngsi-ld:Building:${a.buildingId}`, type: 'Building' },
        {
          id: `urn:ngsi-ld:DeviceMeasurement:${b.sensorId}`,
          type: 'DeviceMeasurement',
          numValue: { type: 'Property', value: 'warm' },
        },
      ],
      writerOfB,
    );
    expect(res.statusCode).toBe(207);
    const body = res.json();
    expect(body.success).toEqual([`urn:ngsi-ld:DeviceMeasurement:${b.sensorId}`]);
    expect(body.errors.map((e: { entityId: string }) => e.entityId)).toEqual([
      `urn:ngsi-ld:Building:${a.buildingId}`,
      `urn:ngsi-ld:DeviceMeasurement:${b.sensorId}`,
      `urn:ngsi-ld:DeviceMeasurement:${a.sensorId}`,
      'urn:ngsi-ld:DeviceMeasurement:999999',
    ]);
  });

  it('is for whom writes readings', async () => {
    const res = await upsert([], t.readerHeaders);
    expect(res.statusCode).toBe(403);
    expect((await upsert([], writer)).statusCode).toBe(400);
  });
});
