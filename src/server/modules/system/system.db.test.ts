import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { testDialect } from '../../testing/databases.ts';
import { openTestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';

const t = await openTestPlatform();
afterAll(async () => t.close());

describe('readiness', () => {
  it('is ready once the database answers, the schema is current and the engine runs', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ready: true, checks: { database: true, migrations: true, engine: true } });
  });

  it('answers 503 naming the part that is down, and recovers with it', async () => {
    let up = false;
    t.platform.readiness.add({ name: 'broker', check: () => up });
    const down = await t.app.inject({ method: 'GET', url: '/api/v1/ready' });
    expect(down.statusCode).toBe(503);
    expect(down.json().checks).toMatchObject({ broker: false, database: true });
    up = true;
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/ready' })).statusCode).toBe(200);
  });

  it.runIf(testDialect === 'postgres')('fails while the database is down, and recovers', async () => {
    const pool = t.platform.database.pool!;
    const { rows } = await pool.query<{ name: string }>('SELECT current_database() AS name');
    const name = rows[0].name;
    const other = new URL(pool.options.connectionString!);
    other.pathname = '/postgres';
    const admin = new pg.Client({ connectionString: other.toString() });
    await admin.connect();
    try {
      // The database refuses new connections and drops those it had: for CIOP it is down.
      await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
      const down = await t.app.inject({ method: 'GET', url: '/api/v1/ready' });
      expect(down.statusCode).toBe(503);
      expect(down.json().checks.database).toBe(false);
    } finally {
      await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    const up = await t.app.inject({ method: 'GET', url: '/api/v1/ready' });
    expect(up.json().checks.database).toBe(true);
  });
});

describe('metrics', () => {
  it('are refused without the metrics scope', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const reader = await headersAs(t, { scopes: ['read'] });
    expect((await t.app.inject({ method: 'GET', url: '/metrics', headers: reader })).statusCode).toBe(403);
    const resident = await headersAs(t, { roles: ['resident'] });
    expect((await t.app.inject({ method: 'GET', url: '/metrics', headers: resident })).statusCode).toBe(403);
  });

  it('count requests by route template and status, ingest by protocol, and the process', async () => {
    const scraper = await headersAs(t, { scopes: ['metrics'] });
    const lines =
      'forwarder_data,SN=0xMETRICS01,channel=1,device=1,medium=temperature value=21.5 1700000000000';
    const write = await t.app.inject({
      method: 'POST',
      url: '/api/v2/write?precision=ms',
      headers: { ...t.ingestHeaders, 'content-type': 'text/plain' },
      payload: `${lines}\n${lines.replace('21.5 1700000000000', '21.6 1700000600000')}`,
    });
    expect(write.statusCode).toBe(204);
    await t.app.inject({ method: 'GET', url: '/api/v1/buildings/424242' });
    const scrape = () => t.app.inject({ method: 'GET', url: '/metrics', headers: scraper });
    const res = await scrape();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    // A request is counted once its reply has gone, which may be just after the client has it.
    await expect.poll(async () => (await scrape()).body).toContain('route="/api/v1/buildings/:id"');
    const text = (await scrape()).body;
    expect(text).toMatch(
      /ciop_http_request_duration_seconds_count\{method="POST",route="\/api\/v2\/write",status="204"\} 1\b/,
    );
    // The template, never the URL with its ids.
    expect(text).not.toContain('buildings/424242');
    expect(text).toMatch(/ciop_ingest_points_total\{protocol="http-line-protocol"\} 2\b/);
    expect(text).toMatch(/ciop_ingest_batches_total\{protocol="http-line-protocol"\} 1\b/);
    expect(text).toMatch(/^ciop_pending_readings \d+$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds [\d.e-]+$/m);
  });

  it('time job runs and count their failures', async () => {
    const { scheduler } = t.platform;
    scheduler.add({
      name: 'metrics-test-failing',
      run: async () => {
        throw new Error('planned failure');
      },
    });
    await expect(scheduler.run('metrics-test-failing')).rejects.toThrow('planned failure');
    const text = await t.platform.metrics.text();
    expect(text).toMatch(/ciop_job_failures_total\{job="metrics-test-failing"\} 1\b/);
    expect(text).toMatch(
      /ciop_job_duration_seconds_count\{job="metrics-test-failing",outcome="failed"\} 1\b/,
    );
  });
});
