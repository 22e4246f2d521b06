import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './testing/databases.ts';
import {
  type Broker,
  buildReplicaServer,
  type Replica,
  startMosquitto,
  startReplica,
} from './testing/mqtt-replicas.ts';
import { freePort } from './testing/ports.ts';

/**
 * A replica started with `CIOP_JOBS=off` answers and ingests but claims no scheduled run: another
 * replica on the same PostgreSQL database runs the jobs, so their runs never delay its answers.
 */
describe('a replica without the jobs', () => {
  let database: TestDatabase;
  let broker: Broker;
  let server: Awaited<ReturnType<typeof buildReplicaServer>>;
  const replicas: Replica[] = [];
  let client: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await buildReplicaServer();
    broker = await startMosquitto();
  }, 120_000);
  afterAll(async () => {
    await client?.end();
    await Promise.all(replicas.map((r) => r.stop()));
    await broker?.stop();
    await database?.drop();
    server?.remove();
  });

  const claims = async () =>
    Number((await client.query<{ n: string }>('select count(*) as n from job_run')).rows[0].n);

  it('claims no run while the replica with them claims every one', async () => {
    const env = { CIOP_MQTT_URL: broker.url, CIOP_INGEST_TOKEN: 'jobs-off-test' };
    const serving = await startReplica(server.command, database.url, await freePort(), {
      ...env,
      CIOP_JOBS: 'off',
    });
    replicas.push(serving);
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
    // Jobs that run at start would have claimed their first run by now.
    await new Promise((r) => setTimeout(r, 4000));
    expect(await claims()).toBe(0);
    const res = await fetch(`${serving.url}/write?precision=ms`, {
      method: 'POST',
      headers: { authorization: 'Token jobs-off-test' },
      body: `forwarder_data,SN=CC000000000J0B01,channel=1,device=1,medium=power value=1 ${Date.now()}`,
    });
    expect(res.status).toBe(204);

    replicas.push(await startReplica(server.command, database.url, await freePort(), env));
    const until = Date.now() + 30_000;
    while ((await claims()) === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    expect(await claims()).toBeGreaterThan(0);
    expect(serving.log()).not.toMatch(/"level":(50|60)/);
  }, 120_000);
});
