import { afterAll, describe, expect, it } from 'vitest';
import { openTestPlatform } from '../testing/platform.ts';
import { headersAs } from '../testing/principals.ts';

const t = await openTestPlatform();
const admin = await headersAs(t, { roles: ['admin'] });
afterAll(async () => {
  await t.close();
});

describe('errors the router finds before any route runs', () => {
  it('a path parameter too long to route answers 414 as problem+json', async () => {
    for (const url of [
      `/api/v1/dwellings/${'1'.repeat(5000)}`,
      `/api/v1/exports/download/${'x'.repeat(5000)}`,
    ]) {
      const res = await t.app.inject({ method: 'GET', url, headers: admin });
      expect(res.statusCode, res.body).toBe(414);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      const problem = res.json();
      expect(problem).toMatchObject({ status: 414, title: 'URI Too Long' });
      expect(problem.detail).toMatch(/at most 100 characters/);
      // The answer does not echo the 5,000 characters back.
      expect(res.body.length).toBeLessThan(1000);
    }
  });

  it('a malformed %-escape in the path answers 400 as problem+json', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/dwellings/%E0%A4%A', headers: admin });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().detail).toMatch(/%-escape/);
  });
});
