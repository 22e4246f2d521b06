import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BY_SYSTEM } from '../../audit/by.ts';
import { eventually } from '../../testing/eventually.ts';
import {
  addCharger as addFleetCharger,
  SimulatedCharger,
  UpgradeRefused,
} from '../../testing/ocpp-charger.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';

/**
 * Chargers speaking OCPP to CIOP over real WebSockets: a 1.6J and a 2.0.1 session each give a
 * charge with the energy its meter counted and the charger's status history; refused upgrades,
 * and CALLERRORs for what is malformed, with the connection kept.
 */

const T0 = Date.UTC(2026, 10, 20, 7, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const MIN = 60_000;

let t: TestPlatform;
let base: string;
let password: string;

const addCharger = (code: string, vehicle: string) => addFleetCharger(t.platform, code, vehicle, T0);

const issue = async (scopes: ('ocpp' | 'ingest:write')[]) =>
  t.platform.auth.machineTokens.issue({ name: `charger ${scopes.join('+')}`, scopes }, BY_SYSTEM);

beforeAll(async () => {
  t = await openTestPlatform();
  await addCharger('OCPP-16', 'BUS-16');
  await addCharger('OCPP-201', 'BUS-201');
  await addCharger('OCPP-BAD', 'BUS-BAD');
  password = (await issue(['ocpp'])).token;
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address() as { port: number };
  base = `ws://127.0.0.1:${address.port}`;
});
afterAll(async () => t?.close());

const db = () => t.platform.database.db;

async function chargeOf(code: string) {
  return db()
    .selectFrom('mobility_charge as c')
    .innerJoin('mobility_charger as ch', 'ch.id', 'c.charger_id')
    .leftJoin('mobility_vehicle as v', 'v.id', 'c.vehicle_id')
    .select([
      'c.number',
      'c.start_at',
      'c.end_at',
      'c.duration_s',
      'c.energy_kwh',
      'c.meter_start_wh',
      'c.meter_stop_wh',
      'c.soc_start_pct',
      'c.soc_end_pct',
      'c.id_tag',
      'c.stop_reason',
      'c.source',
      'v.plate',
    ])
    .where('ch.code', '=', code)
    .execute();
}

async function historyOf(code: string) {
  return db()
    .selectFrom('mobility_charger_status as s')
    .innerJoin('mobility_charger as ch', 'ch.id', 's.charger_id')
    .select(['s.connector', 's.status', 's.at'])
    .where('ch.code', '=', code)
    .where('s.source', '=', 'ocpp')
    .orderBy('s.at')
    .orderBy('s.id')
    .execute();
}

const sample16 = (value: number, measurand: string, unit: string) => ({
  value: String(value),
  measurand,
  unit,
  context: 'Sample.Periodic',
});

describe('an OCPP 1.6J charger', () => {
  it('boots, reports its status, authorises the bus, charges it and stops: one charge with its energy', async () => {
    const cp = await SimulatedCharger.connect({ base, chargePointId: 'OCPP-16', password });
    expect(cp.protocol).toBe('ocpp1.6');
    const boot = await cp.call('BootNotification', {
      chargePointVendor: 'Heliox',
      chargePointModel: 'OC 450',
    });
    expect(boot).toMatchObject({ status: 'Accepted', interval: 300 });
    expect(Date.parse(boot.currentTime as string)).toBeGreaterThan(0);
    expect(await cp.call('Heartbeat', {})).toHaveProperty('currentTime');
    await cp.call('StatusNotification', {
      connectorId: 0,
      errorCode: 'NoError',
      status: 'Available',
      timestamp: iso(T0),
    });
    await cp.call('StatusNotification', {
      connectorId: 1,
      errorCode: 'NoError',
      status: 'Available',
      timestamp: iso(T0),
    });
    await cp.call('StatusNotification', {
      connectorId: 1,
      errorCode: 'NoError',
      status: 'Preparing',
      timestamp: iso(T0 + MIN),
    });
    expect(await cp.call('Authorize', { idTag: 'BUS-16' })).toEqual({ idTagInfo: { status: 'Accepted' } });
    expect(await cp.call('Authorize', { idTag: 'NOBODY' })).toEqual({ idTagInfo: { status: 'Invalid' } });

    const start = { connectorId: 1, idTag: 'BUS-16', meterStart: 120_000, timestamp: iso(T0 + 2 * MIN) };
    const started = await cp.call<{ transactionId: number; idTagInfo: { status: string } }>(
      'StartTransaction',
      start,
    );
    expect(started.idTagInfo.status).toBe('Accepted');
    expect(Number.isInteger(started.transactionId)).toBe(true);
    // A start sent again (no answer reached the charger) is the same transaction.
    expect((await cp.call<{ transactionId: number }>('StartTransaction', start)).transactionId).toBe(
      started.transactionId,
    );
    await cp.call('StatusNotification', {
      connectorId: 1,
      errorCode: 'NoError',
      status: 'Charging',
      timestamp: iso(T0 + 2 * MIN),
    });
    for (const [i, [wh, kw, soc]] of [
      [120_000, 149.5, 40],
      [130_000, 150.1, 55],
      [141_000, 148.7, 70],
      [152_500, 60.2, 80],
    ].entries())
      expect(
        await cp.call('MeterValues', {
          connectorId: 1,
          transactionId: started.transactionId,
          meterValue: [
            {
              timestamp: iso(T0 + (2 + i * 10) * MIN),
              sampledValue: [
                sample16(wh, 'Energy.Active.Import.Register', 'Wh'),
                sample16(kw, 'Power.Active.Import', 'kW'),
                sample16(soc, 'SoC', 'Percent'),
                // A phase's current is not kept.
                { value: '200', measurand: 'Current.Import', unit: 'A', phase: 'L1' },
              ],
            },
          ],
        }),
      ).toEqual({});
    expect(
      await cp.call('StopTransaction', {
        transactionId: started.transactionId,
        idTag: 'BUS-16',
        meterStop: 152_500,
        timestamp: iso(T0 + 32 * MIN),
        reason: 'EVDisconnected',
      }),
    ).toEqual({ idTagInfo: { status: 'Accepted' } });
    for (const [status, m] of [
      ['Finishing', 32],
      ['Available', 33],
    ] as const)
      await cp.call('StatusNotification', {
        connectorId: 1,
        errorCode: 'NoError',
        status,
        timestamp: iso(T0 + m * MIN),
      });
    expect(cp.errors).toEqual([]);
    await cp.close();

    expect(await chargeOf('OCPP-16')).toEqual([
      {
        number: String(started.transactionId),
        start_at: T0 + 2 * MIN,
        end_at: T0 + 32 * MIN,
        duration_s: 1800,
        energy_kwh: 32.5,
        meter_start_wh: 120_000,
        meter_stop_wh: 152_500,
        soc_start_pct: 40,
        soc_end_pct: 80,
        id_tag: 'BUS-16',
        stop_reason: 'EVDisconnected',
        source: 'ocpp',
        plate: 'BUS-16',
      },
    ]);
    expect((await historyOf('OCPP-16')).map((s) => [s.connector, s.status, (s.at - T0) / MIN])).toEqual([
      [0, 'Available', 0],
      [1, 'Available', 0],
      [1, 'Preparing', 1],
      [1, 'Charging', 2],
      [1, 'Finishing', 32],
      [1, 'Available', 33],
    ]);
    const charger = await db()
      .selectFrom('mobility_charger')
      .select(['status', 'status_at', 'soc_pct', 'vehicle_id'])
      .where('code', '=', 'OCPP-16')
      .executeTakeFirstOrThrow();
    expect(charger).toMatchObject({
      status: 'Available',
      status_at: T0 + 33 * MIN,
      soc_pct: 80,
      vehicle_id: null,
    });

    // Meter values are series: energy in kWh, power in W, state of charge in %.
    const { reports } = t.platform.ocpp;
    const energy = await reports.meterSeries('OCPP-16', 1, 'energy_kwh', T0, T0 + HOUR);
    expect(energy.values).toEqual([120, 130, 141, 152.5]);
    expect((await reports.meterSeries('OCPP-16', 1, 'power_w', T0, T0 + HOUR)).values).toEqual([
      149_500, 150_100, 148_700, 60_200,
    ]);
    expect((await reports.meterSeries('OCPP-16', 1, 'soc_pct', T0, T0 + HOUR)).times).toEqual(energy.times);

    // The charge is in the day's rollup the KPIs read.
    const day = await db()
      .selectFrom('mobility_charger_day as d')
      .innerJoin('mobility_charger as ch', 'ch.id', 'd.charger_id')
      .select(['d.day', 'd.charges', 'd.energy_kwh', 'd.charge_s'])
      .where('ch.code', '=', 'OCPP-16')
      .execute();
    expect(day).toEqual([{ day: 20261120, charges: 1, energy_kwh: 32.5, charge_s: 1800 }]);
  });

  it('gets the CALLERROR each malformed frame deserves, and stays connected', async () => {
    const cp = await SimulatedCharger.connect({ base, chargePointId: 'OCPP-BAD', password });
    const errorOf = async (frame: string, id: string) => {
      const answer = await cp.send(frame, id);
      expect(answer[0], frame).toBe(4);
      return answer[2];
    };
    expect(await errorOf('this is not json', '-1')).toBe('FormationViolation');
    expect(await errorOf('{"a":1}', '-1')).toBe('FormationViolation');
    expect(await errorOf('[2, "m1", "Heartbeat"]', 'm1')).toBe('FormationViolation');
    expect(await errorOf('[2, "m2", "Heartbeat", []]', 'm2')).toBe('FormationViolation');
    expect(await errorOf('[7, "m3", "Heartbeat", {}]', 'm3')).toBe('ProtocolError');
    expect(await errorOf('[2, "m4", "ReserveNow", {}]', 'm4')).toBe('NotImplemented');
    expect(await errorOf('[2, "m5", "MeterValues", {"connectorId": 1}]', 'm5')).toBe(
      'OccurenceConstraintViolation',
    );
    expect(
      await errorOf(
        '[2, "m6", "StatusNotification", {"connectorId": "one", "errorCode": "NoError", "status": "Available"}]',
        'm6',
      ),
    ).toBe('TypeConstraintViolation');
    expect(
      await errorOf(
        '[2, "m7", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Dancing"}]',
        'm7',
      ),
    ).toBe('PropertyConstraintViolation');
    expect(
      await errorOf(
        '[2, "m8", "MeterValues", {"connectorId": 1, "meterValue": [{"timestamp": "yesterday", "sampledValue": [{"value": "1"}]}]}]',
        'm8',
      ),
    ).toBe('PropertyConstraintViolation');
    expect(
      await errorOf(
        `[2, "m9", "MeterValues", {"connectorId": 1, "meterValue": [{"timestamp": "${iso(T0)}", "sampledValue": [{"value": "lots"}]}]}]`,
        'm9',
      ),
    ).toBe('PropertyConstraintViolation');
    // An answer to a call CIOP never made is ignored; nothing stored changed on the way.
    cp.socket.send('[3, "zz", {}]');
    expect(await cp.call('Heartbeat', {})).toHaveProperty('currentTime');
    expect(cp.open).toBe(true);
    expect(cp.errors.map((e) => e.description).join('\n')).toMatch(/connectorId|meterValue|status/);
    expect(await chargeOf('OCPP-BAD')).toEqual([]);
    expect(await historyOf('OCPP-BAD')).toEqual([]);
    await cp.close();

    const v201 = await SimulatedCharger.connect({
      base,
      chargePointId: 'OCPP-BAD',
      password,
      protocols: ['ocpp2.0.1'],
    });
    expect((await v201.send('not json', '-1')).slice(0, 3)).toEqual([4, '-1', 'FormatViolation']);
    expect((await v201.send('[5, "x", "Heartbeat", {}]', 'x')).slice(0, 3)).toEqual([
      4,
      'x',
      'MessageTypeNotSupported',
    ]);
    expect((await v201.send('[2, "y", "Authorize", {"idToken": {}}]', 'y')).slice(0, 3)).toEqual([
      4,
      'y',
      'OccurrenceConstraintViolation',
    ]);
    expect(v201.open).toBe(true);
    await v201.close();
  });
});

const HOUR = 60 * MIN;

describe('an OCPP 2.0.1 charging station', () => {
  it('gives the same charge from a TransactionEvent session', async () => {
    const cs = await SimulatedCharger.connect({
      base,
      chargePointId: 'OCPP-201',
      password,
      protocols: ['ocpp2.0.1', 'ocpp1.6'],
    });
    expect(cs.protocol).toBe('ocpp2.0.1');
    expect(
      await cs.call('BootNotification', {
        chargingStation: { model: 'OC 450', vendorName: 'Heliox' },
        reason: 'PowerUp',
      }),
    ).toMatchObject({ status: 'Accepted', interval: 300 });
    await cs.call('StatusNotification', {
      timestamp: iso(T0),
      connectorStatus: 'Available',
      evseId: 0,
      connectorId: 0,
    });
    await cs.call('StatusNotification', {
      timestamp: iso(T0 + MIN),
      connectorStatus: 'Occupied',
      evseId: 1,
      connectorId: 1,
    });
    expect(await cs.call('Authorize', { idToken: { idToken: 'BUS-201', type: 'Central' } })).toEqual({
      idTokenInfo: { status: 'Accepted' },
    });
    const meter = (ms: number, wh: number, soc: number, context: string) => [
      {
        timestamp: iso(ms),
        sampledValue: [
          {
            value: wh / 1000,
            measurand: 'Energy.Active.Import.Register',
            context,
            unitOfMeasure: { unit: 'kWh' },
          },
          {
            value: 150,
            measurand: 'Power.Active.Import',
            context,
            unitOfMeasure: { unit: 'W', multiplier: 3 },
          },
          { value: soc, measurand: 'SoC', context, unitOfMeasure: { unit: 'Percent' } },
        ],
      },
    ];
    const event = (eventType: string, ms: number, seqNo: number, extra: Record<string, unknown>) =>
      cs.call('TransactionEvent', {
        eventType,
        timestamp: iso(ms),
        triggerReason:
          eventType === 'Started'
            ? 'Authorized'
            : eventType === 'Ended'
              ? 'EVCommunicationLost'
              : 'MeterValuePeriodic',
        seqNo,
        evse: { id: 1, connectorId: 1 },
        ...extra,
      });
    expect(
      await event('Started', T0 + 2 * MIN, 0, {
        transactionInfo: { transactionId: 'tx-201-1', chargingState: 'Charging' },
        idToken: { idToken: 'BUS-201', type: 'Central' },
        meterValue: meter(T0 + 2 * MIN, 120_000, 40, 'Transaction.Begin'),
      }),
    ).toEqual({ idTokenInfo: { status: 'Accepted' } });
    await event('Updated', T0 + 12 * MIN, 1, {
      transactionInfo: { transactionId: 'tx-201-1' },
      meterValue: meter(T0 + 12 * MIN, 130_000, 55, 'Sample.Periodic'),
    });
    await cs.call('MeterValues', {
      evseId: 1,
      meterValue: meter(T0 + 22 * MIN, 141_000, 70, 'Sample.Periodic'),
    });
    await event('Ended', T0 + 32 * MIN, 2, {
      transactionInfo: {
        transactionId: 'tx-201-1',
        chargingState: 'EVConnected',
        stoppedReason: 'EVDisconnected',
      },
      meterValue: meter(T0 + 32 * MIN, 152_500, 80, 'Transaction.End'),
    });
    await cs.call('StatusNotification', {
      timestamp: iso(T0 + 33 * MIN),
      connectorStatus: 'Available',
      evseId: 1,
      connectorId: 1,
    });
    expect(cs.errors).toEqual([]);
    await cs.close();

    const [v16] = await chargeOf('OCPP-16');
    expect(await chargeOf('OCPP-201')).toEqual([
      { ...v16, number: 'tx-201-1', plate: 'BUS-201', id_tag: 'BUS-201' },
    ]);
    expect((await historyOf('OCPP-201')).map((s) => [s.connector, s.status, (s.at - T0) / MIN])).toEqual([
      [0, 'Available', 0],
      [1, 'Preparing', 1],
      [1, 'Charging', 2],
      [1, 'Preparing', 32],
      [1, 'Available', 33],
    ]);
  });
});

describe('the upgrade', () => {
  const refusal = async (c: Partial<Parameters<typeof SimulatedCharger.connect>[0]>) => {
    try {
      const cp = await SimulatedCharger.connect({ base, chargePointId: 'OCPP-16', password, ...c });
      await cp.close();
      return undefined;
    } catch (error) {
      expect(error).toBeInstanceOf(UpgradeRefused);
      const { status, body } = error as UpgradeRefused;
      return { status, detail: (JSON.parse(body) as { detail: string }).detail };
    }
  };

  it('refuses a revoked token (401), and closes the connections it had opened', async () => {
    const second = await issue(['ocpp']);
    const cp = await SimulatedCharger.connect({ base, chargePointId: 'OCPP-16', password: second.token });
    const closed = new Promise<number>((resolve) => cp.socket.once('close', (code) => resolve(code)));
    await t.platform.auth.machineTokens.revoke(second.id, BY_SYSTEM);
    expect(await closed).toBe(1008);
    expect(await refusal({ password: second.token })).toMatchObject({ status: 401 });
    expect(await refusal({ password: 'ciop_not-a-token' })).toMatchObject({ status: 401 });
    expect(await refusal({ password: '' })).toMatchObject({ status: 401 });
  });

  it('refuses unknown charge points (404), other scopes, another id as user and no OCPP subprotocol', async () => {
    expect(await refusal({ chargePointId: 'NO-SUCH-CHARGER' })).toMatchObject({
      status: 404,
      detail: expect.stringContaining('NO-SUCH-CHARGER'),
    });
    expect(await refusal({ password: (await issue(['ingest:write'])).token })).toMatchObject({ status: 403 });
    expect(await refusal({ user: 'OCPP-201' })).toMatchObject({
      status: 403,
      detail: expect.stringContaining('OCPP-201'),
    });
    expect(await refusal({ protocols: ['ocpp1.5'] })).toMatchObject({
      status: 400,
      detail: expect.stringContaining('ocpp1.6'),
    });
    expect(await refusal({})).toBeUndefined();
  });

  it('answers a plain GET with 426, and unknown OCPP paths with problem+json 404', async () => {
    const auth = `Basic ${Buffer.from(`OCPP-16:${password}`).toString('base64')}`;
    const plain = await t.app.inject({ url: '/ocpp/OCPP-16', headers: { authorization: auth } });
    expect(plain.statusCode, plain.body).toBe(426);
    expect(plain.headers['content-type']).toContain('application/problem+json');
    for (const url of ['/ocpp', '/ocpp/', '/ocpp/OCPP-16/extra']) {
      const res = await t.app.inject({ url, headers: { accept: 'text/html', authorization: auth } });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type'], url).toContain('application/problem+json');
    }
  });
});

it('keeps every frame of a charger in order under load', async () => {
  const cp = await SimulatedCharger.connect({ base, chargePointId: 'OCPP-BAD', password });
  const answers = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      cp.call('MeterValues', {
        connectorId: 2,
        meterValue: [{ timestamp: iso(T0 + i * 1000), sampledValue: [{ value: String(1000 + i) }] }],
      }),
    ),
  );
  expect(answers).toHaveLength(50);
  await eventually(async () =>
    expect(
      (await t.platform.ocpp.reports.meterSeries('OCPP-BAD', 2, 'energy_kwh', T0, T0 + HOUR)).values,
    ).toHaveLength(50),
  );
  await cp.close();
});

it('takes transactions of many chargers at once', async () => {
  const codes = Array.from({ length: 8 }, (_, i) => `OCPP-MANY-${i}`);
  for (const c of codes) await addCharger(c, `BUS-${c}`);
  const charged = await Promise.all(
    codes.map(async (c, i) => {
      const cp = await SimulatedCharger.connect({ base, chargePointId: c, password });
      const { transactionId } = await cp.call<{ transactionId: number }>('StartTransaction', {
        connectorId: 1,
        idTag: `BUS-${c}`,
        meterStart: 1000 * i,
        timestamp: iso(T0 + i * MIN),
      });
      await cp.call('StopTransaction', {
        transactionId,
        meterStop: 1000 * i + 5000,
        timestamp: iso(T0 + (i + 10) * MIN),
      });
      await cp.close();
      return (await chargeOf(c))[0]?.energy_kwh;
    }),
  );
  expect(charged).toEqual(codes.map(() => 5));
});
