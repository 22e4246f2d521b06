import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.ts';
import { openPlatform, type Platform } from '../../platform.ts';
import { createPlaces } from '../../testing/places.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { SILENT_DEVICES_JOB } from './alarms.service.ts';

const DAY = 86_400_000;

/** Two replicas of CIOP on one PostgreSQL database, each with its scheduler. */
describe('silent-device alarms with two replicas on PostgreSQL', () => {
  let t: TestPlatform;
  let second: Platform;

  beforeAll(async () => {
    t = await openTestPlatform();
    second = await openPlatform(
      loadConfig({}, { ...t.platform.config, logLevel: 'silent' }),
      pino({ level: 'silent' }),
    );
    await createPlaces(t);
    await t.platform.alarmSettings.update({ contacts: ['maintenance@city.example'] }, Date.now());
  });
  afterAll(async () => {
    await second.close();
    await t.close();
  });

  const openIncidents = () =>
    t.platform.database.db.selectFrom('incident').selectAll().where('status', '=', 'open').execute();

  it('opens one incident per silent device and sends one e-mail, whichever replica runs the job', async () => {
    expect(t.platform.database.dialect).toBe('postgres');
    // Both gateways of the places reported a minute ago: fifteen days on they are silent.
    const now = Date.now() + 15 * DAY;
    // Both replicas look at the same instant at once, without the scheduler's lock: the unique
    // index keeps one open incident per device, and the claim on the e-mail sends it once.
    const [a, b] = await Promise.all([t.platform.alarms.detect(now), second.alarms.detect(now)]);
    expect([...a.opened, ...b.opened]).toHaveLength(2);
    let open = await openIncidents();
    expect(open.map((i) => i.kind)).toEqual(['gateway', 'gateway']);
    expect(new Set(open.map((i) => i.device_key)).size).toBe(2);
    expect([...a.mailed, ...b.mailed].sort()).toEqual(open.map((i) => i.id).sort());

    // Through the scheduler, as the replicas' timers do: one of them runs, nothing new opens.
    for (let i = 1; i <= 3; i++) {
      const runs = await Promise.all([
        t.platform.scheduler.run(SILENT_DEVICES_JOB, now + i * 60_000),
        second.scheduler.run(SILENT_DEVICES_JOB, now + i * 60_000),
      ]);
      expect(runs).toContain(true);
    }
    open = await openIncidents();
    expect(open).toHaveLength(2);
    const mails = (await t.platform.mail.list({ to: 'maintenance@city.example' })).items;
    expect(mails.length).toBeLessThanOrEqual(2);
    expect(
      mails
        .map((m) => m.body)
        .join('\n')
        .match(/installations\/incidents\/\d+/g)
        ?.sort(),
    ).toEqual(open.map((i) => `installations/incidents/${i.id}`).sort());
    const events = await t.platform.database.db
      .selectFrom('incident_event')
      .select(['incident_id', 'kind'])
      .where('kind', '=', 'opened')
      .execute();
    expect(events).toHaveLength(2);
  });

  it('refuses a second open incident for a device at the database', async () => {
    const [one] = await openIncidents();
    const { id: _id, ...copy } = one;
    await expect(t.platform.database.db.insertInto('incident').values(copy).execute()).rejects.toThrow(
      /unique/i,
    );
    // A closed one for the same device is fine.
    await t.platform.database.db
      .insertInto('incident')
      .values({ ...copy, status: 'closed' })
      .execute();
  });
});
