import { describe, expect, it } from 'vitest';
import { query } from './http.ts';

describe('query', () => {
  it('sends each value once, a list once per item, and encodes them', () => {
    expect(query({ kpi: ['EN_FINAL', 'EN_CO2'], year: 2025, q: 'Aldabe 12 & co' })).toBe(
      '?kpi=EN_FINAL&kpi=EN_CO2&year=2025&q=Aldabe+12+%26+co',
    );
  });

  it('leaves out undefined and null but keeps an empty string, zero and false', () => {
    expect(query({ a: undefined, b: null, breakdown: '', n: 0, dryRun: false })).toBe(
      '?breakdown=&n=0&dryRun=false',
    );
  });

  it('is empty when there is nothing to send, also for an empty list', () => {
    expect(query({})).toBe('');
    expect(query({ resource: [], year: undefined })).toBe('');
  });
});
